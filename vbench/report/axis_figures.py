"""One figure per sweep axis: how latency, memory and quality move along it.

Runs are grouped by everything else that was swept (and the machine), so each line changes one
setting only. Runs that differ only in prompt or seed are folded into their median.
"""

from __future__ import annotations

import pandas as pd

from vbench.record import BY_NAME
from vbench.report.data import GB, ReportData
from vbench.report.figure import PALETTE, figure, note, subplots, text, to_div, values

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
            out.append(to_div(_axis_figure(data, scenario, axis, runs)))
    if not out:
        return note("No sweep axis has two or more finished values.")
    return "\n".join(out)


def _order(values: pd.Series) -> list[str]:
    """Axis values in a readable order: "none" first, numbers by value, other text as first seen."""
    uniq = list(dict.fromkeys(v for v in values if v is not None and not (isinstance(v, float) and pd.isna(v))))

    def key(item: tuple[int, str]) -> tuple:
        pos, v = item
        if v == "none":
            return (0, 0.0, pos)
        try:
            return (1, float(v), pos)
        except ValueError:
            return (2, 0.0, pos)
    return [v for _, v in sorted(enumerate(uniq), key=key)]


def _axis_figure(data: ReportData, scenario: str, axis: str, runs: pd.DataFrame) -> dict:
    q = data.primary_quality
    metrics = [("latency", BY_NAME["latency"].title, 1.0), ("peak_memory", f"{BY_NAME['peak_memory'].label} (GB)",
                                                             1 / GB)]
    if q is not None and runs[q].notna().any():
        metrics.append((q, BY_NAME[q].title, 1.0))
    others = [f"axis:{a}" for a in data.axes[scenario] if a != axis]
    keys = ["machine", *others]
    xcol = f"axis:{axis}"
    cols = [m for m, _, _ in metrics]
    agg = runs.groupby([*keys, xcol], sort=False, dropna=False)[cols].median().reset_index()
    order = _order(agg[xcol])
    rank = {x: i for i, x in enumerate(order)}
    traces: list[dict] = []
    groups = list(agg.groupby(keys, sort=True, dropna=False))
    for gi, (key, g) in enumerate(groups):
        key = key if isinstance(key, tuple) else (key,)
        g = g.sort_values(xcol, key=lambda s: s.map(rank))
        name = ", ".join([text(key[0])] + [f"{text(k[5:])}={text(v)}" for k, v in zip(others, key[1:], strict=True)])
        legend = gi < MAX_LEGEND_LINES
        style = ({"color": PALETTE[gi % len(PALETTE)], "width": 2} if legend else {"color": "#bbb", "width": 1})
        for mi, (column, _, scale) in enumerate(metrics, start=1):
            sx = "" if mi == 1 else str(mi)
            traces.append({"type": "scatter", "mode": "lines+markers", "x": values(g[xcol]),
                           "y": values(g[column] * scale), "xaxis": f"x{sx}", "yaxis": f"y{sx}", "line": style,
                           "marker": {"color": style["color"]}, "name": name, "legendgroup": str(gi),
                           "showlegend": legend and mi == 1,
                           "hovertemplate": f"{name}<br>{text(axis)}=%{{x}}<br>%{{y:.4g}}<extra></extra>"})
    layout = subplots(len(metrics), [t for _, t, _ in metrics])
    for mi in range(1, len(metrics) + 1):
        sx = "" if mi == 1 else str(mi)
        layout[f"xaxis{sx}"].update(type="category", categoryorder="array", categoryarray=order,
                                    title={"text": text(axis)})
    extra = "" if len(groups) <= MAX_LEGEND_LINES else f" ({len(groups) - MAX_LEGEND_LINES} more groups in grey)"
    return figure(traces, f"{scenario}: sweep axis {axis}{extra}", height=440, legend={"y": -0.3}, **layout)
