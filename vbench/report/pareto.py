"""Pareto views: latency against peak memory (quality as colour) and latency against quality.

Runs of different machines are never on one frontier: each machine of a scenario gets its own
frontier, drawn as a line through its Pareto-optimal runs, which are also marked with a ring.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vbench.record import BY_NAME
from vbench.report.data import GIB, ReportData, direction, fmt_num, fmt_quality, format_bytes, memory_unit
from vbench.report.figure import PALETTE, error_bars, figure, hline, note, text, to_div, values

_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "cross", "x", "pentagon", "star"]


def pareto_mask(objectives: np.ndarray) -> np.ndarray:
    """Which rows no other row dominates, every column minimised; rows with NaN are never optimal.

    >>> pareto_mask(np.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0], [np.nan, 0.0]])).tolist()
    [True, True, False, False]
    """
    pts = np.asarray(objectives, dtype=float)
    valid = ~np.isnan(pts).any(axis=1)
    mask = np.zeros(len(pts), dtype=bool)
    p = pts[valid]
    if len(p):
        le = (p[:, None, :] <= p[None, :, :]).all(axis=2)  # le[i, j]: i is no worse than j everywhere
        lt = (p[:, None, :] < p[None, :, :]).any(axis=2)
        dominated = (le & lt).any(axis=0)
        mask[np.flatnonzero(valid)] = ~dominated
    return mask


def hover(runs: pd.DataFrame, axes: list[str], quality: list[str]) -> list[str]:
    """One hover text per run: label, machine, the numbers, the verdict, a noise flag and the swept
    settings (escaped)."""
    lines = []
    for r in runs.to_dict("records"):
        parts = [f"<b>{text(r['label'])}</b>" + (" (quality reference)" if r.get("reference") else ""),
                 text(r["full_label"]), text(r["machine"]),
                 f"latency {r['latency']:.4g} s (p10–p90 {fmt_num(r['latency.p10'])}–{fmt_num(r['latency.p90'])} s, "
                 f"{int(r['latency.n'])} samples)",
                 f"peak memory {format_bytes(r['peak_memory'])} ({text(r['peak_memory.source'])})"]
        parts += [f"{text(q)} {fmt_quality(q, r[q], bool(r.get('reference')))}" for q in quality if pd.notna(r.get(q))]
        parts.append(f"verdict: {text(r['verdict'])}" + "".join(f"<br>  {text(x)}" for x in r["verdict_reasons"]))
        if r.get("noise"):
            parts.append(f"noisy: {text(r['noise'])}")
        parts += [f"{text(a)} = {text(r[f'axis:{a}'])}" for a in axes if pd.notna(r.get(f"axis:{a}"))]
        lines.append("<br>".join(parts))
    return lines


def figures(data: ReportData) -> str:
    """The Pareto section: per scenario, latency–memory and (when scored) latency–quality."""
    ok = data.ok.dropna(subset=["latency"])
    if ok.empty:
        return note("No run finished with a latency, so there is nothing to place on a Pareto front.")
    q = data.primary_quality
    out = []
    if q is None:
        out.append(note("No quality scores in these results (list `metrics` in the scenario, or run `vbench score`): "
                        "the frontier uses latency and memory only."))
    for scenario, runs in ok.groupby("scenario", sort=True):
        out.append(to_div(_latency_memory(data, scenario, runs, q)))
        if q is not None and runs[q].notna().any():
            out.append(to_div(_latency_quality(data, scenario, runs, q)))
    return "\n".join(out)


def _objectives(runs: pd.DataFrame, q: str | None, memory: bool = True) -> np.ndarray:
    cols = [runs["latency"].to_numpy(float)]
    if memory:
        cols.append(runs["peak_memory"].to_numpy(float))
    if q is not None and runs[q].notna().any():
        cols.append(-direction(q) * runs[q].to_numpy(float))  # a reference's PSNR is +inf: never dominated in it
    return np.column_stack(cols)


def _ring(best: np.ndarray) -> dict:
    return {"width": [3 if b else 0.5 for b in best], "color": "#000"}


def _latency_memory(data: ReportData, scenario: str, runs: pd.DataFrame, q: str | None) -> dict:
    traces: list[dict] = []
    axes = data.axes.get(scenario, [])
    colour_by_quality = q is not None and runs.loc[~runs["reference"], q].notna().any()
    budget = runs["budget_gb"].dropna()
    scale, unit = memory_unit(runs["peak_memory"], budget * GIB)
    for i, (machine, mr) in enumerate(runs.groupby("machine", sort=True)):
        best = pd.Series(pareto_mask(_objectives(mr, q)), index=mr.index)
        for is_ref, part in mr.groupby("reference", sort=True):
            marker: dict = {"symbol": "star" if is_ref else _SYMBOLS[i % len(_SYMBOLS)], "size": 14 if is_ref else 10,
                            "line": _ring(best[part.index])}
            if is_ref:
                marker["color"] = "#000"
            elif colour_by_quality:
                marker.update(color=values(part[q]), coloraxis="coloraxis")
            else:
                marker["color"] = PALETTE[i % len(PALETTE)]
            trace = {"type": "scatter", "mode": "markers+text" if is_ref else "markers",
                     "x": values(part["latency"]), "y": values(part["peak_memory"] / scale),
                     "error_x": error_bars(part["latency"], part["latency.p10"], part["latency.p90"]),
                     "marker": marker, "name": f"{text(machine)}: quality reference" if is_ref else text(machine),
                     "hovertext": hover(part, axes, data.quality), "hoverinfo": "text"}
            if is_ref:
                trace.update(text=["reference"] * len(part), textposition="top center")
            traces.append(trace)
        front = mr[pareto_mask(_objectives(mr, None))].sort_values("latency")
        traces.append({"type": "scatter", "mode": "lines", "x": values(front["latency"]),
                       "y": values(front["peak_memory"] / scale), "hoverinfo": "skip",
                       "line": {"dash": "dot", "color": PALETTE[i % len(PALETTE)]},
                       "name": f"{text(machine)}: latency–memory front"})
    extra: dict = {"yaxis": {"rangemode": "tozero"}}
    if not budget.empty:
        shape, label = hline(float(budget.max()) * GIB / scale, f"memory budget {budget.max():g} GiB")
        extra.update(shapes=[shape], annotations=[label])
    if colour_by_quality:
        scale_name = "Viridis" if direction(q) > 0 else "Viridis_r"
        extra["coloraxis"] = {"colorscale": scale_name, "colorbar": {"title": {"text": _qtitle(q)}}}
    objectives = "latency, memory and " + q if colour_by_quality else "latency and memory"
    title = (f"{scenario}: latency vs peak memory" + (f", colour: {q}" if colour_by_quality else "")
             + f" (ringed: Pareto-optimal in {objectives}; whiskers: p10–p90)")
    return figure(traces, title, height=480, x="latency, median (s)", y=f"peak memory ({unit})", **extra)


def _latency_quality(data: ReportData, scenario: str, runs: pd.DataFrame, q: str) -> dict:
    traces: list[dict] = []
    axes = data.axes.get(scenario, [])
    ys, top = quality_y(runs[q])
    for i, (machine, mr) in enumerate(runs.groupby("machine", sort=True)):
        mr = mr[mr[q].notna()]
        if mr.empty:
            continue
        best = pd.Series(pareto_mask(_objectives(mr, q, memory=False)), index=mr.index)
        for is_ref, part in mr.groupby("reference", sort=True):
            trace = {"type": "scatter", "mode": "markers+text" if is_ref else "markers",
                     "x": values(part["latency"]), "y": values(ys[part.index]),
                     "error_x": error_bars(part["latency"], part["latency.p10"], part["latency.p90"]),
                     "name": f"{text(machine)}: quality reference" if is_ref else text(machine),
                     "hovertext": hover(part, axes, data.quality), "hoverinfo": "text",
                     "marker": {"symbol": "star" if is_ref else _SYMBOLS[i % len(_SYMBOLS)], "size": 14 if is_ref else 10,
                                "color": "#000" if is_ref else PALETTE[i % len(PALETTE)], "line": _ring(best[part.index])}}
            if is_ref:
                trace.update(text=["reference"] * len(part), textposition="bottom center")
            traces.append(trace)
        front = mr[best.to_numpy()].sort_values("latency")
        traces.append({"type": "scatter", "mode": "lines", "x": values(front["latency"]),
                       "y": values(ys[front.index]), "hoverinfo": "skip",
                       "line": {"dash": "dot", "color": PALETTE[i % len(PALETTE)]},
                       "name": f"{text(machine)}: Pareto front"})
    better = "higher" if direction(q) > 0 else "lower"
    where = f"; reference (∞) drawn at the top, {top:.4g}" if top is not None else ""
    extra: dict = {}
    floors = sorted({v["quality"][q]["floor"] for v in runs["verdict_detail"] if q in (v.get("quality") or {})})
    if floors:
        floor = floors[-1] if direction(q) > 0 else floors[0]  # the strictest, where budgets differ
        shape, label = hline(floor, f"{BY_NAME[q].label} floor {floor:g}")
        extra.update(shapes=[shape], annotations=[label])
    return figure(traces, f"{scenario}: latency vs {q} ({better} is better; ringed: Pareto-optimal; "
                          f"whiskers: p10–p90{where})", x="latency, median (s)", y=_qtitle(q), **extra)


def quality_y(scores: pd.Series) -> tuple[pd.Series, float | None]:
    """Scores as plotted: an infinite score (a reference's PSNR) drawn just beyond the finite ones.

    >>> ys, top = quality_y(pd.Series([30.0, 40.0, float("inf")]))
    >>> ys.tolist(), top
    ([30.0, 40.0, 42.0], 42.0)
    """
    finite = scores[np.isfinite(scores.to_numpy(float))]
    if not np.isinf(scores.to_numpy(float)).any():
        return scores, None
    lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 0.0)
    top = hi + max(0.2 * (hi - lo), 2.0)
    return scores.where(~np.isposinf(scores.to_numpy(float)), top).where(~np.isneginf(scores.to_numpy(float)),
                                                                            lo - max(0.2 * (hi - lo), 2.0)), top


def _qtitle(q: str) -> str:
    return BY_NAME[q].title
