#!/usr/bin/env bash
# Memory and CPU of idle autonomous agents: N machines (default 1000) with 5 watchers each (exec, file, schedule,
# timer, nagios) run by the real binary (`choria machine run`), sampled after they settle.
# Usage: bench/machines/idle.sh [N] [settle-seconds] [sample-seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000}
settle=${2:-30}
sample=${3:-60}
bin=${CHORIA_BIN:-$PWD/dist/choria}
store=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$store"' EXIT

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

"$bin" machine run "$store"/m* > /dev/null 2>&1 &
pid=$!
sleep "$settle"
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
t0=$(ticks)
sleep "$sample"
t1=$(ticks)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
threads=$(awk '/Threads/ {print $2}' "/proc/$pid/status")
cpu=$(awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$sample" 'BEGIN { printf "%.2f", 100 * d / hz / s }')
echo "machines=$n watchers=$((n * 5)) rss_mib=$((rss / 1024)) peak_rss_mib=$((hwm / 1024)) threads=$threads cpu_percent_of_one_core=$cpu (over ${sample}s after ${settle}s)"
