#!/usr/bin/env bash
# Issue 25: the operator's command and the node's footprint, each paired with an anchor in the same run so
# the ratio survives a shared, noisy machine.
#   1. whole-command wall and CPU of `choria req rpcutil ping --nodes <1 node>` and `choria ping --expect 1`,
#      each run next to `choria buildinfo` (the AOT start floor); median of RUNS, ratio of the medians;
#   2. `choria server run`: exec -> "Subscribed to ..." log line and idle RSS IDLE s later (median of RUNS);
#   3. the same server's RSS after COUNT rpcutil#ping requests (bench/Choria.ServerLoad);
#   4. `choria req rpcutil ping --nodes FILE` to NODES real `choria server run` processes: request_stats.request_time
#      (the request phase) with the default --workers and with --workers 1, median of RUNS;
#   (between 1 and 3) the server's CPU per request when requests come one at a time (4 × RUNS `req` runs), which
#      with NODES servers on the machine's cores bounds part 4.
# Usage: bench/cli.sh   (RUNS=5 IDLE=10 COUNT=10000 NODES=50 to change; NODES=0 skips part 4, COUNT=0 part 3;
#        BASE_BIN=<older choria> times its req and ping in the same loop)
. "$(dirname "$0")/lib.sh"
runs=${RUNS:-5}; idle=${IDLE:-10}; count=${COUNT:-10000}; nodes=${NODES:-50}
header
bench_pki
start_broker
client_conf
cfg=(--config "$work/client.conf")

server_conf 1
echo "node1.bench" >"$work/one.txt"

echo "## choria server run: exec -> subscribed, idle RSS after ${idle}s (median of $runs)"
ready=(); idle_rss=()
for i in $(seq 1 "$runs"); do
  server_ready 1
  ready+=("$ready_ms")
  sleep "$idle"
  idle_rss+=("$(rss_kib "$server_pid")")
  [ "$i" -eq "$runs" ] || stop_pid "$server_pid"
done
echo "ready ms: ${ready[*]}  median $(med "${ready[@]}")"
echo "idle RSS KiB: ${idle_rss[*]}  median $(med "${idle_rss[@]}")"

echo "## whole commands against 1 server, each paired with buildinfo (median of $runs)"
# BASE_BIN=/path/to/an/older/choria adds its req and ping to the same interleaved loop (before/after pairs).
bins=("$choria"); [ -z "${BASE_BIN:-}" ] || bins+=("$BASE_BIN")
# One unreported round first: the client certificate enters the server's cache, page cache is warm.
"$choria" req rpcutil ping "${cfg[@]}" --nodes "$work/one.txt" --json >/dev/null 2>&1 || true
declare -A wall cpu
add() { wall[$1]+="$2 "; cpu[$1]+="$3 "; }
for i in $(seq 1 "$runs"); do
  read -r w c _ < <(run_timed "$work/o" "$choria" buildinfo); add buildinfo "$w" "$c"
  read -r w c _ < <(run_timed "$work/o" "$choria" tool config --help); add "tool config --help" "$w" "$c"
  for b in "${!bins[@]}"; do
    tag=""; [ "$b" -eq 0 ] || tag=" (BASE_BIN)"
    read -r w c _ < <(run_timed "$work/o" "${bins[$b]}" req rpcutil ping "${cfg[@]}" --nodes "$work/one.txt" --json); add "req rpcutil ping --nodes 1$tag" "$w" "$c"
    grep -q 'node1.bench' "$work/o" || { echo "req failed:"; cat "$work/o"; }
    read -r w c _ < <(run_timed "$work/o" "${bins[$b]}" ping "${cfg[@]}" --expect 1 --timeout 10); add "ping --expect 1$tag" "$w" "$c"
    grep -q 'node1.bench' "$work/o" || { echo "ping failed:"; cat "$work/o"; }
  done
done
mb=$(med ${wall[buildinfo]}); cb=$(med ${cpu[buildinfo]})
for k in buildinfo "tool config --help" "req rpcutil ping --nodes 1" "ping --expect 1" "req rpcutil ping --nodes 1 (BASE_BIN)" "ping --expect 1 (BASE_BIN)"; do
  [ -n "${wall[$k]:-}" ] || continue
  mw=$(med ${wall[$k]}); mc=$(med ${cpu[$k]})
  echo "$k: wall ms ${wall[$k]}(median $mw, $(ratio "$mw" "$mb")x buildinfo); cpu ms ${cpu[$k]}(median $mc, $(ratio "$mc" "$cb")x buildinfo)"
done

echo "## the server's CPU per request, one request at a time ($((runs * 4)) req runs)"
before=$(cpu_us "$server_pid")
for i in $(seq 1 $((runs * 4))); do "$choria" req rpcutil ping "${cfg[@]}" --nodes "$work/one.txt" --json >/dev/null 2>&1 || true; done
after=$(cpu_us "$server_pid")
echo "server CPU per request: $(( (after - before) / (runs * 4) )) us"

if [ "$count" -gt 0 ]; then
  echo "## server RSS after $count rpcutil#ping requests"
  dotnet build -c Release "$root/bench/Choria.ServerLoad" -v q -nologo >/dev/null
  echo "before: $(rss_kib "$server_pid") KiB"
  dotnet run -c Release --no-build --project "$root/bench/Choria.ServerLoad" -- \
    --config "$work/client.conf" --node node1.bench --count "$count" --window 100
  echo "after: $(rss_kib "$server_pid") KiB"
  sleep "$idle"
  echo "after ${idle}s more idle: $(rss_kib "$server_pid") KiB"
fi

if [ "$nodes" -gt 0 ]; then
  echo "## req rpcutil ping --nodes FILE to $nodes choria server processes: request_time (median of $runs)"
  for n in $(seq 2 "$nodes"); do server_conf "$n"; start_server "$n"; done
  for n in $(seq 2 "$nodes"); do wait_log "$work/node$n/server.log" "subjects in collectives"; done
  seq 1 "$nodes" | sed 's/.*/node&.bench/' >"$work/nodes.txt"
  for workers in 3 1; do
    "$choria" req rpcutil ping "${cfg[@]}" --nodes "$work/nodes.txt" --json --workers "$workers" >/dev/null 2>&1 || true
    rt=(); got=(); ww=()
    for i in $(seq 1 "$runs"); do
      read -r w _ < <(run_timed "$work/o" "$choria" req rpcutil ping "${cfg[@]}" --nodes "$work/nodes.txt" --json --workers "$workers"); ww+=("$w")
      read -r t g < <(req_time "$work/o"); rt+=("$t"); got+=("$g")
    done
    echo "--workers $workers: request_time ms ${rt[*]} (median $(med "${rt[@]}")); responded ${got[*]}; wall ms ${ww[*]} (median $(med "${ww[@]}"))"
  done
fi
echo "# end: $(uptime | sed 's/.*load average/load average/')"
