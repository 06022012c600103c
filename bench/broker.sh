#!/usr/bin/env bash
# Issue 3: broker start-to-ready (median of 5), supervisor vs nats-server RSS (idle and with 100 TLS
# client connections), NATS request/reply round trip through `choria broker run` vs a bare nats-server.
# Usage: bench/broker.sh   (ROUNDS=200 RUNS=5 to change)
. "$(dirname "$0")/lib.sh"
runs=${RUNS:-5}; rounds=${ROUNDS:-200}
header
bench_pki

echo "## start-to-ready (exec -> 'Statistics listening' log line; exec -> client port accepts TLS)"
log_times=(); tls_times=()
for i in $(seq 1 "$runs"); do
  broker_conf "start$i"
  t0=$(now_ms)
  "$choria" broker run --config "$work/start$i.conf" &
  pid=$!; pids+=("$pid")
  # TLS handshake probe (client cert presented) in the background, reported in ms after t0
  python3 - "$client_port" "$work/ssl" "$t0" > "$work/tls$i" <<'PY' &
import socket, ssl, sys, time
port, ssl_dir, t0 = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ctx = ssl.create_default_context(cafile=f"{ssl_dir}/ca.pem")
ctx.load_cert_chain(f"{ssl_dir}/bench.mcollective.pem", f"{ssl_dir}/bench.mcollective.key")
while True:
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=1)
        s.recv(4096)  # NATS INFO arrives in plain text before the TLS upgrade
        t = ctx.wrap_socket(s, server_hostname="localhost"); t.close(); break
    except OSError:
        time.sleep(0.005)
print(time.time_ns() // 1_000_000 - t0)
PY
  probe=$!
  wait_log "$work/start$i.log" "Statistics listening"
  log_times+=($(( $(now_ms) - t0 )))
  wait "$probe"
  tls_times+=("$(cat "$work/tls$i")")
  stop_pid "$pid"
done
echo "log line ms: ${log_times[*]}  median $(printf '%s\n' "${log_times[@]}" | median)"
echo "TLS accept ms: ${tls_times[*]}  median $(printf '%s\n' "${tls_times[@]}" | median)"

echo "## RSS (VmRSS KiB)"
start_broker
sleep 2
nats_pid=$(pgrep -P "$broker_pid" -f nats-server | head -1)
echo "idle: choria broker $(rss_kib "$broker_pid")  nats-server $(rss_kib "$nats_pid")"
python3 - "$client_port" "$work/ssl" 100 > "$work/holder.out" <<'PY' &
import socket, ssl, sys, time
port, ssl_dir, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ctx = ssl.create_default_context(cafile=f"{ssl_dir}/ca.pem")
ctx.load_cert_chain(f"{ssl_dir}/bench.mcollective.pem", f"{ssl_dir}/bench.mcollective.key")
conns = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port)); s.recv(4096)
    t = ctx.wrap_socket(s, server_hostname="localhost")
    t.sendall(b'CONNECT {"verbose":false,"pedantic":false,"name":"rss%d"}\r\nPING\r\n' % i)
    t.recv(4096); conns.append(t)
print("connected", len(conns), flush=True)
time.sleep(60)
PY
holder=$!; pids+=("$holder")
for _ in $(seq 1 600); do grep -q connected "$work/holder.out" 2>/dev/null && break; sleep 0.1; done
sleep 1
echo "with 100 TLS client connections (each CONNECT+PING answered): choria broker $(rss_kib "$broker_pid")  nats-server $(rss_kib "$nats_pid")"
stop_pid "$holder"
stop_pid "$broker_pid"

echo "## request/reply round trip, $rounds rounds, 1 responder, 603-byte reply, NO TLS on either side"
baseline="dotnet run -c Release --no-build --project $root/bench/Choria.NatsBaseline --"
dotnet build -c Release "$root/bench/Choria.NatsBaseline" -v q -nologo >/dev/null
broker_conf insecure
INSECURE_YES_REALLY=true "$choria" broker run --config "$work/insecure.conf" &
ipid=$!; pids+=("$ipid")
wait_log "$work/insecure.log" "Statistics listening"
bare_port=$(free_port)
nats-server -a 127.0.0.1 -p "$bare_port" > "$work/bare.log" 2>&1 &
bpid=$!; pids+=("$bpid")
sleep 0.5
for pass in 1 2; do
  echo "pass $pass choria broker: $($baseline --url "nats://127.0.0.1:$client_port" --nodes 1 --rounds "$rounds" --json | sed -E "s/,\"round_results\".*/}/")"
  echo "pass $pass bare nats-server: $($baseline --url "nats://127.0.0.1:$bare_port" --nodes 1 --rounds "$rounds" --json | sed -E "s/,\"round_results\".*/}/")"
done
