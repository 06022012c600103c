"""Turns bench/provision.sh's results.jsonl (and the provisioner's scraped metrics) into the
`## Provisioning (emulated fleet)` section of bench/RESULTS.md (and stdout)."""
import json
import os
import re
import sys

from results_section import write_section

TITLE = "## Provisioning (emulated fleet)"
STEPS = ["jwt", "inventory", "gencsr", "configure", "restart"]


def histograms(path):
    """{(name, action): {"sum": s, "count": c, "buckets": [(le, cumulative)]}} from Prometheus text."""
    found = {}
    line_re = re.compile(r'^(choria_provisioner_(?:rpc|helper)_time)_(bucket|sum|count)(?:\{([^}]*)\})? ([0-9.eE+-]+|\+Inf)$')
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return found
    for line in lines:
        m = line_re.match(line)
        if not m:
            continue
        name, kind, labels, value = m.groups()
        labels = dict(re.findall(r'(\w+)="([^"]*)"', labels or ""))
        h = found.setdefault((name, labels.get("action", "")), {"sum": 0.0, "count": 0.0, "buckets": []})
        if kind == "bucket":
            h["buckets"].append((float(labels["le"]), float(value)))
        else:
            h[kind] = float(value)
    return found


def quantile(h, q):
    """Upper bound of the bucket holding the q-quantile: the histogram's resolution, said as "≤ x"."""
    target = q * h["count"]
    for le, cumulative in sorted(h["buckets"]):
        if cumulative >= target:
            return le
    return float("inf")


def ms(seconds):
    return "∞" if seconds == float("inf") else f"{seconds * 1000:.0f}"


def main(path, command, header, out):
    runs = [json.loads(line) for line in open(path) if line.strip()]
    lines = [
        TITLE,
        "",
        f"Command: `{command}`",
        "",
        "```",
        header,
        "```",
        "",
        "One emulator process holds N unconfigured nodes in provisioning mode (real `ServerInstance`s, the real",
        "`choria_provision` agent, the provisioning JWT made by `choria tool jwt`); a plain provisioning broker and a TLS",
        "main broker are two `choria broker run`; `choria provisioner run` uses `examples/provisioning/helper.rb`, which",
        "signs each CSR with `openssl x509 -req` against the bench CA. The restart hook stops the instance and starts it",
        "again from the configuration and certificate it was given (docs/performance.md). Times are from the",
        "provisioner's start (connect, first discovery included); *steady* is the rate between the first and the last",
        "node told to restart. CPU: provisioner process, its helper processes (ruby + openssl, reaped children) and the",
        "emulator (node side: key generation, configuration writes, restarts) over the run.",
        "",
        "| workers | all told to restart | nodes/s (steady) | all restarted | all back on main | `choria ping` on main | failed attempts (step) | provisioner peak RSS | emulator peak RSS | CPU provisioner / helpers / emulator |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        n, t0 = r["n"], r["t0"]
        told = (r["told"] - t0) / 1000 if r["told"] else None
        steady = (n - 1) / ((r["told"] - r["first"]) / 1000) if r["told"] and r["told"] > r["first"] else None
        since = lambda key: f"{(r[key] - t0) / 1000:.1f} s" if r[key] else "—"
        lines.append(
            f"| {r['workers']} | {f'{told:.1f} s' if told else 'not reached'} | "
            f"{f'{n / told:.1f}' if told else '—'} ({f'{steady:.1f}' if steady else '—'}) | {since('restarted')} | {since('back')} | "
            f"{r['answering']}/{n} | {r['failed_attempts']}{' (' + r['failure_reasons'] + ')' if r.get('failure_reasons') else ''} | {r['provisioner_peak_kib'] / 1024:.0f} MiB | {r['emulator_peak_kib'] / 1024:.0f} MiB | "
            f"{r['provisioner_cpu_ms'] / 1000:.0f} s / {r['helper_cpu_ms'] / 1000:.0f} s / {r['emulator_cpu_ms'] / 1000:.0f} s |"
        )

    cores = os.cpu_count() or 1
    lines += ["", "CPU time per node, which a busy machine hardly inflates (the wall times above it does), and the rate it allows on "
              f"{cores} idle cores: the provisioner's side alone (provisioner + helpers: a real fleet generates keys on its own "
              "nodes) and everything on one machine (+ the emulated nodes).", ""]
    for r in runs:
        n = r["n"]
        prov, helpers, nodes = (r[k] / n for k in ("provisioner_cpu_ms", "helper_cpu_ms", "emulator_cpu_ms"))
        lines.append(f"- {r['workers']} workers: provisioner {prov:.0f} ms, helpers {helpers:.0f} ms, emulated node {nodes:.0f} ms "
                     f"→ at most {cores * 1000 / (prov + helpers):.1f} nodes/s for the provisioner's side, "
                     f"{cores * 1000 / (prov + helpers + nodes):.1f} nodes/s with the nodes on the same cores.")

    lines += [
        "",
        "Per node and step, from the provisioner's `choria_provisioner_rpc_time{action}` and `choria_provisioner_helper_time`",
        "histograms: mean, and the bucket bound holding the median and the 99th percentile (ms).",
        "",
        "| workers | " + " | ".join(STEPS + ["helper"]) + " |",
        "| ---: | " + " | ".join(["---:"] * (len(STEPS) + 1)) + " |",
    ]
    for r in runs:
        found = histograms(r["metrics"])
        cells = []
        for key in [("choria_provisioner_rpc_time", s) for s in STEPS] + [("choria_provisioner_helper_time", "")]:
            h = found.get(key)
            if not h or not h["count"]:
                cells.append("—")
                continue
            cells.append(f"{ms(h['sum'] / h['count'])} (≤{ms(quantile(h, 0.5))}, ≤{ms(quantile(h, 0.99))})")
        lines.append(f"| {r['workers']} | " + " | ".join(cells) + " |")

    section = "\n".join(lines) + "\n"
    print(section)
    if out != "-":
        write_section(out, TITLE, section)


if __name__ == "__main__":
    main(*sys.argv[1:5])
