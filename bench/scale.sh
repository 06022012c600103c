#!/usr/bin/env bash
# Scale runner (issue "Fleet emulator and scale benchmarks"): our broker, an emulated fleet of N real server
# instances, `choria ping` / `choria req rpcutil ping` (or the emulator's client driver while those commands
# are not built), the bare NATS.Net fan-out baseline (also with an RSA signature check per responder), and a
# sustained rpcutil#ping load. Writes bench/RESULTS.md.
#
# Every size first runs --warmup unreported pings (fleet and baseline alike), so first-use costs (TLS session
# set-up, the client certificate entering each server's cache, lazily built caches) stay out of the figures.
#
#   bench/scale.sh [--sizes "100 1000 10000"] [--rounds 5] [--warmup 3] [--load-nodes 1000] [--load-rate 2] [--load-seconds 60] [--no-write]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

sizes="100 1000 10000"
rounds=5
warmup=3
load_nodes=1000
load_rate=2
load_seconds=60
write=1
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --load-nodes) load_nodes=$2; shift 2 ;;
    --load-rate) load_rate=$2; shift 2 ;;
    --load-seconds) load_seconds=$2; shift 2 ;;
    --no-write) write=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

choria=${CHORIA_BIN:-$root/dist/choria}
[ -x "$choria" ] || ./build.sh
# Both are published with Native AOT like dist/choria: the fleet then runs the server code the way
# `choria server run` does, and the baseline is compiled the same way as what it is compared with.
aot() { # project -> path of its native executable
  local out=$root/bench/$1/bin/aot
  dotnet publish "bench/$1" -c Release -r linux-x64 -p:PublishAot=true -v q -nologo -o "$out" >/dev/null
  echo "$out/$1"
}
emulator=$(aot Choria.Emulator)
baseline=$(aot Choria.NatsBaseline)

work=$(mktemp -d /tmp/choria-scale.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$emulator" setup --dir "$work" --port "$port"
results=$work/results.jsonl
: >"$results"

"$choria" broker run --config "$work/broker.conf" >"$work/broker.out" 2>&1 &
broker_pid=$!
pids+=("$broker_pid")
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done
nats_pid=$(pgrep -P "$broker_pid" nats-server || echo "$broker_pid")

cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14+$15)*1000/hz)}' "/proc/$1/stat"; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# The CLI commands are used once they exist in the binary; until then the emulator's client driver measures the same fan-out.
have_cli() { "$choria" "$1" --help 2>&1 | grep -qE "^ +choria $1( |$)"; }

start_fleet() { # n
  local n=$1 out=$work/fleet-$1.out
  "$emulator" run --config "$work/server.conf" --instances "$n" --identity-prefix emulated- --facts-variety 20 >"$out" 2>&1 &
  fleet_pid=$!
  pids+=("$fleet_pid")
  for _ in $(seq $(( 60 + n / 20 ))); do grep -q '^ready' "$out" && return 0; kill -0 "$fleet_pid" 2>/dev/null || break; sleep 1; done
  echo "fleet of $n did not become ready:" >&2; tail -5 "$out" >&2; return 1
}

stop_fleet() { kill "$fleet_pid" 2>/dev/null || true; wait "$fleet_pid" 2>/dev/null || true; }

record() { echo "$1" >>"$results"; }

