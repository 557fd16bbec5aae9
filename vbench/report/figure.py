"""Plotly figures as plain dicts, and their page fragments: one ``<div>`` and one script each.

Figures are built as the JSON plotly.js reads (``{"data": [...], "layout": {...}}``) rather than
through ``plotly.graph_objects``, whose validation costs more than the rest of a 500-run report.
plotly.js itself is inlined once by :mod:`vbench.report.page`. Every text a user wrote (labels,
prompts, scenario names) goes through :func:`text` first, because plotly renders a subset of
HTML inside labels.
"""

from __future__ import annotations

import html
import json
import math
from itertools import count
from typing import Any

import numpy as np

#: Colours for machines and groups (colour-blind safe, Okabe–Ito).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
_CONFIG = {"responsive": True, "displaylogo": False}
_GRID = {"showgrid": True, "gridcolor": "#e5e5e5", "zeroline": False, "automargin": True}
_ids = count()


def text(value: Any) -> str:
    """User text made safe for plotly labels (it interprets a few HTML tags)."""
    return html.escape("" if value is None else str(value), quote=False)


def values(series: Any) -> list:
    """A column as a JSON list: numpy/pandas values to Python, NaN to null (a gap)."""
    out = []
    for v in list(series):
        if isinstance(v, (np.floating, float)):
            v = float(v)
            out.append(v if math.isfinite(v) else None)
        elif isinstance(v, np.integer):
            out.append(int(v))
        elif isinstance(v, np.bool_):
            out.append(bool(v))
        else:
            out.append(v)
    return out


def figure(traces: list[dict], title: str, *, height: int = 420, x: str | None = None, y: str | None = None,
           **layout: Any) -> dict:
    """A figure in the house style: a title, light grids, axis titles, legend below unless told."""
    lay: dict[str, Any] = {"title": {"text": text(title), "x": 0.01}, "height": height,
                           "margin": {"l": 70, "r": 30, "t": 60, "b": 60}, "hoverlabel": {"align": "left"},
                           "legend": {"orientation": "h", "y": -0.22}, "paper_bgcolor": "#fff", "plot_bgcolor": "#fff",
                           "font": {"size": 12},
                           "xaxis": {**_GRID, **({"title": {"text": x}} if x else {})},
                           "yaxis": {**_GRID, **({"title": {"text": y}} if y else {})}}
    for key, value in layout.items():
        if isinstance(value, dict) and isinstance(lay.get(key), dict):
            lay[key] = {**lay[key], **value}
        else:
            lay[key] = value
    return {"data": traces, "layout": lay}


def subplots(n: int, titles: list[str], gap: float = 0.07) -> dict[str, Any]:
    """Layout entries for ``n`` side-by-side plots: axes ``x``, ``x2`` … with their domains and titles."""
    width = (1 - gap * (n - 1)) / n
    layout: dict[str, Any] = {"annotations": []}
    for i in range(n):
        lo = i * (width + gap)
        sx = "" if i == 0 else str(i + 1)
        layout[f"xaxis{sx}"] = {**_GRID, "domain": [lo, lo + width], "anchor": f"y{sx}"}
        layout[f"yaxis{sx}"] = {**_GRID, "anchor": f"x{sx}"}
        layout["annotations"].append({"text": text(titles[i]), "xref": "paper", "yref": "paper", "x": lo + width / 2,
                                      "y": 1.0, "xanchor": "center", "yanchor": "bottom", "showarrow": False})
    return layout


def error_bars(median, p10, p90) -> dict:
    """Plotly error bars from the median to p10 and p90 of each point (none where unknown)."""
    med = np.asarray(values(median), dtype=float)
    lo, hi = np.asarray(values(p10), dtype=float), np.asarray(values(p90), dtype=float)
    return {"type": "data", "symmetric": False, "array": values(np.maximum(hi - med, 0)),
            "arrayminus": values(np.maximum(med - lo, 0)), "thickness": 1.2, "width": 3, "color": "#555"}


def hline(y: float, label: str, color: str = "#D55E00") -> tuple[dict, dict]:
    """A dashed horizontal line across the plot and its label: ``(shape, annotation)``."""
    return ({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": y, "y1": y,
             "line": {"color": color, "dash": "dash", "width": 2}},
            {"text": text(label), "xref": "paper", "x": 0.01, "yref": "y", "y": y, "xanchor": "left",
             "yanchor": "bottom", "showarrow": False, "font": {"color": color}})


def to_div(fig: dict) -> str:
    """The figure as an HTML fragment that draws itself with the page's plotly.js."""
    div_id = f"fig-{next(_ids)}"
    spec = json.dumps(fig, separators=(",", ":"), allow_nan=False, default=_default)
    spec = spec.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (f'<div class="figure" id="{div_id}"></div>\n'
            f'<script>(function(){{var f={spec};Plotly.newPlot("{div_id}",f.data,f.layout,'
            f'{json.dumps(_CONFIG)});}})();</script>')


def _default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return values(value)
    if isinstance(value, np.generic):
        return values([value])[0]
    raise TypeError(f"cannot put {type(value).__name__} into a figure")


def note(message: str) -> str:
    """A short explanation shown where a figure would be (e.g. why it is absent)."""
    return f'<p class="note">{html.escape(message)}</p>'
