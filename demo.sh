#!/usr/bin/env bash
# One-command demo: installs what is missing, builds dist/demo/choria, creates a throw-away CA, starts a
# real broker (supervising nats-server) and three servers with different facts and classes on
# 127.0.0.1, then runs `choria ping` and `choria req rpcutil inventory` against them, and the
# example filemgr agent (examples/agents/filemgr, written with the C# SDK and compiled into the binary).
# Everything lives in a temporary directory that is removed on exit. KEEP=1 leaves it running
# until you press Enter.
#
# `./demo.sh federation` instead starts two collectives (alpha, beta) with two servers each, joins
# them with federation brokers to a federation network and runs the client on that network
# (docs/federation.md).
set -euo pipefail
cd "$(dirname "$0")"
mode=${1:-}
case "$mode" in
  "" | federation) ;;
  *) echo "usage: $0 [federation]" >&2; exit 2 ;;
esac
. scripts/lib.sh
. scripts/devpki.sh
ensure_dotnet
ensure_packages nats-server:nats-server openssl:openssl util-linux:setpriv

# The binary compiles in the example agents, unless you have your own list (docs/plugins.md). It goes to
# dist/demo, so dist/choria (the binary the tests run) stays what a plain ./build.sh makes.
plugin_list=${CHORIA_USER_PLUGINS:-}
if [ -z "$plugin_list" ]; then
  plugin_list=examples/agents/user_plugins.yaml
  [ -f packager/user_plugins.yaml ] && plugin_list=packager/user_plugins.yaml
