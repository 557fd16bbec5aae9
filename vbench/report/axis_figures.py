"""One figure per sweep axis: how latency, memory and quality move along it.

Runs are grouped by everything else that was swept (and the machine), so each line changes one
setting only. Runs that differ only in prompt or seed are folded into their median; the latency
whiskers are p10–p90 of their raw samples together. An axis whose values are all numbers (steps,
frames, resolution) is drawn as a number line; any other (precision, attention backend, on/off
switches, a setting that may be "none") as categories, in a fixed order and without a trend
between them. Memory starts at zero. A quality reference (scored against itself) is drawn as a
star labelled "reference"; its infinite PSNR sits at the top of the PSNR panel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vbench.record import BY_NAME
from vbench.report.data import ReportData, memory_unit
from vbench.report.figure import PALETTE, error_bars, figure, note, subplots, text, to_div, values
from vbench.report.pareto import quality_y

#: Lines drawn with a legend entry; the rest are drawn thin and grey.
MAX_LEGEND_LINES = 10


def figures(data: ReportData) -> str:
    """Every (scenario, axis) pair with at least two values among the finished runs."""
    out = []
    ok = data.ok.dropna(subset=["latency"])
    for scenario in sorted(data.axes):
        runs = ok[ok["scenario"] == scenario]
        for axis in data.axes[scenario]:
            if runs[f"axis:{axis}"].nunique() < 2:
                continue
            if axis == "optimizations.cache_options" and "optimizations.cache" in data.axes[scenario]:
                continue  # each cache's own settings: the cache axis's figure groups its runs by them

            out.append(to_div(axis_figure(data, scenario, axis, runs)))
    if not out:
        return note("No sweep axis has two or more finished values.")
    return "\n".join(out)


def numeric(values_: pd.Series) -> bool:
    """Whether an axis is a number line: every value it takes is a number (not a switch, not "none").

    >>> numeric(pd.Series(["2", "4", "50"])), numeric(pd.Series(["fp32", "bf16"])), numeric(pd.Series(["True", "False"]))
    (True, False, False)
    """
    seen = [v for v in values_.dropna().unique()]
    if not seen:
        return False
    try:
        [float(v) for v in seen if str(v) not in ("True", "False")]
    except ValueError:
        return False
    return all(str(v) not in ("True", "False", "nan", "inf") for v in seen)


def _order(values_: pd.Series) -> list[str]:
    """Category values in a readable order: "none" first, numbers by value, other text as first seen."""
    uniq = list(dict.fromkeys(v for v in values_ if v is not None and not (isinstance(v, float) and pd.isna(v))))

    def key(item: tuple[int, str]) -> tuple:
        pos, v = item
        if v == "none":
            return (0, 0.0, pos)
        try:
            return (1, float(v), pos)
        except ValueError:
            return (2, 0.0, pos)
    return [v for _, v in sorted(enumerate(uniq), key=key)]


def _folded(group: pd.DataFrame, cols: list[str]) -> pd.Series:
    """One point of runs that differ only in prompt or seed: medians, and p10–p90 of every sample."""
    samples = [x for s in group["samples"] if isinstance(s, list) for x in s]
    p10, p90 = np.percentile(samples, [10, 90]) if samples else (np.nan, np.nan)
    return pd.Series({**group[cols].median().to_dict(), "latency.p10": p10, "latency.p90": p90,
                      "reference": bool(group["reference"].all())})


def axis_figure(data: ReportData, scenario: str, axis: str, runs: pd.DataFrame) -> dict:
    q = data.primary_quality
    scale, unit = memory_unit(runs["peak_memory"])
    metrics = [("latency", BY_NAME["latency"].title, 1.0),
               ("peak_memory", f"{BY_NAME['peak_memory'].label} ({unit})", 1 / scale)]
    if q is not None and runs[q].notna().any():
        metrics.append((q, BY_NAME[q].title, 1.0))
    others = [f"axis:{a}" for a in data.axes[scenario] if a != axis]
    keys = ["machine", *others]
    xcol = f"axis:{axis}"
    cols = [m for m, _, _ in metrics]
    agg = runs.groupby([*keys, xcol], sort=False, dropna=False)[[*cols, "samples", "reference"]].apply(
        _folded, cols).reset_index()
    agg["reference"] = agg["reference"].astype(bool)
    is_number = numeric(agg[xcol])
    order = sorted(agg[xcol].dropna().unique(), key=float) if is_number else _order(agg[xcol])
    rank = {x: i for i, x in enumerate(order)}
    ys, top = quality_y(agg[q]) if len(metrics) == 3 else (None, None)
    traces: list[dict] = []
    groups = list(agg.groupby(keys, sort=True, dropna=False))
    for gi, (key, g) in enumerate(groups):
        key = key if isinstance(key, tuple) else (key,)
        g = g.sort_values(xcol, key=lambda s: s.map(rank))
        x = values(g[xcol].astype(float)) if is_number else values(g[xcol])
        name = ", ".join([text(key[0])] + [f"{text(k[5:])}={text(v)}" for k, v in zip(others, key[1:], strict=True)])
        legend = gi < MAX_LEGEND_LINES
        style = ({"color": PALETTE[gi % len(PALETTE)], "width": 2} if legend else {"color": "#bbb", "width": 1})
        for mi, (column, _, factor) in enumerate(metrics, start=1):
            sx = "" if mi == 1 else str(mi)
            y = g[column] * factor if column != q else ys[g.index]
            trace = {"type": "scatter", "mode": "lines+markers", "x": x, "y": values(y), "xaxis": f"x{sx}",
                     "yaxis": f"y{sx}", "line": style, "name": name, "legendgroup": str(gi),
                     "marker": {"color": style["color"], "size": [13 if r else 7 for r in g["reference"]],
                                "symbol": ["star" if r else "circle" for r in g["reference"]]},
                     "showlegend": legend and mi == 1,
                     "hovertemplate": f"{name}<br>{text(axis)}=%{{x}}<br>%{{y:.4g}}%{{text}}<extra></extra>",
                     "text": [" (quality reference)" if r else "" for r in g["reference"]]}
            if column == "latency":
                trace["error_y"] = error_bars(g["latency"], g["latency.p10"], g["latency.p90"])
            traces.append(trace)
            if column == q and g["reference"].any():
                refs = g[g["reference"]]
                traces.append({"type": "scatter", "mode": "text", "x": [v for v, r in zip(x, g["reference"], strict=True) if r],
                               "y": values(ys[refs.index]), "xaxis": f"x{sx}", "yaxis": f"y{sx}",
                               "text": ["reference"] * len(refs), "textposition": "bottom center",
                               "showlegend": False, "hoverinfo": "skip", "legendgroup": str(gi)})
    layout = subplots(len(metrics), [t for _, t, _ in metrics])
    for mi in range(1, len(metrics) + 1):
        sx = "" if mi == 1 else str(mi)
        if is_number:
            layout[f"xaxis{sx}"].update(type="linear", title={"text": text(axis)})
        else:
            layout[f"xaxis{sx}"].update(type="category", categoryorder="array", categoryarray=order,
                                        title={"text": text(axis)})
    layout["yaxis2"].update(rangemode="tozero")
    extra = "" if len(groups) <= MAX_LEGEND_LINES else f" ({len(groups) - MAX_LEGEND_LINES} more groups in grey)"
    where = f"; the reference's ∞ {q} drawn at {top:.4g}" if top is not None else ""
    return figure(traces, f"{scenario}: sweep axis {axis}{extra} (latency whiskers: p10–p90{where})", height=440,
                  legend={"y": -0.3}, **layout)
