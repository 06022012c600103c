#!/usr/bin/env bash
# Issue 25: the floor of a one-request command. Six programs, interleaved RUNS times against one broker, one real
# `choria server run` and one NATS echo responder, each as wall and CPU medians and as a ratio to `choria buildinfo`:
#   buildinfo  the Native AOT start floor of dist/choria;
#   start      bench/Choria.OneRequestFloor start: the floor binary's own start and exit (a smaller binary);
#   nats-plain bench/Choria.OneRequestFloor nats-plain: NATS.Net alone, given the client's CA, certificate and key
#              files, with its defaults: mutual TLS connect, one 1.5 KB message to the echo responder and its reply;
#   nats       the same round trip connected the way the command's connector does (key decoded once, no keep-alive
#              ping timer, no system trust store: docs/performance.md): the floor of the transport;
#   choria     bench/Choria.OneRequestFloor choria: the file security provider, a signed rpcutil#ping built by
#              Choria.Client's RequestFactory, Choria.Connector's connection, the reply from node1.bench verified;
#   req        `choria req rpcutil ping --nodes <node1.bench> --json`: the command itself.
# Every run must succeed (exit 0, and req must list the node), or the script stops with that run's output.
# NODES=50 adds the floor of a request to many nodes: `choria req` to NODES servers against one message to NODES echo
# processes (bench/Choria.OneRequestFloor fanout), interleaved, and each process's CPU per request.
# Usage: bench/floor.sh   (RUNS=11 to change; PERF=1 adds `perf stat -r RUNS -e task-clock` of each, run back to
#        back; FLOOR_BIN=<published floor> skips the publish)
. "$(dirname "$0")/lib.sh"
runs=${RUNS:-11}
floor=${FLOOR_BIN:-$(publish_aot Choria.OneRequestFloor)}
header
bench_pki
start_broker
client_conf
server_conf 1
server_ready 1
echo "node1.bench" >"$work/one.txt"
tls=(--port "$client_port" --ca "$work/ssl/ca.pem" --cert "$work/ssl/bench.mcollective.pem" --key "$work/ssl/bench.mcollective.key")
"$floor" echo "${tls[@]}" >"$work/echo.log" 2>&1 &
echo1_pid=$!; pids+=("$echo1_pid")
wait_log "$work/echo.log" "echo ready"

names=(buildinfo start nats-plain nats choria req)
command_of() { # name -> the command line, in cmd[]
  case $1 in
    buildinfo) cmd=("$choria" buildinfo) ;;
    start) cmd=("$floor" start) ;;
    nats | nats-plain) cmd=("$floor" "$1" "${tls[@]}") ;;
    choria) cmd=("$floor" choria "${tls[@]}") ;;
    req) cmd=("$choria" req rpcutil ping --config "$work/client.conf" --nodes "$work/one.txt" --json) ;;
  esac
}
declare -A wall cpu
time_one() { # name: one timed run, recorded; a failed run ends the benchmark
  local w c s
  command_of "$1"
  read -r w c s < <(run_timed "$work/o" "${cmd[@]}")
  if [ "$s" -ne 0 ] || { [ "$1" = req ] && ! grep -q node1.bench "$work/o"; }; then
    echo "$1 failed (exit $s):" >&2; cat "$work/o" >&2; exit 1
  fi
  wall[$1]+="$w "; cpu[$1]+="$c "
}
# One unreported round first: the client certificate enters the server's cache, page cache is warm.
for n in "${names[@]}"; do time_one "$n"; done
unset wall cpu; declare -A wall cpu
for i in $(seq 1 "$runs"); do
  for n in "${names[@]}"; do time_one "$n"; done
done

echo "## interleaved, median of $runs (ms; ratio of medians to buildinfo)"
mb=$(med ${wall[buildinfo]}); cb=$(med ${cpu[buildinfo]})
printf '| %-10s | %8s | %6s | %7s | %6s |\n' program "wall ms" "x bi" "cpu ms" "x bi"
printf '|%s|%s|%s|%s|%s|\n' ------------ ---------- -------- --------- --------
for n in "${names[@]}"; do
  mw=$(med ${wall[$n]}); mc=$(med ${cpu[$n]})
  printf '| %-10s | %8s | %6s | %7s | %6s |\n' "$n" "$mw" "$(ratio "$mw" "$mb")" "$mc" "$(ratio "$mc" "$cb")"
done
for n in "${names[@]}"; do echo "$n: wall ${wall[$n]}; cpu ${cpu[$n]}"; done

if [ -n "${PERF:-}" ]; then
  echo "## perf stat -r $runs -e task-clock (each program's runs back to back)"
  for n in "${names[@]}"; do
    command_of "$n"
    perf stat -r "$runs" -e task-clock -o "$work/perf" "${cmd[@]}" >/dev/null 2>&1
    echo "$n: $(grep -E 'task-clock|time elapsed' "$work/perf" | sed -E 's/#.*CPUs utilized//; s/ +/ /g' | tr '\n' ';')"
  done
fi
if [ "${NODES:-0}" -gt 1 ]; then
  # The floor of bench/cli.sh's request to NODES servers: one message to NODES echo processes (one TLS connection
  # each, no Choria work), interleaved with the real `req` to NODES `choria server run`; and what one request costs
  # each process, summed over all threads (schedstat, ns).
  nodes=$NODES
  echo "## request to $nodes processes: choria servers against echo processes (median of $runs)"
  server_pids=("$server_pid")
  for n in $(seq 2 "$nodes"); do server_conf "$n"; start_server "$n"; server_pids+=("$server_pid"); done
  echo_pids=("$echo1_pid")
  for n in $(seq 2 "$nodes"); do
    "$floor" echo "${tls[@]}" >"$work/echo$n.log" 2>&1 &
    pids+=("$!"); echo_pids+=("$!")
  done
  for n in $(seq 2 "$nodes"); do wait_log "$work/node$n/server.log" "subjects in collectives"; wait_log "$work/echo$n.log" "echo ready"; done
  seq 1 "$nodes" | sed 's/.*/node&.bench/' >"$work/nodes.txt"
  "$choria" req rpcutil ping --config "$work/client.conf" --nodes "$work/nodes.txt" --json >/dev/null 2>&1 || true
  "$floor" fanout "${tls[@]}" --expect "$nodes" >/dev/null
  rq=(); fo=()
  s0=$(cpu_us "${server_pids[@]}"); e0=$(cpu_us "${echo_pids[@]}")
  for i in $(seq 1 "$runs"); do
    "$choria" req rpcutil ping --config "$work/client.conf" --nodes "$work/nodes.txt" --json >"$work/o" 2>&1 || true
    read -r t got < <(req_time "$work/o")
    [ "$got" -eq "$nodes" ] || { echo "req got $got of $nodes replies" >&2; exit 1; }
    rq+=("$t")
    fo+=("$("$floor" fanout "${tls[@]}" --expect "$nodes")")
  done
  s1=$(cpu_us "${server_pids[@]}"); e1=$(cpu_us "${echo_pids[@]}")
  echo "req request_time ms: ${rq[*]} (median $(med "${rq[@]}"))"
  echo "fanout publish -> last reply ms: ${fo[*]} (median $(med "${fo[@]}"))"
  echo "CPU per request per process: choria server $(( (s1 - s0) / (runs * nodes) )) us (${#server_pids[@]} processes), echo $(( (e1 - e0) / (runs * nodes) )) us (${#echo_pids[@]} processes)"
fi
echo "# end: $(uptime | sed 's/.*load average/load average/')"
