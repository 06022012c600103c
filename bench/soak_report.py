#!/usr/bin/env python3
"""Markdown report of bench/soak.sh: samples.tsv, requests.tsv -> tables, ASCII RSS chart, loss and growth."""
import os
import sys

samples_path, requests_path, warmup, command, losses_path = sys.argv[1:6]
warmup = int(warmup)

samples = []
with open(samples_path) as f:
    for line in f:
        p = line.rstrip("\n").split("\t")
        if len(p) == 8 and p[1].isdigit():
            samples.append([int(x) if x.isdigit() else 0 for x in p])

requests = []
with open(requests_path) as f:
    for line in f:
        p = line.rstrip("\n").split("\t")
        if len(p) == 7:
            kind, expected, received, ok, wall, rss, code = p
            num = lambda s: int(s) if s.strip().isdigit() else 0
            requests.append((kind, num(expected), num(received), num(ok), num(wall), num(rss), num(code)))

procs = [("broker (choria)", 1, 2), ("nats-server", 3, 4), ("fleet (emulator)", 5, 6)]
out = []
w = out.append
w(f"Command: `{command}`")
w("")
w("### Requests")
w("")
w("| kind | runs | expected replies | received | lost | ok | median wall ms | max wall ms | non-zero exits |")
w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
total_lost = 0
for kind in dict.fromkeys(r[0] for r in requests):
    rs = [r for r in requests if r[0] == kind]
    exp = sum(r[1] for r in rs)
    rec = sum(min(r[2], r[1]) for r in rs)
    lost = exp - rec
    total_lost += lost
    walls = sorted(r[4] for r in rs)
    w(f"| {kind} | {len(rs)} | {exp} | {rec} | {lost} | {sum(r[3] for r in rs)} | {walls[len(walls) // 2]} | {walls[-1]} | {sum(1 for r in rs if r[6] != 0)} |")
w("")
w(f"Lost replies in total: **{total_lost}** over {len(requests)} requests.")
if os.path.exists(losses_path) and os.path.getsize(losses_path) > 0:
    w("")
    w("Requests that lost replies:")
    w("")
    w("```")
    with open(losses_path) as f:
        w(f.read().rstrip())
    w("```")

w("")
w("### RSS (KiB) and open file descriptors, sampled every interval")
w("")
w("| minute | " + " | ".join(f"{n} RSS | {n} fds" for n, _, _ in procs) + " | largest client RSS |")
w("|---:|" + "---:|---:|" * len(procs) + "---:|")
for s in samples:
    w(f"| {s[0] / 60:.1f} | " + " | ".join(f"{s[r]} | {s[d]}" for _, r, d in procs) + f" | {s[7] or ''} |")

base = next((s for s in samples if s[0] >= warmup * 60), samples[0] if samples else None)
w("")
w(f"### Growth after the warm-up (minute {base[0] / 60 if base else warmup:.1f} to the end)")
w("")
w("Two readings of the growth: from the one sample at the warm-up's end to the last one, and along the least-squares")
w("line through every sample after the warm-up (its value at the end against its value at the warm-up's end). A")
w("garbage-collected process's single samples swing with its collections; the fitted line shows a trend through them.")
w("")
w("| process | RSS at warm-up end KiB | RSS at end KiB | growth | fitted growth | range after warm-up KiB | fds at warm-up end | fds at end |")
w("|---|---:|---:|---:|---:|---:|---:|---:|")
last = samples[-1] if samples else None


def fitted_growth(xs, ys):
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    start, end = my + slope * (xs[0] - mx), my + slope * (xs[-1] - mx)
    return (end - start) * 100.0 / start if start else 0.0


if base and last:
    after = [s for s in samples if s[0] >= base[0]]
    minutes = [s[0] for s in after]
    for name, r, d in procs:
        growth = (last[r] - base[r]) * 100.0 / base[r] if base[r] else 0.0
        rss = [s[r] for s in after]
        w(f"| {name} | {base[r]} | {last[r]} | {growth:+.1f}% | {fitted_growth(minutes, rss):+.1f}% | {min(rss)}..{max(rss)} | {base[d]} | {last[d]} |")


def chart(title, col, height=12):
    vals = [s[col] for s in samples]
    if not vals:
        return
    lo, hi = min(vals), max(vals)
    span = max(hi - lo, 1)
    w("")
    w(f"{title} (KiB, {lo}..{hi}; one column per sample)")
    w("")
    w("```")
    for row in range(height, -1, -1):
        level = lo + span * row / height
        line = "".join("*" if (v - lo) * height / span >= row - 0.5 else " " for v in vals)
        w(f"{int(level):>9} |{line}")
    w("          +" + "-" * len(vals))
    w("```")


w("")
w("### RSS over time")
for name, r, _ in procs:
    chart(name, r)

print("\n".join(out))
