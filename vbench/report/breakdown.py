"""Where the time and memory go: per-stage time, per-step latency curves, memory per stage.

With many runs only a spread of them is drawn (evenly spaced through the runs sorted by scenario,
machine and latency), and the figure title says how many of how many.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vbench.record import STAGES
from vbench.report.data import ReportData, memory_unit
from vbench.report.figure import PALETTE, figure, note, text, to_div, values

MAX_BARS = 40
MAX_CURVES = 12
#: Stages in pipeline order; others follow alphabetically.
STAGE_ORDER = list(STAGES)


def pick(runs: pd.DataFrame, limit: int) -> pd.DataFrame:
    """At most ``limit`` runs, evenly spaced through ``runs`` sorted by scenario, machine, latency."""
    runs = runs.sort_values(["scenario", "machine", "latency"], kind="stable")
    if len(runs) <= limit:
        return runs
    return runs.iloc[np.linspace(0, len(runs) - 1, limit).round().astype(int)]


def _names(runs: pd.DataFrame) -> list[str]:
    """One distinct name per run: its short label, with the scenario and machine where several are
    drawn (a short label is unique within a scenario and machine only), then its run_id if needed."""
    scenarios, machines = runs["scenario"].nunique() > 1, runs["machine"].nunique() > 1
    names = [" · ".join([str(r.label), *([str(r.scenario)] if scenarios else []), *([str(r.machine)] if machines else [])])
             for r in runs.itertuples()]
    clash = {n for n in names if names.count(n) > 1}
    return [text(f"{n} ({r.run_id})" if n in clash else n) for n, r in zip(names, runs.itertuples(), strict=True)]


def _shown(n: int, total: int) -> str:
    return "" if n == total else f" ({n} of {total} runs shown)"


def figures(data: ReportData) -> str:
    ok = data.ok.dropna(subset=["latency"])
    return "\n".join([_stages(ok), _steps(ok), _memory(ok), _host_memory(ok)])


def _ordered(columns: list[str], prefix: str) -> list[str]:
    names = [c[len(prefix):] for c in columns if c.startswith(prefix)]
    return sorted(names, key=lambda s: (STAGE_ORDER.index(s) if s in STAGE_ORDER else len(STAGE_ORDER), s))


def _stages(ok: pd.DataFrame) -> str:
    stages = [s for s in _ordered(list(ok.columns), "stage:") if ok[f"stage:{s}"].notna().any()]
    if not stages:
        return note("No per-stage times in these results.")
    has = ok.dropna(subset=[f"stage:{s}" for s in stages], how="all")
    runs = pick(has, MAX_BARS)
    names = _names(runs)
    traces = [{"type": "bar", "orientation": "h", "y": names, "x": values(runs[f"stage:{stage}"]), "name": text(stage),
               "marker": {"color": PALETTE[i % len(PALETTE)]},
               "hovertemplate": f"%{{y}}<br>{text(stage)}: %{{x:.4g}} s<extra></extra>"} for i, stage in enumerate(stages)]
    return to_div(figure(traces, f"Time per stage, median (s){_shown(len(runs), len(has))}", barmode="stack",
                         x="seconds", height=max(300, 140 + 22 * len(runs)), yaxis={"autorange": "reversed"},
                         legend={"y": 1.0, "x": 1.01, "orientation": "v"}))


def _steps(ok: pd.DataFrame) -> str:
    has = ok[ok["steps"].map(lambda s: isinstance(s, list))]
    if has.empty:
        return note("No per-step times in these results (the pipeline had no step callback).")
    runs = pick(has, MAX_CURVES)
    traces = [{"type": "scatter", "mode": "lines+markers", "x": list(range(1, len(steps) + 1)), "y": values(steps),
               "name": name, "line": {"color": PALETTE[i % len(PALETTE)]},
               "hovertemplate": f"{name}<br>step %{{x}}: %{{y:.4g}} s<extra></extra>"}
              for i, (name, steps) in enumerate(zip(_names(runs), runs["steps"], strict=True))]
    return to_div(figure(traces, f"Latency per denoising step, median over calls{_shown(len(runs), len(has))}",
                         x="step", y="seconds", legend={"y": -0.25}, xaxis={"dtick": 1}))


def _memory(ok: pd.DataFrame) -> str:
    return _stage_bars(ok, "memstage:", "Peak allocated memory per stage",
                       "No device memory per stage: it needs the CUDA allocator, and no run here has it.")


def _host_memory(ok: pd.DataFrame) -> str:
    return _stage_bars(ok, "hoststage:", "Host RSS rise per stage, above the RSS at its start",
                       "No host memory per stage: it needs Linux with /proc/self/clear_refs writable.")


def _stage_bars(ok: pd.DataFrame, prefix: str, title: str, missing: str) -> str:
    stages = [s for s in _ordered(list(ok.columns), prefix) if ok[f"{prefix}{s}"].notna().any()]
    if not stages:
        return note(missing)
    has = ok.dropna(subset=[f"{prefix}{s}" for s in stages], how="all")
    runs = pick(has, MAX_BARS)
    names = _names(runs)
    scale, unit = memory_unit(*(runs[f"{prefix}{stage}"] for stage in stages))
    traces = [{"type": "bar", "orientation": "h", "y": names, "x": values(runs[f"{prefix}{stage}"] / scale),
               "name": text(stage), "marker": {"color": PALETTE[i % len(PALETTE)]},
               "hovertemplate": f"%{{y}}<br>{text(stage)}: %{{x:.3g}} {unit}<extra></extra>"} for i, stage in enumerate(stages)]
    return to_div(figure(traces, f"{title} ({unit}){_shown(len(runs), len(has))}", barmode="group",
                         x=unit, xaxis={"rangemode": "tozero"}, height=max(300, 140 + 7 * len(stages) * len(runs)), yaxis={"autorange": "reversed"},
                         legend={"y": 1.0, "x": 1.01, "orientation": "v"}))
