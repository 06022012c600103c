# Shared helpers for bench/*.sh (sourced). Needs dist/choria, openssl, python3, nats-server.
# Everything lives in $work, removed on exit; every process started goes into pids[] and gets SIGTERM.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/devpki.sh"
choria=${CHORIA_BIN:-$root/dist/choria}
[ -x "$choria" ] || { echo "missing $choria: run ./build.sh" >&2; exit 1; }
work=$(mktemp -d /tmp/choria-bench.XXXXXX)
pids=()
cleanup() {
  # Newest first: servers and clients stop before the broker they are connected to.
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# An interrupted run exits through the EXIT trap too, so nothing it started is left running.
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
# wait_log FILE TEXT [TIMEOUT_S]: polls every 5 ms; fails on timeout.
wait_log() {
  local deadline=$(( $(now_ms) + ${3:-60} * 1000 ))
  until grep -q "$2" "$1" 2>/dev/null; do
    [ "$(now_ms)" -lt "$deadline" ] || { echo "timeout waiting for '$2' in $1" >&2; return 1; }
    sleep 0.005
  done
}
# run_timed OUT cmd... -> "wall_ms cpu_ms status" (bash's `time`: real, user+sys of the command and its children; the
# command's exit status last, so a caller can tell a timed failure from a timed success)
run_timed() {
  local out=$1; shift
  local TIMEFORMAT='%R %U %S' t status=0
  t=$( { time "$@" >"$out" 2>&1; } 2>&1 ) || status=$?
  awk -v s="$status" '{printf "%d %d %d\n", $1 * 1000, ($2 + $3) * 1000, s}' <<<"$t"
}
med() { printf '%s\n' "$@" | median; }
# cpu_us PID... -> CPU of every thread of those processes so far, in microseconds (schedstat is in ns; /proc/PID/stat
# only has 10 ms ticks)
cpu_us() { local p; for p in "$@"; do cat /proc/"$p"/task/*/schedstat 2>/dev/null; done | awk '{s += $1} END {printf "%d", s / 1000}'; }
# req_time FILE -> "request_time_ms responses" from `choria req --json` output ("parse-error ?" when it has none)
req_time() { python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["request_stats"]; print(round(s["request_time"] * 1000, 1), s["responses"])' "$1" 2>/dev/null || echo "parse-error ?"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
stop_pid() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

bench_pki() {
  devpki_ca "$work/ssl"
  devpki_cert "$work/ssl" broker.bench "DNS:localhost,IP:127.0.0.1"
  devpki_cert "$work/ssl" bench.mcollective "DNS:bench.mcollective"
}
security() { # certname
  printf 'plugin.security.provider = file\nplugin.security.file.certificate = %s\nplugin.security.file.key = %s\nplugin.security.file.ca = %s\nplugin.security.file.cache = %s\n' \
    "$work/ssl/$1.pem" "$work/ssl/$1.key" "$work/ssl/ca.pem" "$work/cache/$1"
}
# broker_conf NAME -> $work/NAME.conf with fresh ports; sets client_port
broker_conf() {
  client_port=$(free_port)
  {
    echo "identity = broker.bench"
    echo "loglevel = info"
    echo "logfile = $work/$1.log"
    echo "plugin.choria.broker_network = true"
    echo "plugin.choria.network.listen_address = 127.0.0.1"
    echo "plugin.choria.network.client_port = $client_port"
    echo "plugin.choria.network.peer_port = $(free_port)"
    echo "plugin.choria.stats_address = 127.0.0.1"
    echo "plugin.choria.stats_port = $(free_port)"
    security broker.bench
  } > "$work/$1.conf"
}
# start_broker: starts a broker on fresh ports and waits until it is ready; sets broker_pid, client_port
start_broker() {
  broker_conf broker
  "$choria" broker run --config "$work/broker.conf" &
  broker_pid=$!; pids+=("$broker_pid")
  wait_log "$work/broker.log" "Statistics listening"
}
client_conf() {
  {
    echo "identity = bench.mcollective"
    echo "plugin.choria.middleware_hosts = 127.0.0.1:$client_port"
    echo "plugin.choria.use_srv = false"
    security bench.mcollective
  } > "$work/client.conf"
  export MCOLLECTIVE_CERTNAME=bench.mcollective
}
# server_conf N -> $work/nodeN/server.conf (certificate nodeN.bench created if missing)
server_conf() {
  local n=$1 d="$work/node$1"
  mkdir -p "$d"
  [ -f "$work/ssl/node$n.bench.pem" ] || devpki_cert "$work/ssl" "node$n.bench" "DNS:node$n.bench"
  printf 'role: bench\n' > "$d/facts.yaml"
  {
    echo "identity = node$n.bench"
    echo "loglevel = info"
    echo "logfile = $d/server.log"
    echo "plugin.choria.middleware_hosts = 127.0.0.1:$client_port"
    echo "plugin.choria.use_srv = false"
    echo "plugin.yaml = $d/facts.yaml"
    security "node$n.bench"
  } > "$d/server.conf"
}
# start_server N [prefix command...]: sets server_pid
start_server() {
  local n=$1; shift
  MCOLLECTIVE_CERTNAME="node$n.bench" "$@" "$choria" server run --config "$work/node$n/server.conf" &
  server_pid=$!; pids+=("$server_pid")
}
# server_ready N: (re)starts server N with an empty log and waits for its "Subscribed" line; sets server_pid and
# ready_ms (exec -> that line)
server_ready() {
  : > "$work/node$1/server.log"
  local t0; t0=$(now_ms)
  start_server "$1"
  wait_log "$work/node$1/server.log" "subjects in collectives"
  ready_ms=$(( $(now_ms) - t0 ))
}
header() {
  echo "# date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')  nproc: $(nproc)  uptime:$(uptime | sed 's/.*load average/ load average/')"
  echo "# choria: $("$choria" buildinfo 2>/dev/null | awk '/Git SHA/ {print $3}')"
}
# publish_aot PROJECT -> path of bench/PROJECT published with Native AOT (like dist/choria, so it runs the server code
# the way `choria server run` does)
publish_aot() {
  local out=$root/bench/$1/bin/aot
  dotnet publish "$root/bench/$1" -c Release -r linux-x64 -p:PublishAot=true -v q -nologo -o "$out" >/dev/null
  echo "$out/$1"
}
