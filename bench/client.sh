#!/usr/bin/env bash
# Issue 5: wall time of `choria ping` and `choria req rpcutil ping` against 1, 10 and 50 servers
# (median of 3), plus the request phase alone (ping: slowest reply; req: request_stats.request_time).
# Usage: bench/client.sh   (SIZES="1 10 50" RUNS=3 to change)
. "$(dirname "$0")/lib.sh"
runs=${RUNS:-3}; sizes=${SIZES:-1 10 50}
header
bench_pki
start_broker
client_conf
c="$choria"; cfg=(--config "$work/client.conf")
started=0
# time_cmd OUTFILE cmd... -> prints wall ms
time_cmd() { local out=$1; shift; local t0; t0=$(now_ms); "$@" > "$out" 2>&1 || true; echo $(( $(now_ms) - t0 )); }

for n in $sizes; do
  while [ "$started" -lt "$n" ]; do started=$((started + 1)); server_conf "$started"; start_server "$started"; done
  for i in $(seq 1 "$n"); do wait_log "$work/node$i/server.log" "subjects in collectives"; done
  seq 1 "$n" | sed 's/.*/node&.bench/' > "$work/nodes.txt"
  got=$("$c" ping "${cfg[@]}" --names --expect "$n" --timeout 10 | wc -l)
  echo "## $n servers (all ready: $got answered ping)"
  pe=(); pem=(); pd=(); pdm=(); rd=(); rdt=(); rn=(); rnt=()
  for r in $(seq 1 "$runs"); do
    pe+=("$(time_cmd "$work/o" "$c" ping "${cfg[@]}" --expect "$n" --timeout 10)"); pem+=("$(grep -o 'max: [0-9.]*' "$work/o" | cut -d' ' -f2)")
    pd+=("$(time_cmd "$work/o" "$c" ping "${cfg[@]}")"); pdm+=("$(grep -o 'max: [0-9.]*' "$work/o" | cut -d' ' -f2)")
    rd+=("$(time_cmd "$work/o" "$c" req rpcutil ping "${cfg[@]}" --json)")
    rdt+=("$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["request_stats"]; print(s["request_time"], s.get("responded", s.get("responses","?")))' "$work/o" 2>/dev/null || echo "parse-error")")
    rn+=("$(time_cmd "$work/o" "$c" req rpcutil ping "${cfg[@]}" --json --nodes "$work/nodes.txt")")
    rnt+=("$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["request_stats"]; print(s["request_time"], s.get("responded", s.get("responses","?")))' "$work/o" 2>/dev/null || echo "parse-error")")
  done
  echo "ping --expect $n: wall ms ${pe[*]} (median $(med "${pe[@]}")); slowest reply ms ${pem[*]}"
  echo "ping (default, waits discovery_timeout): wall ms ${pd[*]} (median $(med "${pd[@]}")); slowest reply ms ${pdm[*]}"
  echo "req rpcutil ping (discovery): wall ms ${rd[*]} (median $(med "${rd[@]}")); request_time,responded: ${rdt[*]// /,}"
  echo "req rpcutil ping --nodes FILE: wall ms ${rn[*]} (median $(med "${rn[@]}")); request_time,responded: ${rnt[*]// /,}"
done
