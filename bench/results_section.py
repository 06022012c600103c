"""Replaces (or appends) one `## ...` section of bench/RESULTS.md; the *_report.py scripts share it."""
import re


def write_section(out, title, section):
    """Writes `section` (starting with `title`) over the section of that title in `out`, or appends it."""
    text = open(out).read()
    pattern = re.compile(r"^" + re.escape(title) + r"\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _: section + "\n", text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    open(out, "w").write(text)
