#!/usr/bin/env bash
# Issue 4: rpcutil#ping requests/s one `choria server run` handles pinned to one core (taskset -c 1),
# its idle RSS after 30 s, and exec -> "Subscribed to ... ready" log line (median of 5).
# Usage: bench/server.sh   (COUNT=5000 WINDOW=100 RUNS=5 IDLE=30 to change)
. "$(dirname "$0")/lib.sh"
runs=${RUNS:-5}; count=${COUNT:-5000}; window=${WINDOW:-100}; idle=${IDLE:-30}
header
bench_pki
start_broker
client_conf
server_conf 1

echo "## exec -> ready log line"
times=()
for i in $(seq 1 "$runs"); do
  server_ready 1
  times+=("$ready_ms")
  stop_pid "$server_pid"
done
echo "ready ms: ${times[*]}  median $(printf '%s\n' "${times[@]}" | median)"

echo "## idle RSS after ${idle}s"
: > "$work/node1/server.log"
start_server 1 taskset -c 1
wait_log "$work/node1/server.log" "subjects in collectives"
echo "at ready: $(rss_kib "$server_pid") KiB"
sleep "$idle"
echo "after ${idle}s idle: $(rss_kib "$server_pid") KiB"

echo "## rpcutil#ping throughput, server pinned with taskset -c 1, load generator on core 0"
dotnet build -c Release "$root/bench/Choria.ServerLoad" -v q -nologo >/dev/null
load="dotnet run -c Release --no-build --project $root/bench/Choria.ServerLoad --"
for pass in 1 2 3; do
  echo "pass $pass: $(taskset -c 0 $load --config "$work/client.conf" --node node1.bench --count "$count" --window "$window")"
done
echo "server RSS after load: $(rss_kib "$server_pid") KiB"
