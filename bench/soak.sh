#!/usr/bin/env bash
# Soak (issue 24 part 4): our broker, an emulated fleet of --nodes real server instances in one process, and the
# real `choria` CLI issuing a mix of requests back to back for --minutes: a broadcast ping, rpcutil#inventory
# to every node, two fact-filtered rpcutil#ping (discovery + request), and an action every node answers with an
# error (rpcutil#get_data from a data source that does not exist). Every --sample seconds it records the RSS and
# open file descriptors of the broker, its nats-server, the fleet and the largest client run in that interval.
# At the end: an ASCII chart per process, the loss count (expected replies - received, per request kind) and the
# growth of each process between the end of the warm-up and the end of the run.
#
#   bench/soak.sh [--nodes 1000] [--minutes 30] [--warmup-minutes 5] [--sample 60] [--out FILE]
#
# The report goes to stdout and, with --out, to FILE as markdown (bench/RESULTS.md and docs/reliability.md quote it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

nodes=1000
minutes=30
warmup_minutes=5
sample=60
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --warmup-minutes) warmup_minutes=$2; shift 2 ;;
    --sample) sample=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

[ -x "${CHORIA_BIN:-$root/dist/choria}" ] || ./build.sh
. bench/lib.sh
# The fleet runs the server code compiled the way `choria server run` is (Native AOT), as in bench/scale.sh;
# CHORIA_EMULATOR names another build of bench/Choria.Emulator (e.g. the JIT one the integration tests use).
emulator=${CHORIA_EMULATOR:-}
if [ -z "$emulator" ]; then
  emulator_dir=$root/bench/Choria.Emulator/bin/aot
  if [ ! -x "$emulator_dir/Choria.Emulator" ] || [ -n "$(find bench/Choria.Emulator src -name '*.cs' -newer "$emulator_dir/Choria.Emulator" -print -quit)" ]; then
    dotnet publish bench/Choria.Emulator -c Release -r linux-x64 -p:PublishAot=true -v q -nologo -o "$emulator_dir" >/dev/null
  fi
  emulator=$emulator_dir/Choria.Emulator
fi

port=$(free_port)
"$emulator" setup --dir "$work" --port "$port" >/dev/null
"$choria" broker run --config "$work/broker.conf" >"$work/broker.out" 2>&1 &
broker_pid=$!
pids+=("$broker_pid")
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done
nats_pid=$(pgrep -P "$broker_pid" nats-server || echo "$broker_pid")

"$emulator" run --config "$work/server.conf" --instances "$nodes" --identity-prefix emulated- --facts-variety 20 >"$work/fleet.out" 2>&1 &
fleet_pid=$!
pids+=("$fleet_pid")
for _ in $(seq $(( 60 + nodes / 20 ))); do grep -q '^ready' "$work/fleet.out" && break; kill -0 "$fleet_pid" 2>/dev/null || break; sleep 1; done
grep -q '^ready' "$work/fleet.out" || { echo "fleet did not become ready:" >&2; tail -5 "$work/fleet.out" >&2; exit 1; }
echo ">> soak: broker pid $broker_pid (nats-server $nats_pid), fleet of $nodes pid $fleet_pid, ${minutes} min" >&2

seq 0 $(( nodes - 1 )) | sed 's/^/emulated-/' >"$work/nodes.txt"
# Fact groups of the emulator (bench/Choria.Emulator/Fleet.cs): datacenter dc0..dc3 by index % 4, role db every 10th.
count_where() { seq 0 $(( nodes - 1 )) | awk "$1" | wc -l; }
expect_dc1=$(count_where '$1 % 4 == 1')
expect_db=$(count_where '$1 % 10 == 0')
timeout=$(( 10 + nodes / 500 ))