fi
echo ">> compiling in the plugins listed in $plugin_list"
CHORIA_USER_PLUGINS=$plugin_list CHORIA_OUT_DIR=dist/demo ./build.sh
choria=$PWD/dist/demo/choria
work=$(mktemp -d /tmp/choria-demo.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "choria buildinfo"
"$choria" buildinfo

step "Throw-away CA and certificates in $work/ssl"
devpki_ca "$work/ssl"
devpki_cert "$work/ssl" broker.demo "DNS:localhost,IP:127.0.0.1"
devpki_cert "$work/ssl" demo.mcollective "DNS:demo.mcollective"
nodes=3
[ "$mode" = federation ] && nodes=4
for n in $(seq 1 "$nodes"); do devpki_cert "$work/ssl" "node$n.demo" "DNS:node$n.demo"; done
ls "$work/ssl"

client_port=$(free_port)
stats_port=$(free_port)
peer_port=$(free_port)

security() { # certname
  cat <<CFG
plugin.security.provider = file
plugin.security.file.certificate = $work/ssl/$1.pem
plugin.security.file.key = $work/ssl/$1.key
plugin.security.file.ca = $work/ssl/ca.pem
plugin.security.file.cache = $work/cache/$1
CFG
}

wait_port() { # port
  for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "nothing listens on 127.0.0.1:$1" >&2
  return 1
}

wait_log() { # file text
  for _ in $(seq 1 100); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "'$2' did not appear in $1" >&2
  return 1
}

wait_for_nodes() { # client_config count: servers are ready once they answer; give them a moment on a cold machine
  local count
  for _ in $(seq 1 25); do
    count=$("$choria" ping --config "$1" --names --timeout 1 2>/dev/null | wc -l || true)
    [ "$count" -ge "$2" ] && return 0
    sleep 0.2
  done
}

network_broker() { # name client_port: config lines of a network broker on 127.0.0.1
  cat <<CFG
identity = broker.demo
loglevel = info
logfile = $work/$1.log
plugin.choria.broker_network = true
plugin.choria.network.listen_address = 127.0.0.1
plugin.choria.network.client_port = $2
plugin.choria.network.peer_port = $(free_port)
plugin.choria.stats_address = 127.0.0.1
plugin.choria.stats_port = $(free_port)
plugin.choria.use_srv = false
CFG
  security broker.demo
}

federation_demo() {
  local fed_port alpha_port beta_port alpha_stats beta_fed_stats n i count
  fed_port=$(free_port)
  alpha_port=$(free_port)
  beta_port=$(free_port)
  alpha_stats=$(free_port)
  beta_fed_stats=$(free_port)

  step "Starting three network brokers: federation :$fed_port, collective alpha :$alpha_port, collective beta :$beta_port"
  network_broker federation "$fed_port" > "$work/federation.conf"
  # alpha's network broker is also alpha's federation broker: one process, collective side is itself.
  {
    network_broker alpha "$alpha_port" | grep -v '^plugin.choria.stats_port'
    echo "plugin.choria.stats_port = $alpha_stats"
    echo "plugin.choria.broker_federation = true"
    echo "plugin.choria.federation.cluster = alpha"
    echo "plugin.choria.federation_middleware_hosts = 127.0.0.1:$fed_port"
    echo "plugin.choria.middleware_hosts = 127.0.0.1:$alpha_port"
  } > "$work/alpha.conf"
  network_broker beta "$beta_port" > "$work/beta.conf"
  for net in federation alpha beta; do
    "$choria" broker run --config "$work/$net.conf" &
    pids+=($!)
  done
  wait_port "$fed_port"
  wait_port "$alpha_port"
  wait_port "$beta_port"

  step "Starting a federation-only broker for collective beta (stats on :$beta_fed_stats)"
  cat > "$work/federation-beta.conf" <<CFG
identity = broker.demo
loglevel = info
logfile = $work/federation-beta.log
plugin.choria.broker_federation = true
plugin.choria.federation.cluster = beta
plugin.choria.federation_middleware_hosts = 127.0.0.1:$fed_port
plugin.choria.middleware_hosts = 127.0.0.1:$beta_port
plugin.choria.use_srv = false
plugin.choria.stats_address = 127.0.0.1
plugin.choria.stats_port = $beta_fed_stats
$(security broker.demo)
CFG
  "$choria" broker run --config "$work/federation-beta.conf" &
  pids+=($!)
  wait_log "$work/alpha.log" "running between federation brokers"
  wait_log "$work/federation-beta.log" "running between federation brokers"
  grep -h "running between federation brokers" "$work/alpha.log" "$work/federation-beta.log" | sed 's/^.*Federation broker/Federation broker/'

  step "Starting two servers in each collective"
  local networks=(alpha alpha beta beta) countries=(mt de uk fr) ports=("$alpha_port" "$alpha_port" "$beta_port" "$beta_port")
  for n in 1 2 3 4; do
    i=$((n - 1))
    mkdir -p "$work/node$n"
    printf 'country: %s\ncollective_network: %s\n' "${countries[$i]}" "${networks[$i]}" > "$work/node$n/facts.yaml"
    {
      echo "identity = node$n.demo"
      echo "loglevel = info"
      echo "logfile = $work/node$n/server.log"
      echo "plugin.choria.middleware_hosts = 127.0.0.1:${ports[$i]}"
      echo "plugin.choria.use_srv = false"
      echo "plugin.yaml = $work/node$n/facts.yaml"
      security "node$n.demo"
    } > "$work/node$n/server.conf"
    MCOLLECTIVE_CERTNAME="node$n.demo" "$choria" server run --config "$work/node$n/server.conf" &
    pids+=($!)
    echo "node$n.demo: collective ${networks[$i]} (127.0.0.1:${ports[$i]})"
  done

  # The client only knows the federation network; alpha and beta are reached through their federation brokers.
  {
    echo "identity = demo.mcollective"
    echo "plugin.choria.federation.collectives = alpha, beta"
    echo "plugin.choria.federation_middleware_hosts = 127.0.0.1:$fed_port"
    echo "plugin.choria.use_srv = false"
    security demo.mcollective
  } > "$work/client.conf"
  export MCOLLECTIVE_CERTNAME=demo.mcollective
  wait_for_nodes "$work/client.conf" 4

  step "choria ping  (client on the federation network, federation collectives alpha and beta)"
  "$choria" ping --config "$work/client.conf"

  step "choria req rpcutil get_fact fact=collective_network"
  "$choria" req rpcutil get_fact fact=collective_network --config "$work/client.conf"

  step "choria req rpcutil inventory -I node3.demo  (direct request through the federation)"
  "$choria" req rpcutil inventory --config "$work/client.conf" -I node3.demo

  step "Federation broker metrics (alpha, stats port $alpha_stats)"
  curl -s "http://127.0.0.1:$alpha_stats/choria/prometheus" 2>/dev/null | grep '^choria_federation_received_msgs' | grep 'name="nats_ingest"' | grep -v ' 0$' || true

  count=$("$choria" ping --config "$work/client.conf" --names --timeout 1 | sort -u | wc -l)
  if [ "$count" -ne 4 ]; then
    echo "error: expected 4 nodes through the federation, got $count" >&2
    exit 1
  fi

  if [ "${KEEP:-0}" = "1" ]; then
    echo
    echo "Federation demo left running; client config: $work/client.conf. Press Enter to stop."
    read -r _
  fi
  step "Done: stopping brokers and servers"
}

if [ "$mode" = federation ]; then
  federation_demo
  exit 0
fi

step "Starting the broker on 127.0.0.1:$client_port (stats on :$stats_port)"
{
  echo "identity = broker.demo"
  echo "loglevel = info"
  echo "logfile = $work/broker.log"
  echo "plugin.choria.broker_network = true"
  echo "plugin.choria.network.listen_address = 127.0.0.1"
  echo "plugin.choria.network.client_port = $client_port"
  echo "plugin.choria.network.peer_port = $peer_port"
  echo "plugin.choria.stats_address = 127.0.0.1"
  echo "plugin.choria.stats_port = $stats_port"
  security broker.demo
} > "$work/broker.conf"
"$choria" broker run --config "$work/broker.conf" &
pids+=($!)
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$client_port") 2>/dev/null && break
  sleep 0.2
done

step "Starting three servers"
countries=(mt de uk)
roles=(web db web)
for n in 1 2 3; do
  i=$((n - 1))
  mkdir -p "$work/node$n"
  printf 'country: %s\nrole: %s\nnode_number: %d\nmonitored: yes\n' "${countries[$i]}" "${roles[$i]}" "$n" > "$work/node$n/facts.yaml"
  printf 'role::%s\nprofile::base\n' "${roles[$i]}" > "$work/node$n/classes.txt"
  mkdir -p "$work/node$n/files"
  {
    echo "identity = node$n.demo"
    echo "loglevel = info"
    echo "logfile = $work/node$n/server.log"
    echo "plugin.choria.middleware_hosts = 127.0.0.1:$client_port"
    echo "plugin.choria.use_srv = false"
    echo "plugin.yaml = $work/node$n/facts.yaml"
    echo "classesfile = $work/node$n/classes.txt"
    echo "plugin.choria.status_file_path = $work/node$n/status.json"
    echo "plugin.choria.status_update_interval = 5"
    echo "plugin.filemgr.allowed_paths = $work/node$n/files"
    security "node$n.demo"
  } > "$work/node$n/server.conf"
  MCOLLECTIVE_CERTNAME="node$n.demo" "$choria" server run --config "$work/node$n/server.conf" &
  pids+=($!)
  echo "node$n.demo: country=${countries[$i]} role=${roles[$i]}"
done

# The client validates requests against the agents' DDLs: the example agent's comes from its libdir.
mkdir -p "$work/client-lib/mcollective/agent"
cp examples/agents/filemgr/filemgr.json "$work/client-lib/mcollective/agent/"
{
  echo "identity = demo.mcollective"
  echo "plugin.choria.middleware_hosts = 127.0.0.1:$client_port"
  echo "plugin.choria.use_srv = false"
  echo "libdir = $work/client-lib"
  security demo.mcollective
} > "$work/client.conf"
export MCOLLECTIVE_CERTNAME=demo.mcollective

wait_for_nodes "$work/client.conf" 3

step "choria ping"
"$choria" ping --config "$work/client.conf"

step "choria ping -W country=mt  (fact filter)"
"$choria" ping --config "$work/client.conf" -W country=mt

step "choria req rpcutil ping -C role::web"
"$choria" req rpcutil ping --config "$work/client.conf" -C role::web

step "choria req rpcutil inventory -I node1.demo"
"$choria" req rpcutil inventory --config "$work/client.conf" -I node1.demo

step "choria req rpcutil get_fact fact=country --json"
"$choria" req rpcutil get_fact fact=country --config "$work/client.conf" --json

if "$choria" buildinfo | grep -qE '^[[:space:]]+filemgr[[:space:]]+agent'; then
  step "choria req filemgr status file=/etc/hostname  (the example agent, compiled in from $plugin_list)"
  "$choria" req filemgr status file=/etc/hostname --config "$work/client.conf"

  step "choria req filemgr touch file=$work/node1/files/hello -I node1.demo  (inside plugin.filemgr.allowed_paths)"
  "$choria" req filemgr touch file="$work/node1/files/hello" --config "$work/client.conf" -I node1.demo
  ls -l "$work/node1/files"

  step "choria req filemgr remove file=/etc/hostname -I node1.demo  (outside allowed_paths: refused)"
  "$choria" req filemgr remove file=/etc/hostname --config "$work/client.conf" -I node1.demo || true
else
  echo
  echo ">> $plugin_list does not compile in filemgr: skipping the example agent"
fi

step "Broker metrics (first lines of /choria/prometheus)"
curl -s "http://127.0.0.1:$stats_port/choria/prometheus" 2>/dev/null | grep '^choria_network' | head -5 || true

if [ "${KEEP:-0}" = "1" ]; then
  echo
  echo "Demo network left running; client config: $work/client.conf. Press Enter to stop."
  read -r _
fi
step "Done: stopping broker and servers"
