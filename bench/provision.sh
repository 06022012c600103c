#!/usr/bin/env bash
# Provisioning bench (issue 20): N unconfigured nodes in provisioning mode (the fleet emulator, real server code and
# the real choria_provision agent, in-process), a plain provisioning broker and a TLS main broker (two
# `choria broker run`), and `choria provisioner run` with the example helper (examples/provisioning/helper.rb)
# signing every CSR with the bench CA. Measures, per worker count: provisioner start -> all N told to restart
# (nodes/s), -> all N restarted into their new configuration and answering on the main broker (checked with
# `choria ping`), the provisioner's per-step latency (its Prometheus metrics), peak RSS and CPU of provisioner
# (its helpers counted apart) and emulator. Writes the `## Provisioning (emulated fleet)` section of bench/RESULTS.md.
#
#   bench/provision.sh [N] [--workers "4 16 32"] [--timeout SECONDS] [--no-write]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$root/scripts/lib.sh"
cd "$root"

n=1000
workers="4 16 32"
limit=900
write=1
while [ $# -gt 0 ]; do
  case "$1" in
    --workers) workers=$2; shift 2 ;;
    --timeout) limit=$2; shift 2 ;;
    --no-write) write=0; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    [0-9]*) n=$1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

ensure_packages ruby:ruby openssl:openssl curl:curl jq:jq
emulator=${CHORIA_EMULATOR:-$(publish_aot Choria.Emulator)}
token=bench-token
results=$work/results.jsonl
: >"$results"

# The provisioning broker speaks plain NATS: the JWT says chs=false, so new nodes need no certificate.
bench_pki
broker_conf provisioning
prov_port=$client_port
INSECURE_YES_REALLY=true "$choria" broker run --config "$work/provisioning.conf" &
pids+=("$!")
wait_log "$work/provisioning.log" "Statistics listening"
start_broker
client_conf

openssl genrsa -traditional -out "$work/jwt-signer.key" 2048 2>/dev/null
"$choria" tool jwt "$work/provisioning.jwt" "$work/jwt-signer.key" --token "$token" --urls "127.0.0.1:$prov_port" --default --insecure >/dev/null
cat >"$work/provisioner-client.conf" <<EOF
identity = provisioner.bench
collectives = provisioning
plugin.security.provider = file
plugin.choria.middleware_hosts = 127.0.0.1:$prov_port
plugin.choria.use_srv = false
loglevel = warn
EOF

cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14+$15)*1000/hz)}' "/proc/$1/stat"; }
child_cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($16+$17)*1000/hz)}' "/proc/$1/stat"; }
peak_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
provisioned() { local c; c=$(grep -c 'Provisioned .* restarting' "$1" 2>/dev/null || true); echo "${c:-0}"; }

for w in $workers; do
  echo ">> N=$n workers=$w: starting $n unconfigured nodes" >&2
  out=$work/emulator-$w.out
  "$emulator" provision --dir "$work/fleet-$w" --instances "$n" --jwt "$work/provisioning.jwt" --bring-back \
    --identity-prefix "node-$w-" --batch 200 >"$out" 2>&1 &
  emulator_pid=$!; pids+=("$emulator_pid")
  wait_log "$out" '^ready' $(( 60 + n / 10 )) || { tail -5 "$out" >&2; exit 1; }
  startup=$(sed -n 's/^ready .* in \([0-9.]*\)s.*/\1/p' "$out")

  monitor=$(free_port)
  cat >"$work/provisioner-$w.yaml" <<EOF