requests=$work/requests.tsv # kind expected received ok wall_ms client_maxrss_kib exit
samples=$work/samples.tsv   # elapsed_s broker_rss broker_fds nats_rss nats_fds fleet_rss fleet_fds client_rss
: >"$requests"
: >"$samples"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# run_req KIND EXPECTED ARGS...: one CLI run under /usr/bin/time (its peak RSS), JSON output parsed for the counts.
run_req() {
  local kind=$1 expected=$2 t0 t1 code=0
  shift 2
  t0=$(now_ms)
  /usr/bin/time -f '%M' -o "$work/time.out" "$choria" "$@" --config "$work/client.conf" >"$work/req.json" 2>"$work/req.err" || code=$?
  t1=$(now_ms)
  local received ok
  if [ "$kind" = ping ]; then
    received=$(grep -Eo '^[0-9]+ replies max:' "$work/req.json" | cut -d' ' -f1 || true)
    ok=${received:-0}
  else
    received=$(jq -r '.request_stats.responses // 0' "$work/req.json" 2>/dev/null || echo 0)
    ok=$(jq -r '.request_stats.ok // 0' "$work/req.json" 2>/dev/null || echo 0)
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$expected" "${received:-0}" "${ok:-0}" $(( t1 - t0 )) "$(tail -1 "$work/time.out")" "$code" >>"$requests"
  if [ "${received:-0}" != "$expected" ]; then
    { echo "$(date -u +%T) $kind: $received/$expected (exit $code)"; tail -3 "$work/req.err"; } >>"$work/losses.log"
  fi
}

sampler() {
  local start minute=0 client_peak
  start=$(date +%s)
  while true; do
    client_peak=$(awk -F'\t' -v from="${last_line:-0}" 'NR > from && $6 > m {m = $6} END {print m + 0}' "$requests")
    last_line=$(wc -l <"$requests")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' $(( $(date +%s) - soak_start )) "$(rss_kib "$broker_pid")" "$(fds "$broker_pid")" "$(rss_kib "$nats_pid")" "$(fds "$nats_pid")" \
      "$(rss_kib "$fleet_pid")" "$(fds "$fleet_pid")" "$client_peak" >>"$samples"
    minute=$(( minute + 1 ))
    sleep $(( start + minute * sample - $(date +%s) > 0 ? start + minute * sample - $(date +%s) : 0 ))
  done
}
soak_start=$(date +%s)
sampler &
sampler_pid=$!
pids+=("$sampler_pid")

deadline=$(( $(date +%s) + minutes * 60 ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  run_req ping "$nodes" ping --expect "$nodes" --timeout "$timeout" --silent
  run_req inventory "$nodes" req rpcutil inventory --nodes "$work/nodes.txt" --json
  run_req filter-dc "$expect_dc1" req rpcutil ping -F datacenter=dc1 --discovery-timeout "$timeout" --json
  run_req filter-db "$expect_db" req rpcutil ping -W role=db --discovery-timeout "$timeout" --json
  run_req error "$nodes" req rpcutil get_data source=no_such_source --nodes "$work/nodes.txt" --json
  for pid in "$broker_pid" "$nats_pid" "$fleet_pid"; do
    kill -0 "$pid" 2>/dev/null || { echo "process $pid died during the soak" >&2; exit 1; }
  done
done
sleep 1
kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
# One last sample after the final request.
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' $(( $(date +%s) - soak_start )) "$(rss_kib "$broker_pid")" "$(fds "$broker_pid")" "$(rss_kib "$nats_pid")" "$(fds "$nats_pid")" \
  "$(rss_kib "$fleet_pid")" "$(fds "$fleet_pid")" 0 >>"$samples"

command="${CHORIA_EMULATOR:+CHORIA_EMULATOR=$CHORIA_EMULATOR }bench/soak.sh --nodes $nodes --minutes $minutes --warmup-minutes $warmup_minutes --sample $sample"
python3 bench/soak_report.py "$samples" "$requests" "$warmup_minutes" "$command" "$work/losses.log" | tee "${out:-/dev/null}"
