"""The answer per GPU profile (``vbench report --gpu rtx-4090 …``): what :mod:`vbench.plan.recommend` says.

For each profile: the budget and price, the fastest configuration that fits the budget and the
quality floors, and a table of the configurations, each row *measured* on that GPU or *projected*
to it from another machine (the basis is a column, and a row's numbers all have its basis), with
its speedup and memory against its baseline, its cost per video and why it does not fit. Under it
what the projections rest on and, where the same configuration was also measured on that GPU, how
far the projection was off. The same rows as ``vbench recommend --json``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from vbench.plan.recommend import Row, Target
from vbench.record import BY_NAME
from vbench.report.data import fmt_num, format_bytes
from vbench.report.figure import note

#: Configurations shown per profile (the fitting ones first, fastest first).
MAX_ROWS = 12
VERDICT = {True: ("fits", "v-fits"), False: ("does not fit", "v-over_memory_budget"), None: ("undecided", "v-unknown")}


def section(answers: list[tuple[str, list[Target]]], floors: Mapping[str, float],
            labels: Mapping[str, str] | None = None) -> str:
    """``answers``: :func:`~vbench.plan.recommend.recommend_by_scenario`'s; ``labels``: the page's short
    label of each configuration id (the record's label otherwise)."""
    if not answers:
        return ""
    labels = dict(labels or {})
    what = ", ".join(f"{BY_NAME[n].label} {'≥' if BY_NAME[n].higher_is_better else '≤'} {v:g}"
                     for n, v in floors.items())
    head = ("<p class='budget'>Per GPU profile: measured where the runs ran on that GPU, otherwise "
            "<i>projected</i> to it (memory from the allocator peaks plus the GPU's margin, time by the roofline "
            "ratio of the two GPUs); the two are never mixed in a number."
            + (f" Quality floors: {html.escape(what)}." if what else " No quality floor given (--min).") + "</p>")
    body = "".join(f'<div class="answer-scenario"><h3>{html.escape(name)}: per GPU profile</h3>'
                   + "".join(_target(t, list(floors), labels) for t in targets) + "</div>" for name, targets in answers)
    return f'<div class="answer answer-profiles">{head}{body}</div>'


def _target(target: Target, floors: list[str], labels: Mapping[str, str]) -> str:
    budget = ("no budget" if target.budget_bytes is None else
              f"budget {format_bytes(target.budget_bytes)} ({html.escape(target.budget_from)})")
    price = "no price" if target.price_usd_per_hour is None else f"${target.price_usd_per_hour:.2f}/h"
    head = (f'<h4>{html.escape(target.name)} <span class="mono">({html.escape(target.id)})</span></h4>'
            f"<p class='budget'>{budget}, {price}</p>")
    best = target.best
    if best is None:
        undecided = any(r.eligible is None for r in target.rows)
        win = ('<p class="winner"><b>No configuration is known to fit the budget and floors here</b>'
               + (" (some are undecided: see the table)" if undecided else "") + ".</p>")
    else:
        facts = [f"{html.escape(best.basis)} {fmt_num(best.latency_s)} s", f"peak {format_bytes(best.peak_bytes)}"]
        if best.speedup is not None:
            facts.append(f"<b>{fmt_num(best.speedup)}×</b> its baseline" + _interval(best.speedup_interval))
        if best.cost_per_video_usd is not None:
            facts.append(f"${best.cost_per_video_usd:.3g} per video")
        win = (f'<p class="winner">Fastest that fits: <b class="pick" data-config-id="{html.escape(best.config_id)}">{html.escape(labels.get(best.config_id, best.label))}</b> '
               f"({', '.join(facts)}).</p>")
        if target.ties_with is not None:
            lo, hi = target.tie_interval
            win += (f"<p class='noisy'>Not clearly faster than <b>{html.escape(labels.get(target.ties_with, target.ties_with))}"
                    f"</b>: the 95 % interval of their latency ratio, {fmt_num(lo)}×–{fmt_num(hi)}×, holds 1.</p>")
    return f'<div class="answer-profile" data-profile="{html.escape(target.id)}">{head}{win}' \
           f"{_table(target.rows, floors, labels)}{_notes(target, labels)}</div>"


def _table(rows: list[Row], floors: list[str], labels: Mapping[str, str]) -> str:
    cols = ["configuration", "basis", "latency (s)", "speedup", "peak memory", "vs baseline", "$ per video",
            *(BY_NAME[f].label for f in floors), "verdict"]
    body = []
    for r in rows[:MAX_ROWS]:
        word, cls = VERDICT[r.eligible]
        why = f'<div class="why">{html.escape("; ".join(r.reasons))}</div>' if r.reasons else ""
        rests = html.escape("; ".join(r.notes), quote=True)
        cells = [f'<td class="label" title="{html.escape(r.label, quote=True)}">'
                 f'{html.escape(labels.get(r.config_id, r.label))}'
                 f'{" <span class=ref>baseline</span>" if r.baseline else ""}</td>',
                 f'<td class="basis b-{"measured" if r.basis == "measured" else "projected"}" title="{rests}">'
                 f"{html.escape(r.basis)}</td>",
                 _num(r.latency_s), _num(r.speedup, "×", after=_interval(r.speedup_interval)), f'<td class="num" data-v="{r.peak_bytes or ""}">'
                 f"{format_bytes(r.peak_bytes)}</td>", _num(r.memory_ratio, "×"),
                 _num(r.cost_per_video_usd, prefix="$"),
                 *(_num(r.quality.get(f)) for f in floors),
                 f'<td class="verdict"><span class="verdict {cls}">{word}</span>{why}</td>']
        body.append(f'<tr data-config-id="{html.escape(r.config_id)}">{"".join(cells)}</tr>')
    more = "" if len(rows) <= MAX_ROWS else note(f"{len(rows) - MAX_ROWS} more configurations: vbench recommend --json")
    return ("<div class='wrap'><table class='data sortable profile'><thead><tr>"
            + "".join(f"<th>{html.escape(c)}</th>" for c in cols)
            + f"</tr></thead><tbody>{''.join(body)}</tbody></table></div>{more}")


def _num(value: float | None, suffix: str = "", prefix: str = "", after: str = "") -> str:
    shown = fmt_num(value)
    return f'<td class="num" data-v="{"" if value is None else value}">' \
           f"{shown if shown == '—' else prefix + shown + suffix}{after}</td>"


def _interval(interval: tuple[float, float] | None) -> str:
    """`` (95 % 0.8–1.1×, no clear difference)`` after a speedup; nothing when there is no interval."""
    if interval is None:
        return ""
    lo, hi = interval
    clear = "" if not lo <= 1 <= hi else ", no clear difference"
    return f' <span class="ci">(95 % {fmt_num(lo)}–{fmt_num(hi)}×{clear})</span>'


def _notes(target: Target, labels: Mapping[str, str]) -> str:
    out = []
    shown = [r for r in target.rows[:MAX_ROWS] if r.basis != "measured"]
    general = sorted({n for r in shown for n in r.notes if not n.startswith("measured ")})
    if shown:
        out.append("<p class='legend'>Projections rest on: " + "; ".join(html.escape(n) for n in general)
                   + (". " if general else "") + "Each projected row's basis cell says, on hover, what it was "
                   "scaled from.</p>")
    errors = target.projection_errors
    if errors:
        items = []
        for e in errors:
            lat = "—" if e["latency_error"] is None else f"{e['latency_error']:+.1%}"
            mem = "—" if e["memory_error"] is None else f"{e['memory_error']:+.1%}"
            what = "roofline lower bound" if e.get("bound") else "projection"
            items.append(f"<li>{what} from {html.escape(e['from'])} of {html.escape(labels.get(e['config_id'], e['config_id']))}: "
                         f"latency {lat}, memory {mem}</li>")
        out.append("<p class='legend'>Where a configuration was also measured here, the projection from "
                   f"elsewhere against the measurement (projected / measured − 1):</p><ul>{''.join(items)}</ul>")
    return "".join(out)
