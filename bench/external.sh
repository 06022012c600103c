#!/usr/bin/env bash
# External agents (docs/agents.md): latency p50/p99 and replies/s of one external action against a real
# `choria server run` pinned to one core (taskset -c 1: the agent processes it spawns inherit that core, so
# their cost is counted), compared with the built-in rpcutil#ping in the same run. Load generator on core 0.
# Two external agents: a shell script (/bin/sh, the cheapest exec) and a Python 3 script.
# Usage: bench/external.sh   (COUNT=600 PY_COUNT=150 WINDOW=16 PING_COUNT=5000 to change; about a minute)
. "$(dirname "$0")/lib.sh"
count=${COUNT:-600}; py_count=${PY_COUNT:-150}; window=${WINDOW:-16}; ping_count=${PING_COUNT:-5000}
header
bench_pki
start_broker
client_conf
server_conf 1

agents="$work/lib/mcollective/agent"
mkdir -p "$agents"
for name in shecho pyecho; do
  cat > "$agents/$name.json" <<DDL
{"\$schema": "https://choria.io/schemas/mcorpc/ddl/v1/agent.json",
 "metadata": {"name": "$name", "description": "benchmark echo", "author": "bench", "license": "Apache-2.0",
              "version": "1.0.0", "url": "https://choria.io", "timeout": 10, "provider": "external"},
 "actions": [{"action": "ping", "description": "echo", "display": "always",
              "input": {"message": {"prompt": "m", "description": "m", "type": "string", "validation": ".", "optional": true, "maxlength": 64}},
              "output": {"message": {"description": "m", "display_as": "m"}}}]}
DDL
  touch -d '1 minute ago' "$agents/$name.json"
done
cat > "$agents/shecho" <<'SH'
#!/bin/sh
if [ "$CHORIA_EXTERNAL_PROTOCOL" = "io.choria.mcorpc.external.v1.activation_request" ]; then
  echo '{"activate":true}' > "$2"; exit 0
fi
echo '{"statuscode":0,"statusmsg":"OK","data":{"message":"pong"}}' > "$2"
SH
cat > "$agents/pyecho" <<'PY'
#!/usr/bin/python3
import json, os, sys
with open(sys.argv[1]) as f:
    request = json.load(f)
if os.environ["CHORIA_EXTERNAL_PROTOCOL"] == "io.choria.mcorpc.external.v1.activation_request":
    reply = {"activate": True}
else:
    reply = {"statuscode": 0, "statusmsg": "OK", "data": {"message": request["data"].get("message", "pong")}}
with open(sys.argv[2], "w") as f:
    json.dump(reply, f)
PY
chmod 755 "$agents/shecho" "$agents/pyecho"
echo "plugin.choria.agent_provider.mcorpc.libdir = $work/lib" >> "$work/node1/server.conf"

start_server 1 taskset -c 1
wait_log "$work/node1/server.log" "subjects in collectives"
grep -o 'Registered external agent [a-z]* version [0-9.]*' "$work/node1/server.log"

dotnet build -c Release "$root/bench/Choria.ServerLoad" -v q -nologo >/dev/null
load="dotnet run -c Release --no-build --project $root/bench/Choria.ServerLoad --"
run() { taskset -c 0 $load --config "$work/client.conf" --node node1.bench "$@"; }
echo "## server pinned to core 1 (with its agent processes), load generator on core 0"
run --count "$ping_count" --window 100
run --count "$count" --window "$window" --agent shecho --action ping --data '{"message":"hi"}'
run --count "$py_count" --window "$window" --agent pyecho --action ping --data '{"message":"hi"}'
run --count "$ping_count" --window 100
echo "## one request at a time (latency without queueing)"
run --count 200 --window 1
run --count 100 --window 1 --agent shecho --action ping
run --count 50 --window 1 --agent pyecho --action ping
echo "server RSS after load: $(rss_kib "$server_pid") KiB"
