"""Pareto views: latency against peak memory (quality as colour) and latency against quality.

Runs of different machines are never on one frontier: each machine of a scenario gets its own
frontier, drawn as a line through its Pareto-optimal runs, which are also marked with a ring.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vbench.record import BY_NAME
from vbench.report.data import GB, ReportData, direction
from vbench.report.figure import PALETTE, figure, hline, note, text, to_div, values

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
    """One hover text per run: label, machine, the numbers and the swept settings (escaped)."""
    lines = []
    for r in runs.to_dict("records"):
        parts = [f"<b>{text(r['label'])}</b>", text(r["machine"]),
                 f"latency {r['latency']:.4g} s (p90 {r['latency.p90']:.4g} s)",
                 f"peak memory {r['peak_memory'] / GB:.3g} GB ({text(r['peak_memory.source'])})"]
        parts += [f"{text(q)} {r[q]:.4g}" for q in quality if pd.notna(r.get(q))]
        parts += [f"{text(a)} = {text(r[f'axis:{a}'])}" for a in axes if r.get(f"axis:{a}") is not None]
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
        # a run that is its own reference is not scored against itself: its fidelity is perfect
        quality = np.where(runs[q].isna() & runs["reference_id"].isna(), np.inf * direction(q),
                           runs[q].to_numpy(float))
        cols.append(-direction(q) * quality)
    return np.column_stack(cols)


def _latency_memory(data: ReportData, scenario: str, runs: pd.DataFrame, q: str | None) -> dict:
    traces: list[dict] = []
    axes = data.axes.get(scenario, [])
    colour_by_quality = q is not None and runs[q].notna().any()
    for i, (machine, mr) in enumerate(runs.groupby("machine", sort=True)):
        best = pareto_mask(_objectives(mr, q))
        marker: dict = {"symbol": _SYMBOLS[i % len(_SYMBOLS)], "size": 10,
                        "line": {"width": [3 if b else 0.5 for b in best], "color": "#000"}}
        if colour_by_quality:
            marker.update(color=values(mr[q]), coloraxis="coloraxis")
        else:
            marker["color"] = PALETTE[i % len(PALETTE)]
        traces.append({"type": "scatter", "mode": "markers", "x": values(mr["latency"]),
                       "y": values(mr["peak_memory"] / GB), "marker": marker, "name": text(machine),
                       "text": hover(mr, axes, data.quality), "hoverinfo": "text"})
        front = mr[pareto_mask(_objectives(mr, None))].sort_values("latency")
        traces.append({"type": "scatter", "mode": "lines", "x": values(front["latency"]),
                       "y": values(front["peak_memory"] / GB), "hoverinfo": "skip",
                       "line": {"dash": "dot", "color": PALETTE[i % len(PALETTE)]},
                       "name": f"{text(machine)}: latency–memory front"})
    extra: dict = {}
    budget = runs["budget_gb"].dropna()
    if not budget.empty:
        shape, label = hline(float(budget.max()), f"memory budget {budget.max():g} GB")
        extra.update(shapes=[shape], annotations=[label])
    if colour_by_quality:
        scale = "Viridis" if direction(q) > 0 else "Viridis_r"
        extra["coloraxis"] = {"colorscale": scale, "colorbar": {"title": {"text": _qtitle(q)}}}
    objectives = "latency, memory and " + q if colour_by_quality else "latency and memory"
    title = (f"{scenario}: latency vs peak memory" + (f", colour: {q}" if colour_by_quality else "")
             + f" (ringed: Pareto-optimal in {objectives})")
    return figure(traces, title, height=480, x="latency, median (s)", y="peak memory (GB)", **extra)


def _latency_quality(data: ReportData, scenario: str, runs: pd.DataFrame, q: str) -> dict:
    traces: list[dict] = []
    axes = data.axes.get(scenario, [])
    for i, (machine, mr) in enumerate(runs.groupby("machine", sort=True)):
        mr = mr.dropna(subset=[q])
        if mr.empty:
            continue
        best = pareto_mask(_objectives(mr, q, memory=False))
        traces.append({"type": "scatter", "mode": "markers", "x": values(mr["latency"]), "y": values(mr[q]),
                       "name": text(machine), "text": hover(mr, axes, data.quality), "hoverinfo": "text",
                       "marker": {"symbol": _SYMBOLS[i % len(_SYMBOLS)], "size": 10, "color": PALETTE[i % len(PALETTE)],
                                  "line": {"width": [3 if b else 0.5 for b in best], "color": "#000"}}})
        front = mr[best].sort_values("latency")
        traces.append({"type": "scatter", "mode": "lines", "x": values(front["latency"]),
                       "y": values(front[q]), "hoverinfo": "skip",
                       "line": {"dash": "dot", "color": PALETTE[i % len(PALETTE)]},
                       "name": f"{text(machine)}: Pareto front"})
    better = "higher" if direction(q) > 0 else "lower"
    return figure(traces, f"{scenario}: latency vs {q} ({better} is better; ringed: Pareto-optimal)",
                  x="latency, median (s)", y=_qtitle(q))


def _qtitle(q: str) -> str:
    return BY_NAME[q].title
