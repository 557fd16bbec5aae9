"""The summary table: every run, finished or not, with its settings, numbers and status.

Sorting is done in the browser by the page's small script (click a header); numeric cells carry
their raw value in ``data-v`` so that "1.2 GB" sorts as a number. Every cell is escaped.
"""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd

from vbench.record import BY_NAME
from vbench.report.data import GB, ReportData, fmt_num

MAX_REASON = 300


def _cell(value: Any, shown: str | None = None) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        v = "" if not math.isfinite(value) else repr(float(value))
        return f'<td class="num" data-v="{v}">{html.escape(shown if shown is not None else fmt_num(value))}</td>'
    s = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    return f"<td>{html.escape(shown if shown is not None else s)}</td>"


def _reason(value: Any) -> str:
    if not isinstance(value, str) or not value:
        return "<td></td>"
    short = value if len(value) <= MAX_REASON else value[:MAX_REASON] + "…"
    return f'<td class="reason" title="{html.escape(value)}">{html.escape(short)}</td>'


def summary(data: ReportData) -> str:
    runs = data.runs
    axes = list(dict.fromkeys(a for scenario in sorted(data.axes) for a in data.axes[scenario]))
    several = runs["machine"].nunique() > 1
    sessions = runs["session"].nunique() > 1
    heads = ["#", "run", "scenario", *(["machine"] if several else []), *(["session"] if sessions else []), *axes,
             f"{BY_NAME['latency'].label} median (s)", f"{BY_NAME['latency'].label} p90 (s)",
             BY_NAME["fps"].title, BY_NAME["peak_memory"].label, "memory source", BY_NAME["energy_per_video"].title]
    heads += [BY_NAME[q].title for q in data.quality]
    heads += ["status", "reason", "run_id"]
    rows = []
    order = runs.sort_values(["scenario", "machine", "status", "label"], kind="stable")
    for i, r in enumerate(order.to_dict("records"), start=1):
        cells = [_cell(i), _cell(r["label"]), _cell(r["scenario"])]
        if several:
            cells.append(_cell(r["machine"]))
        if sessions:
            cells.append(_cell(r["session"]))
        cells += [_cell(r.get(f"axis:{a}") if pd.notna(r.get(f"axis:{a}")) else "") for a in axes]
        mem = r["peak_memory"]
        cells += [_cell(r["latency"]), _cell(r["latency.p90"]), _cell(r["fps"]),
                  _cell(mem, "—" if not math.isfinite(mem) else f"{mem / GB:.3f} GB"),
                  _cell(r["peak_memory.source"]), _cell(r["energy_per_video"])]
        cells += [_cell(r[q]) for q in data.quality]
        status = html.escape(str(r["status"]))
        cells += [f'<td><span class="status s-{status}">{status}</span></td>', _reason(r["reason"]),
                  f'<td class="mono">{html.escape(str(r["run_id"]))}</td>']
        rows.append(f'<tr class="run" data-run-id="{html.escape(str(r["run_id"]))}">{"".join(cells)}</tr>')
    head = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
    return (f'<table class="data sortable" id="summary"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def failures(data: ReportData) -> str:
    bad = data.runs[data.runs["status"] != "ok"]
    if bad.empty:
        return "<p>Every run finished.</p>"
    items = "".join(
        f"<li><b>{html.escape(str(r.label))}</b> ({html.escape(str(r.scenario))}, {html.escape(str(r.machine))}): "
        f'<span class="status s-{html.escape(str(r.status))}">{html.escape(str(r.status))}</span> — '
        f"{html.escape(str(r.reason or 'no reason recorded'))}</li>"
        for r in bad.sort_values(["scenario", "label"]).itertuples())
    return f'<ul class="failures">{items}</ul>'
