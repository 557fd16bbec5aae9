"""The README's metric table is vbench.record.METRICS, row for row: the docs cannot drift from the
names compare rules, report columns and the plugin use."""

from __future__ import annotations

import re
from pathlib import Path

from vbench.record import METRICS, Metric

README = Path(__file__).resolve().parent.parent / "README.md"
BEGIN, END = "<!-- metrics table: tests/test_readme_metrics.py -->", "<!-- end of metrics table -->"


def row(m: Metric) -> str:
    better = {True: "higher", False: "lower", None: "—"}[m.higher_is_better]
    stats = " (+ `.p90` …)" if m.kind == "samples" else ""
    return f"| `{m.name}`{stats} | `{m.value_path}` | {m.unit or '—'} | {better} | {m.gate or ''} |"


def rendered() -> str:
    head = "| metric | record path | unit | better | default gate |\n|---|---|---|---|---|"
    return "\n".join([head, *(row(m) for m in METRICS)])


def test_readme_metric_table_is_the_record_table():
    text = README.read_text(encoding="utf-8")
    found = re.search(re.escape(BEGIN) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    assert found, f"README.md lacks the block between {BEGIN!r} and {END!r}"
    assert found.group(1) == rendered(), "README.md's metric table differs from vbench.record.METRICS; paste:\n" + rendered()