choria_config: $work/provisioner-client.conf
choria_insecure: true
helper: $root/examples/provisioning/helper.rb
token: $token
workers: $w
restart_splay: 1
monitor_port: $monitor
logfile: $work/provisioner-$w.log
loglevel: info
EOF
  emu_cpu0=$(cpu_ms "$emulator_pid")
  t0=$(now_ms)
  CHORIA_CA_CERT=$work/ssl/ca.pem CHORIA_CA_KEY=$work/ssl/ca.key CHORIA_MAIN_BROKERS=localhost:$client_port \
    "$choria" provisioner run --config "$work/provisioner-$w.yaml" >"$work/provisioner-$w.out" 2>&1 &
  prov_pid=$!; pids+=("$prov_pid")

  first=0 told=0 deadline=$(( t0 + limit * 1000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    done_count=$(provisioned "$work/provisioner-$w.log")
    [ "$first" != 0 ] || [ "$done_count" = 0 ] || first=$(now_ms)
    if [ "$done_count" -ge "$n" ]; then told=$(now_ms); break; fi
    kill -0 "$prov_pid" 2>/dev/null || { echo "the provisioner exited:" >&2; tail -5 "$work/provisioner-$w.out" >&2; exit 1; }
    sleep 0.1
  done
  [ "$told" != 0 ] || echo "!! only $(provisioned "$work/provisioner-$w.log")/$n told to restart within ${limit}s" >&2

  back=0
  if [ "$told" != 0 ] && wait_log "$out" '^back ' 120; then
    back=$(sed -n 's/^back [0-9]* at \([0-9]*\)$/\1/p' "$out")
  fi
  restarted=$(sed -n 's/^restarted [0-9]* at \([0-9]*\).*/\1/p' "$out")
  curl -sf "http://127.0.0.1:$monitor/choria/prometheus" >"$work/metrics-$w.txt" || : >"$work/metrics-$w.txt"
  prov_rss=$(peak_kib "$prov_pid"); prov_cpu=$(cpu_ms "$prov_pid"); helper_cpu=$(child_cpu_ms "$prov_pid")
  emu_rss=$(peak_kib "$emulator_pid"); emu_cpu=$(( $(cpu_ms "$emulator_pid") - emu_cpu0 ))
  answering=$("$choria" ping --config "$work/client.conf" --expect "$n" --timeout 20 --silent 2>/dev/null | sed -n 's/^\([0-9]*\) replies max:.*/\1/p' || true)
  errors=$(grep -c 'Provisioning .* failed at' "$work/provisioner-$w.log" || true)
  reasons=$(grep -o 'failed at [a-z_]*' "$work/provisioner-$w.log" | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $4; sep=", "}' || true)
  grep -m 3 'Provisioning .* failed at' "$work/provisioner-$w.log" >&2 || true
  stop_pid "$prov_pid"
  stop_pid "$emulator_pid"

  jq -cn --argjson n "$n" --argjson w "$w" --argjson t0 "$t0" --argjson first "$first" --argjson told "$told" \
    --argjson restarted "${restarted:-0}" --argjson back "${back:-0}" --argjson answering "${answering:-0}" \
    --argjson startup "${startup:-0}" --argjson prov_rss "$prov_rss" --argjson prov_cpu "$prov_cpu" \
    --argjson helper_cpu "$helper_cpu" --argjson emu_rss "$emu_rss" --argjson emu_cpu "$emu_cpu" --argjson errors "${errors:-0}" --arg reasons "$reasons" \
    --arg metrics "$work/metrics-$w.txt" \
    '{n:$n,workers:$w,t0:$t0,first:$first,told:$told,restarted:$restarted,back:$back,answering:$answering,startup_s:$startup,
      provisioner_peak_kib:$prov_rss,provisioner_cpu_ms:$prov_cpu,helper_cpu_ms:$helper_cpu,emulator_peak_kib:$emu_rss,
      emulator_cpu_ms:$emu_cpu,failed_attempts:$errors,failure_reasons:$reasons,metrics:$metrics}' >>"$results"
done

command="bench/provision.sh $n --workers \"$workers\""
python3 bench/provision_report.py "$results" "$command" "$(header)" "$([ $write = 1 ] && echo bench/RESULTS.md || echo -)"