for n in $sizes; do
  # ~250 KiB RSS per instance in the emulator plus the broker's share; skip sizes that cannot fit.
  avail=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
  if [ $(( n * 600 )) -gt "$avail" ]; then echo ">> skipping N=$n: not enough memory" >&2; continue; fi
  echo ">> N=$n: starting the emulated fleet" >&2
  start_fleet "$n"
  memline=$(grep '^memory' "$work/fleet-$n.out")
  startup=$(sed -n 's/^ready .* in \([0-9.]*\)s.*/\1/p' "$work/fleet-$n.out")
  record "$(jq -cn --argjson n "$n" --arg mem "$memline" --arg s "$startup" --argjson brss "$(rss_kib "$nats_pid")" \
    '{kind:"fleet",n:$n,memory:$mem,startup_s:($s|tonumber),broker_rss_kib:$brss}')"
  timeout=$(( 10 + n / 500 ))
  for _ in $(seq "$warmup"); do "$choria" ping --config "$work/client.conf" --expect "$n" --timeout "$timeout" --silent >/dev/null 2>&1 || true; done

  cpu_f0=$(cpu_ms "$fleet_pid"); cpu_b0=$(cpu_ms "$nats_pid")
  pings=$rounds
  if have_cli ping; then
    for r in $(seq "$rounds"); do
      t0=$(now_ms)
      out=$("$choria" ping --config "$work/client.conf" --expect "$n" --timeout "$timeout" --silent 2>&1 || true)
      t1=$(now_ms)
      line=$(echo "$out" | grep -E '^[0-9]+ replies max:' || echo "0 replies max: 0")
      record "$(jq -cn --argjson n "$n" --argjson wall $(( t1 - t0 )) --arg line "$line" \
        '{kind:"ping",source:"cli",n:$n,wall_ms:$wall,received:($line|split(" ")[0]|tonumber),last_ms:($line|capture("max: (?<m>[0-9.]+)").m|tonumber)}')"
    done
  else
    "$emulator" ping --config "$work/client.conf" --kind discovery --expect "$n" --rounds "$rounds" --timeout "$timeout" --json >"$work/ping-$n.json" || true
    pings=$(( rounds + 1 )) # the driver's warm-up round is in the CPU figures too
    jq -c --argjson n "$n" '.rounds[] | {kind:"ping",source:"driver",n:$n,wall_ms:.round_ms,received:.received,last_ms:.last_reply_ms}' "$work/ping-$n.json" >>"$results"
  fi
  cpu_f1=$(cpu_ms "$fleet_pid"); cpu_b1=$(cpu_ms "$nats_pid")
  record "$(jq -cn --argjson n "$n" --argjson f $(( (cpu_f1 - cpu_f0) / pings )) --argjson b $(( (cpu_b1 - cpu_b0) / pings )) \
    '{kind:"cpu",n:$n,fleet_ms_per_ping:$f,broker_ms_per_ping:$b}')"

  if have_cli req; then
    seq 0 $(( n - 1 )) | sed 's/^/emulated-/' >"$work/nodes-$n.txt"
    for r in $(seq "$rounds"); do
      t0=$(now_ms)
      out=$("$choria" req rpcutil ping --config "$work/client.conf" --nodes "$work/nodes-$n.txt" --json 2>/dev/null || echo '{}')
      t1=$(now_ms)
      record "$(echo "$out" | jq -c --argjson n "$n" --argjson wall $(( t1 - t0 )) \
        '{kind:"req",source:"cli",n:$n,wall_ms:$wall,received:(.request_stats.responses // 0),last_ms:((.request_stats.request_time // 0) * 1000)}')"
    done
  else
    "$emulator" ping --config "$work/client.conf" --kind rpcutil --expect "$n" --rounds "$rounds" --timeout "$timeout" --json >"$work/req-$n.json" || true
    jq -c --argjson n "$n" '.rounds[] | {kind:"req",source:"driver",n:$n,wall_ms:.round_ms,received:.received,last_ms:.last_reply_ms}' "$work/req-$n.json" >>"$results"
  fi
  stop_fleet

  # The bare fan-out, then the same with each responder checking an RSA signature over the request.
  for kind in baseline baseline_verify; do
    flags=(); [ "$kind" = baseline ] || flags=(--verify-signature)
    echo ">> N=$n: $kind (bare NATS.Net fan-out ${flags[*]})" >&2
    "$baseline" --url "tls://localhost:$port" --nodes "$n" --rounds "$rounds" --warmup "$warmup" --timeout "$timeout" --json ${flags[@]+"${flags[@]}"} \
      --tls-cert "$work/ssl/certs/emulated.fleet.pem" --tls-key "$work/ssl/private_keys/emulated.fleet.pem" --tls-ca "$work/ssl/certs/ca.pem" \
      >"$work/$kind-$n.json" || true
    jq -c --argjson n "$n" --arg kind "$kind" '.round_results[] | {kind:$kind,n:$n,wall_ms:.milliseconds_to_last_reply,received:.received,last_ms:.milliseconds_to_last_reply}' \
      "$work/$kind-$n.json" >>"$results"
  done
done

if [ "$load_seconds" != 0 ]; then
  echo ">> sustained load: $load_rate rpcutil#ping/s to $load_nodes nodes for ${load_seconds}s" >&2
  start_fleet "$load_nodes"
  "$emulator" load --config "$work/client.conf" --expect "$load_nodes" --rate "$load_rate" --duration "$load_seconds" --json >"$work/load.json" || true
  stop_fleet
  record "$(jq -c --argjson n "$load_nodes" --argjson rate "$load_rate" '. + {kind:"load",n:$n,rate:$rate}' "$work/load.json")"
fi

command="bench/scale.sh --sizes \"$sizes\" --rounds $rounds --warmup $warmup --load-nodes $load_nodes --load-rate $load_rate --load-seconds $load_seconds"
python3 bench/scale_report.py "$results" "$command" "$([ $write = 1 ] && echo bench/RESULTS.md || echo -)"
