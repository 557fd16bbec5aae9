"""The report's view of stored results: one row per run with plain, named columns.

:func:`prepare` turns the flat frame of :func:`vbench.results.load` (dotted columns, raw samples
in cells) into the few numbers every figure needs -- latency, frames/s, the best available memory
peak and its source, energy per video, quality scores when the records have them -- plus the
machine each run ran on and its sweep axes. Fields a record lacks become NaN, never 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vbench.record import ALLOCATOR_STAGES, BY_NAME, HOST_STAGES, METRICS, QUALITY, STAGE_TIMES

GB = 1e9


@dataclass
class ReportData:
    """Runs ready to draw: ``runs`` has one row per record, with the columns listed in :func:`prepare`."""

    runs: pd.DataFrame
    axes: dict[str, list[str]] = field(default_factory=dict)  #: scenario -> its sweep axes
    quality: list[str] = field(default_factory=list)  #: quality metric names present, e.g. ["psnr"]
    machines: pd.DataFrame = field(default_factory=pd.DataFrame)  #: one row per machine
    problems: list[str] = field(default_factory=list)  #: unreadable lines of the results files

    @property
    def ok(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] == "ok"]

    @property
    def primary_quality(self) -> str | None:
        """The quality metric used as colour in the Pareto views: the first of the table's quality
        metrics with a better direction (PSNR, else SSIM, LPIPS, FVD …) that the runs have."""
        return next((q.name for q in QUALITY if q.higher_is_better is not None and q.name in self.quality), None)


def direction(name: str) -> int:
    """+1 where a higher value of metric ``name`` is better, -1 where lower is, 0 where neither."""
    better = BY_NAME[name].higher_is_better
    return 0 if better is None else 1 if better else -1



def prepare(frame: pd.DataFrame) -> ReportData:
    """Derive the report's columns from a :func:`vbench.results.load` frame.

    Columns of ``ReportData.runs``: ``run_id label scenario status reason machine session started_at
    reference_id config_id prompt videos_per_call budget_gb outputs_video source_file steps``; one
    column per metric of :data:`vbench.record.METRICS` that any record holds, named by the metric
    (``latency``, ``peak_memory``, ``psnr`` …, the number at its ``value_path``); ``latency.p90``
    and ``peak_memory.source``; ``axis:<name>`` per sweep axis, ``stage:<name>`` (median seconds),
    ``memstage:<name>`` (allocator peak bytes) and ``hoststage:<name>`` (host RSS rise) per stage.
    """
    col = _getter(frame)
    runs = pd.DataFrame(index=frame.index)
    runs["run_id"] = col("run_id", "").astype(str)
    label = col("label", None)
    runs["label"] = [str(lb) if _present(lb) else rid for lb, rid in zip(label, runs["run_id"], strict=True)]
    for name in ("scenario", "status", "reason", "session", "started_at", "reference_id",
                 "config_id", "role", "source_file"):
        runs[name] = [(None if not _present(v) else str(v)) for v in col(name, None)]
    runs["status"] = runs["status"].fillna("unknown")
    runs["prompt"] = [str(v) if _present(v) else "" for v in col("spec.workload.prompt", None)]
    quality = []
    for m in METRICS:
        values = _num(col(m.value_path))
        if m.group == "quality" and not values.notna().any():
            continue  # a quality metric no record scored gets no column
        runs[m.name] = values
        if m.group == "quality":
            quality.append(m.name)
    runs["latency.p90"] = _num(col("timing.e2e.p90"))
    runs["peak_memory.source"] = [str(v) if _present(v) else None for v in col("memory.peak.source", None)]
    runs["videos_per_call"] = _num(col("spec.workload.num_videos_per_prompt")).fillna(1.0)
    runs["budget_gb"] = _num(col("spec.limits.memory_budget_gb"))
    runs["outputs_video"] = [v if isinstance(v, str) else None for v in col("outputs.video", None)]
    for prefix, key, name in ((STAGE_TIMES, "median", "stage"), (ALLOCATOR_STAGES, "peak_allocated_bytes", "memstage"),
                              (HOST_STAGES, "delta_rss_bytes", "hoststage")):
        for c in frame.columns:  # per-stage medians and memory, for the breakdowns
            if c.startswith(f"{prefix}.") and c.endswith(f".{key}"):
                runs[f"{name}:{c[len(prefix) + 1:-len(key) - 1]}"] = _num(frame[c])
    runs["steps"] = [v if isinstance(v, list) and v else None for v in col("timing.steps.median_by_step", None)]
    machine_names, machines = _machines(frame)
    runs["machine"] = machine_names
    axes: dict[str, list[str]] = {}
    for c in frame.columns:
        if c.startswith("spec.axes."):
            axis = c[len("spec.axes."):]
            present = frame[c].map(lambda v: v is None or _present(v)).to_numpy(bool)
            members = set(runs.loc[present, "scenario"].dropna())
            for scen in sorted(members):
                axes.setdefault(scen, []).append(axis)
            # null settings may come back as NaN: "none" within the axis's scenarios, blank elsewhere
            runs[f"axis:{axis}"] = [_axis_value(v) if _present(v) or s not in members else "none"
                                    for v, s in zip(frame[c], runs["scenario"], strict=True)]
    runs = runs.reset_index(drop=True)
    return ReportData(runs=runs, axes=axes, quality=quality, machines=machines,
                      problems=list(frame.attrs.get("problems", [])))


def _getter(frame: pd.DataFrame):
    def col(name: str, default: Any = np.nan) -> pd.Series:
        if name in frame.columns:
            return frame[name]
        return pd.Series([default] * len(frame), index=frame.index, dtype=object)
    return col


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return value is not pd.NA


def _num(series: pd.Series) -> pd.Series:
    def one(v: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            return math.nan
        return float(v)
    return pd.Series([one(v) for v in series], index=series.index, dtype=float)


def _axis_value(value: Any) -> str | None:
    """An axis setting as text: ``None`` (set to null) is "none"; NaN (axis not in this run) is None."""
    if isinstance(value, (list, tuple)):
        return str(list(value))
    if value is None:
        return "none"
    if not _present(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _machines(frame: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    """A readable machine name per run (GPU, else CPU model; the host added when names clash)."""
    col = _getter(frame)
    gpu, count = col("env.gpu.name", None), _num(col("env.gpu.count"))
    cpu = col("env.cpu.model", None)
    host = col("env.host", None)
    base: list[str | None] = []
    for g, k, c in zip(gpu, count, cpu, strict=True):
        if _present(g):
            base.append(f"{int(k)}× {g}" if k and k > 1 else str(g))
        elif _present(c):
            base.append(f"CPU {c}")
        else:
            base.append(None)
    hosts = [str(h) if _present(h) else None for h in host]
    clash = {b for b in set(base) if b and len({h for bb, h in zip(base, hosts, strict=True) if bb == b}) > 1}
    names = [f"{b} @ {h}" if b in clash else b for b, h in zip(base, hosts, strict=True)]
    # A record without an environment (a run that failed early) ran where its session file did.
    source = list(col("source_file", None))
    by_file: dict[Any, str] = {}
    for s, name in zip(source, names, strict=True):
        if name and s not in by_file:
            by_file[s] = name
    names = [name or by_file.get(s) or "unknown machine" for s, name in zip(source, names, strict=True)]
    detail_cols = {"gpu": "env.gpu.name", "gpu_memory_bytes": "env.gpu.memory_bytes", "driver": "env.gpu.driver",
                   "cuda": "env.cuda", "torch": "env.versions.torch", "diffusers": "env.versions.diffusers",
                   "vbench": "env.versions.vbench", "host": "env.host", "cpu": "env.cpu.model"}
    rows = []
    for name in dict.fromkeys(names):
        idx = [i for i, nm in enumerate(names) if nm == name]
        row: dict[str, Any] = {"machine": name, "runs": len(idx)}
        for key, c in detail_cols.items():
            values = [v for v in col(c, None).iloc[idx] if _present(v)]
            row[key] = values[0] if values else None
        rows.append(row)
    return names, pd.DataFrame(rows)


def fmt_bytes(value: float) -> str:
    """Bytes as GB with 2 decimals, or an em dash when unknown."""
    return "—" if value is None or not math.isfinite(value) else f"{value / GB:.2f} GB"


def fmt_num(value: Any, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, or an em dash when unknown."""
    if value is None or not isinstance(value, (int, float, np.integer, np.floating)) or not math.isfinite(value):
        return "—"
    return f"{value:.{digits}g}" if abs(value) < 10 ** digits else f"{value:,.0f}"
