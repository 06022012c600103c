"""Turns bench/scale.sh's results.jsonl into the `## Scale` section of bench/RESULTS.md (and stdout)."""
import datetime
import json
import os
import statistics
import sys

from results_section import write_section


def fmt(values):
    if not values:
        return "-"
    return f"{statistics.median(values):.0f} ({min(values):.0f}-{max(values):.0f})"


def main(path, command, out):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    sizes = sorted({r["n"] for r in rows if r["kind"] == "fleet"})
    lines = [
        "## Scale (fleet emulator)",
        "",
        f"Date: {datetime.date.today().isoformat()}. Machine: see the top of this file; `uptime` load during the run: "
        f"{os.getloadavg()[0]:.1f}. Client, broker (`choria broker run`, TLS) and the emulated fleet share the 2 cores.",
        "",
        "Command:",
        "",
        "```",
        command,
        "```",
        "",
        "Times in ms as median (min-max) over the rounds. (a) publish to the last reply, (b) whole command "
        "(CLI: process wall time; driver: sign + subscribe + publish + collect on an open connection), "
        "(c) replies received / expected. Ratio = our (a) median / baseline (a) median. The second baseline's "
        "responders check an RSA-2048 signature over each request before answering, as every node must.",
        "",
        "| N | what | source | (a) publish→last reply | (b) whole command | (c) replies | ratio to baseline |",
        "|---:|---|---|---:|---:|---:|---:|",
    ]
    for n in sizes:
        base = [r["last_ms"] for r in rows if r["kind"] == "baseline" and r["n"] == n]
        base_med = statistics.median(base) if base else None
        for kind, label in (("ping", "ping (discovery)"), ("req", "req rpcutil ping"), ("baseline", "bare NATS.Net"),
                            ("baseline_verify", "bare NATS.Net + signature check")):
            rs = [r for r in rows if r["kind"] == kind and r["n"] == n]
            if not rs:
                continue
            last = [r["last_ms"] for r in rs]
            ratio = "-" if kind.startswith("baseline") or not base_med else f"{statistics.median(last) / base_med:.2f}"
            source = rs[0].get("source", "NATS.Net")
            received = sum(r["received"] for r in rs)
            wall = "-" if kind.startswith("baseline") else fmt([r["wall_ms"] for r in rs])
            lines.append(f"| {n:,} | {label} | {source} | {fmt(last)} | {wall} | {received}/{n * len(rs)} | {ratio} |")
    lines += ["", "Memory and CPU (sizing):", "",
              "| N | fleet startup | emulator memory | broker RSS with N connections | fleet CPU per ping | broker CPU per ping |",
              "|---:|---:|---|---:|---:|---:|"]
    for n in sizes:
        fleet = next(r for r in rows if r["kind"] == "fleet" and r["n"] == n)
        cpu = next((r for r in rows if r["kind"] == "cpu" and r["n"] == n), None)
        mem = dict(kv.split("=") for kv in fleet["memory"].split()[1:])
        lines.append(
            f"| {n:,} | {fleet['startup_s']:.1f} s | {float(mem['rss_per_instance_kib']):.0f} KiB RSS / "
            f"{float(mem['managed_per_instance_kib']):.0f} KiB managed per instance | {fleet['broker_rss_kib'] / 1024:.0f} MiB | "
            f"{cpu['fleet_ms_per_ping'] if cpu else '-'} ms | {cpu['broker_ms_per_ping'] if cpu else '-'} ms |")
    load = next((r for r in rows if r["kind"] == "load"), None)
    if load:
        lines += ["", f"Sustained load: {load['rate']} rpcutil#ping/s broadcast to {load['n']:,} nodes for "
                  f"{load['seconds']:.0f} s ({load['requests']} requests): replies {load['replies_received']}/"
                  f"{load['replies_expected']} (**lost {load['replies_expected'] - load['replies_received']}**); "
                  f"per-reply latency p50 {load['reply_p50_ms']:.0f} ms, p99 {load['reply_p99_ms']:.0f} ms, "
                  f"max {load['reply_max_ms']:.0f} ms; time to a request's last reply p50 {load['last_reply_p50_ms']:.0f} ms, "
                  f"p99 {load['last_reply_p99_ms']:.0f} ms."]
    section = "\n".join(lines) + "\n"
    print(section)
    if out != "-":
        write_section(out, "## Scale (fleet emulator)", section)


if __name__ == "__main__":
    main(*sys.argv[1:4])
