"""The summary table: every run, finished or not, with its settings, numbers, verdict and status.

A run is named by its short label (the settings that vary, :mod:`~vbench.report.settings`), with
the record's full label and run_id as its tooltip; its quality scores come next, then its budget
verdict. A quality reference is marked as such: PSNR "∞ (reference)", SSIM 1, LPIPS 0.

Sorting is done in the browser by the page's small script (click a header); numeric cells carry
their raw value in ``data-v`` so that "1.2 GiB" sorts as a number. Every cell is escaped.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from vbench.record import BY_NAME
from vbench.report.data import ReportData, fmt_num, fmt_quality, format_bytes
from vbench.report.hardware import cost_per_video, price_for
from vbench.stats import NOISE_SPREAD

MAX_REASON = 300


def _cell(value: Any, shown: str | None = None, cls: str = "") -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        v = "" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity") if math.isinf(value) else repr(float(value))
        return (f'<td class="num{" " + cls if cls else ""}" data-v="{v}">'
                f'{html.escape(shown if shown is not None else fmt_num(value))}</td>')
    s = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    return f'<td{f" class={cls!r}" if cls else ""}>{html.escape(shown if shown is not None else s)}</td>'


def _reason(value: Any) -> str:
    if not isinstance(value, str) or not value:
        return "<td></td>"
    short = value if len(value) <= MAX_REASON else value[:MAX_REASON] + "…"
    return f'<td class="reason" title="{html.escape(value)}">{html.escape(short)}</td>'


def verdict_cell(verdict: str, reasons: list[str]) -> str:
    text = "; ".join(reasons)
    detail = f'<br><span class="why">{html.escape(text)}</span>' if text and verdict != "not_run" else ""
    return (f'<td class="verdict" title="{html.escape(text)}"><span class="verdict v-{html.escape(verdict)}">'
            f"{html.escape(verdict.replace('_', ' '))}</span>{detail}</td>")


def label_cell(r: Mapping[str, Any]) -> str:
    title = f"{r['full_label']} · run_id {r['run_id']}"
    badge = ' <span class="ref">reference</span>' if r["reference"] else ""
    return f'<td class="label" title="{html.escape(title)}">{html.escape(str(r["label"]))}{badge}</td>'


def ranked_quality(data: ReportData) -> tuple[list[str], list[str]]:
    """The quality columns shown beside the label (those with a better direction) and the rest."""
    first = [q for q in data.quality if BY_NAME[q].higher_is_better is not None]
    return first, [q for q in data.quality if q not in first]


def summary(data: ReportData, prices: Mapping[str, float] | None = None) -> str:
    runs = data.runs
    prices = dict(prices or {})
    axes = list(dict.fromkeys(a for scenario in sorted(data.axes) for a in data.axes[scenario]))
    several = runs["machine"].nunique() > 1
    sessions = runs["session"].nunique() > 1
    priced = {m: price_for(m, prices) for m in runs["machine"].unique()}
    with_cost = any(priced.values())
    first, rest = ranked_quality(data)
    cached = runs["cache_work"].notna().any()
    heads = ["#", "run", *(BY_NAME[q].title for q in first), "verdict", "scenario", *(["machine"] if several else []),
             *(["session"] if sessions else []), *axes, *(["cache: computed / total"] if cached else []),
             f"{BY_NAME['latency'].label} median (s)", "p10–p90 (s)", "noise", BY_NAME["fps"].title,
             BY_NAME["peak_memory"].label, "memory source", BY_NAME["energy_per_video"].title,
             *(["$ per video"] if with_cost else []), *(BY_NAME[q].title for q in rest), "status", "reason", "run_id"]
    rows = []
    order = runs.sort_values(["scenario", "machine", "status", "label"], kind="stable")
    for i, r in enumerate(order.to_dict("records"), start=1):
        cells = [_cell(i), label_cell(r)]
        # the first quality column says "(reference)"; SSIM 1 and LPIPS 0 beside it speak for themselves
        cells += [_cell(r[q], fmt_quality(q, r[q], r["reference"] and k == 0)) for k, q in enumerate(first)]
        cells.append(verdict_cell(r["verdict"], r["verdict_reasons"]))
        cells.append(_cell(r["scenario"]))
        if several:
            cells.append(_cell(r["machine"]))
        if sessions:
            cells.append(_cell(r["session"]))
        cells += [_cell(r.get(f"axis:{a}") if pd.notna(r.get(f"axis:{a}")) else "") for a in axes]
        if cached:
            cells.append(_cell(r["cache_fraction"], r["cache_work"] if isinstance(r["cache_work"], str) else "—"))
        spread = ("—" if not math.isfinite(r["latency.p10"]) else
                  f"{fmt_num(r['latency.p10'])}–{fmt_num(r['latency.p90'])}")
        cells += [_cell(r["latency"]), _cell(r["latency.p10"], spread),
                  _cell(r["noise"], cls="noisy" if r["noise"] else ""), _cell(r["fps"]),
                  _cell(r["peak_memory"], format_bytes(r["peak_memory"])),
                  _cell(r["peak_memory.source"]), _cell(r["energy_per_video"])]
        if with_cost:
            dollars = cost_per_video(r["latency"], r["videos_per_call"], priced.get(r["machine"]))
            cells.append(_cell(dollars, "—" if not math.isfinite(dollars) else f"${dollars:.5f}"))
        cells += [_cell(r[q], fmt_quality(q, r[q])) for q in rest]
        status = html.escape(str(r["status"]))
        cells += [f'<td><span class="status s-{status}">{status}</span></td>', _reason(r["reason"]),
                  f'<td class="mono">{html.escape(str(r["run_id"]))}</td>']
        cls = "run reference" if r["reference"] else "run"
        rows.append(f'<tr class="{cls}" data-run-id="{html.escape(str(r["run_id"]))}">{"".join(cells)}</tr>')
    head = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
    return (f"{legend(data)}<div class=\"wrap\"><table class=\"data sortable\" id=\"summary\"><thead><tr>{head}</tr>"
            f'</thead><tbody>{"".join(rows)}</tbody></table></div>')


def legend(data: ReportData) -> str:
    """What the table's columns mean, and what was done with repeated runs."""
    parts = [f"Latency: median of the timed calls; p10–p90 of their raw samples. Noise: a single sample, or a "
             f"p10–p90 spread wider than {NOISE_SPREAD:.0%} of the median. Memory in binary units (GiB, MiB).",
             "Verdict: the run against its scenario's limits.memory_budget_gb and limits.min_quality."]
    if data.quality:
        parts.append("A quality reference is scored against itself: PSNR ∞, SSIM 1, LPIPS 0.")
    text = " ".join(parts)
    repeated = f'<p class="repeats">{html.escape(data.repeats)}</p>' if data.repeats else ""
    return f'<p class="legend">{html.escape(text)}</p>{repeated}'


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
