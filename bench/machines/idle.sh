#!/usr/bin/env bash
# Memory and CPU of idle autonomous agents: N machines (default 1000) with 5 watchers each (exec, file, schedule,
# timer, nagios) run by the real binary, sampled after they settle. MODE=server (the default) runs them inside
# `choria server run` connected to a `choria broker run` (what a node does) and first samples the same server
# with an empty store, so the machines' own share is visible; MODE=cli runs them with `choria machine run`.
# Usage: [MODE=server|cli] bench/machines/idle.sh [N] [settle-seconds] [sample-seconds]
. "$(dirname "$0")/../lib.sh"
mode=${MODE:-server}
n=${1:-1000}
settle=${2:-30}
sample=${3:-60}
store="$work/machines"
mkdir -p "$store"

for i in $(seq 1 "$n"); do
  d="$store/m$i"
  mkdir -p "$d"
  touch "$d/flag"
  cat > "$d/machine.yaml" <<YAML
name: Idle$i
version: 1.0.0
initial_state: idle
transitions:
  - {name: poke, from: [idle], destination: busy}
  - {name: done, from: [busy], destination: idle}
watchers:
  - {name: cmd, type: exec, state_match: [busy], interval: 1h, success_transition: done, properties: {command: /bin/true}}
  - {name: flag, type: file, properties: {path: flag, gather_initial_state: true}}
  - {name: window, type: schedule, properties: {duration: 1m, schedules: ["0 3 1 1 *"]}}
  - {name: limit, type: timer, state_match: [busy], fail_transition: done, properties: {timer: 1m}}
  - {name: beat, type: nagios, interval: 5m, properties: {builtin: heartbeat}}
YAML
done

hz=$(getconf CLK_TCK)
# sample PID LABEL: CPU over $sample seconds after $settle, then RSS, peak RSS and threads.
sample() {
  local pid=$1 t0 t1
  sleep "$settle"
  ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
  t0=$(ticks)
  sleep "$sample"
  t1=$(ticks)
  local rss hwm threads cpu
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  threads=$(awk '/Threads/ {print $2}' "/proc/$pid/status")
  cpu=$(awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$sample" 'BEGIN { printf "%.2f", 100 * d / hz / s }')
  echo "$2 rss_mib=$((rss / 1024)) peak_rss_mib=$((hwm / 1024)) threads=$threads cpu_percent_of_one_core=$cpu (over ${sample}s after ${settle}s)"
}

header
if [ "$mode" = cli ]; then
  "$choria" machine run "$store"/m* > /dev/null 2>&1 &
  pid=$!; pids+=("$pid")
  sample "$pid" "choria machine run: machines=$n watchers=$((n * 5))"
  exit 0
fi

bench_pki
start_broker
server_conf 1
empty="$work/empty-store"
mkdir -p "$empty"
cp "$work/node1/server.conf" "$work/node1/base.conf"
for run in empty machines; do
  dir=$empty; label="choria server run, empty machine store:"
  if [ "$run" = machines ]; then dir=$store; label="choria server run: machines=$n watchers=$((n * 5))"; fi
  { cat "$work/node1/base.conf"; echo "plugin.choria.machine.store = $dir"; } > "$work/node1/server.conf"
  : > "$work/node1/server.log"
  start_server 1
  wait_log "$work/node1/server.log" "subjects in collectives"
  sample "$server_pid" "$label"
  if [ "$run" = machines ]; then
    started=$(grep -c "Loaded machine" "$work/node1/server.log" || true)
    echo "machines started per the server log: $started"
  fi
  stop_pid "$server_pid"
done
