"""Hardware comparison: the same run_ids on several machines, side by side, with ratios and cost.

The baseline is the machine with the most finished runs. A price per hour (``--price H100=2.49``)
is matched to a machine by a case-insensitive substring of its name; the longest match wins. With
results from one machine, a priced machine still gets its cost per video, run by run.

>>> round(cost_per_video(36.0, 1, 2.0), 4)  # 36 s at $2/h
0.02
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from vbench.report.data import ReportData, fmt_num, format_bytes
from vbench.report.figure import PALETTE, error_bars, figure, note, text, to_div, values

MAX_RUNS = 30


def price_for(machine: str, prices: Mapping[str, float]) -> float | None:
    """The price per hour of ``machine``: the longest key that is a substring of its name."""
    hits = [k for k in prices if k.lower() in machine.lower()]
    return prices[max(hits, key=len)] if hits else None


def cost_per_video(latency: float, videos_per_call: float, price: float | None) -> float:
    """US dollars per video: the median latency of a call over the videos it makes, at ``price`` $/h."""
    if price is None or not math.isfinite(latency):
        return math.nan
    videos = videos_per_call if videos_per_call and math.isfinite(videos_per_call) else 1.0
    return latency / videos * price / 3600


def section(data: ReportData, prices: Mapping[str, float] | None = None) -> str:
    prices = dict(prices or {})
    ok = data.ok.dropna(subset=["latency"])
    machines = ok["machine"].value_counts()
    if len(machines) < 2:
        out = [note("Results from one machine only: give results from several machines for a hardware comparison.")]
        if prices:
            out.append(_costs(ok, prices))
        return "\n".join(out)
    order = sorted(machines.index, key=lambda m: (-machines[m], m))
    base = order[0]
    # the latest record of each (run_id, machine)
    runs = ok.sort_values("started_at", na_position="first").drop_duplicates(["run_id", "machine"], keep="last")
    wide = runs.pivot(index="run_id", columns="machine", values="latency")
    shared = wide.dropna(thresh=2)
    if shared.empty:
        return note("The machines share no run_id (same settings), so they cannot be compared run by run.")
    labels = runs.drop_duplicates("run_id").set_index("run_id")["label"]
    memory = runs.pivot(index="run_id", columns="machine", values="peak_memory")
    per_video = runs.pivot(index="run_id", columns="machine", values="videos_per_call")
    cost = {m: price_for(m, prices) for m in order}
    spread = {k: runs.pivot(index="run_id", columns="machine", values=f"latency.{k}").reindex(shared.index)
              for k in ("p10", "p90")}
    out = [_summary(shared, order, base, cost)]
    out.append(_table(shared, memory, per_video, labels, order, base, cost))
    out.append(to_div(_figure(shared, labels, order, spread)))
    if prices and not any(cost.values()):
        out.append(note(f"No --price matched a machine name ({', '.join(prices)}); machines: {', '.join(order)}."))
    return "\n".join(out)


def _summary(shared: pd.DataFrame, order: list[str], base: str, cost: dict[str, float | None]) -> str:
    rows = []
    for m in order:
        pair = pd.DataFrame({"base": shared[base], "m": shared[m]}).dropna()
        ratio = float(np.exp(np.log(pair["m"] / pair["base"]).mean())) if len(pair) else math.nan
        price = cost[m]
        rows.append(f"<tr><td>{html.escape(m)}</td><td>{len(shared[m].dropna())}</td>"
                    f"<td>{fmt_num(ratio)}×</td><td>{'—' if price is None else f'${price:g}/h'}</td></tr>")
    return (f"<p>Baseline: <b>{html.escape(base)}</b>. Ratio = latency on the machine / latency on the baseline "
            "(geometric mean over shared runs; below 1 is faster).</p>"
            "<table class='data'><thead><tr><th>machine</th><th>shared runs</th><th>latency ratio</th>"
            f"<th>price</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _table(shared, memory, per_video, labels, order, base, cost) -> str:
    head = "".join(f"<th>{html.escape(m)}<br>latency (s)</th><th>ratio</th><th>peak memory</th>"
                   + ("<th>$ per video</th>" if cost[m] else "") for m in order)
    body = []
    for run_id, row in shared.iterrows():
        cells = [f"<td>{html.escape(str(labels.get(run_id, run_id)))}</td>"]
        for m in order:
            lat = row.get(m)
            ratio = lat / row[base] if pd.notna(lat) and pd.notna(row.get(base)) else math.nan
            mem = memory.at[run_id, m] if m in memory.columns else math.nan
            cells.append(f"<td>{fmt_num(lat)}</td><td>{fmt_num(ratio)}</td><td>{format_bytes(mem)}</td>")
            if cost[m]:
                videos = per_video.at[run_id, m] if m in per_video.columns else 1.0
                dollars = cost_per_video(lat, videos, cost[m])
                cells.append(f"<td>{'—' if math.isnan(dollars) else f'${dollars:.5f}'}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (f"<table class='data sortable'><thead><tr><th>run</th>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def _costs(ok: pd.DataFrame, prices: Mapping[str, float]) -> str:
    """Cost per video of every finished run on each priced machine (one machine's results too)."""
    out = []
    for machine, runs in ok.groupby("machine", sort=True):
        price = price_for(machine, prices)
        if price is None:
            out.append(note(f"No --price matched {machine} ({', '.join(prices)})."))
            continue
        rows = "".join(f"<tr><td>{html.escape(str(r.label))}</td><td class='num'>{fmt_num(r.latency)}</td>"
                       f"<td class='num'>${cost_per_video(r.latency, r.videos_per_call, price):.5f}</td></tr>"
                       for r in runs.sort_values("latency").itertuples())
        out.append(f"<p>Cost per video on <b>{html.escape(machine)}</b> at ${price:g}/h "
                   "(median latency of a call over its videos):</p>"
                   "<table class='data sortable cost'><thead><tr><th>run</th><th>latency median (s)</th>"
                   f"<th>$ per video</th></tr></thead><tbody>{rows}</tbody></table>")
    return "\n".join(out)


def _figure(shared: pd.DataFrame, labels: pd.Series, order: list[str], spread: dict[str, pd.DataFrame]) -> dict:
    rows = shared.iloc[:MAX_RUNS]
    names = [text(labels.get(r, r)) for r in rows.index]
    traces = []
    for i, m in enumerate(order):
        lo, hi = spread["p10"][m].iloc[:MAX_RUNS], spread["p90"][m].iloc[:MAX_RUNS]
        traces.append({"type": "bar", "x": names, "y": values(rows[m]), "name": text(m),
                       "marker": {"color": PALETTE[i % len(PALETTE)]},
                       "error_y": error_bars(rows[m], lo, hi),
                       "hovertemplate": f"{text(m)}<br>%{{x}}: %{{y:.4g}} s<extra></extra>"})
    shown = "" if len(shared) <= MAX_RUNS else f" (first {MAX_RUNS} of {len(shared)} shared runs)"
    return figure(traces, f"Latency by machine, same settings (bars: median; whiskers: p10–p90){shown}",
                  barmode="group", y="latency, median (s)", legend={"y": -0.35}, height=460)
