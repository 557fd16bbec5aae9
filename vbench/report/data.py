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

#: Quality metrics whose better direction is known: +1 higher is better, -1 lower is better.
QUALITY_DIRECTIONS = {"psnr": 1, "ssim": 1, "lpips": -1, "fvd": -1}
#: The units shown next to quality scores.
QUALITY_UNITS = {"psnr": "dB"}
#: Sub-fields of a quality entry that hold its value, in order of preference.
_VALUE_KEYS = ("value", "mean", "median", "score")
#: Sub-fields of a quality entry that are bookkeeping, not scores.
_NOT_SCORES = {"n", "unit", "reference_id", "per_frame", "samples", "stdev", "p90", "min", "max",
               "flagged", "rank_deficient", "frames", "version", "weights", "method", "n_videos",
               "n_frames", "schema", "elapsed_s", "seconds", "dim", "num_videos", "count", "videos",
               "scored_at", "device", "net", "n_reference", "identical_frames"}
#: Groups under ``quality.`` that hold bookkeeping, not scores (reasons; the region tOF was taken on).
_NOT_SCORE_GROUPS = {"unavailable", "tof_window"}

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
        """The quality metric used as colour in the Pareto views: PSNR, else SSIM, LPIPS, FVD."""
        return next((q for q in QUALITY_DIRECTIONS if q in self.quality), None)


def prepare(frame: pd.DataFrame) -> ReportData:
    """Derive the report's columns from a :func:`vbench.results.load` frame.

    Columns of ``ReportData.runs``: ``run_id label scenario status reason machine session started_at
    reference_id config_id prompt latency_s latency_p90_s fps mem_bytes mem_source energy_j
    budget_gb outputs_video source_file steps``, ``q_<metric>`` per quality metric, ``axis:<name>`` per
    sweep axis, ``stage:<name>`` (median seconds) and ``memstage:<name>`` (allocator peak bytes) per stage.
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
    runs["latency_s"] = _num(col("timing.e2e.median"))
    runs["latency_p90_s"] = _num(col("timing.e2e.p90"))
    runs["fps"] = _num(col("timing.fps.median"))
    runs["mem_bytes"] = _num(col("memory.peak.bytes"))
    runs["mem_source"] = [str(v) if _present(v) else None for v in col("memory.peak.source", None)]
    energy = _num(col("energy.joules_per_video.median"))
    runs["energy_j"] = energy.fillna(_num(col("energy.joules_per_video")))
    runs["videos_per_call"] = _num(col("spec.workload.num_videos_per_prompt")).fillna(1.0)
    runs["budget_gb"] = _num(col("spec.limits.memory_budget_gb"))
    runs["outputs_video"] = [v if isinstance(v, str) else None for v in col("outputs.video", None)]
    for c in frame.columns:  # per-stage medians and per-stage memory peaks, for the breakdowns
        if c.startswith("timing.stages.") and c.endswith(".median"):
            runs[f"stage:{c[len('timing.stages.'):-len('.median')]}"] = _num(frame[c])
        elif c.startswith("memory.allocator.stages.") and c.endswith(".peak_allocated_bytes"):
            runs[f"memstage:{c[len('memory.allocator.stages.'):-len('.peak_allocated_bytes')]}"] = _num(frame[c])
        elif c.startswith("memory.host.stages.") and c.endswith(".delta_rss_bytes"):
            runs[f"hoststage:{c[len('memory.host.stages.'):-len('.delta_rss_bytes')]}"] = _num(frame[c])
    runs["steps"] = [v if isinstance(v, list) and v else None for v in col("timing.steps.median_by_step", None)]
    quality = _quality_columns(frame)
    for name, values in quality.items():
        runs[f"q_{name}"] = values
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
    return ReportData(runs=runs, axes=axes, quality=list(quality), machines=machines,
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


def _quality_columns(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """One numeric series per quality metric found under ``quality.``.

    A metric may be stored as a number (``quality.psnr``) or as an entry with its value and
    bookkeeping (``quality.psnr.value``, ``quality.psnr.per_frame`` …); nested groups such as
    ``quality.temporal.mafd_gap`` keep their path as the name (``temporal.mafd_gap``).
    """
    candidates: dict[str, list[tuple[int, str]]] = {}
    for c in frame.columns:
        if not c.startswith("quality."):
            continue
        parts = c[len("quality."):].split(".")
        if parts[-1] in _NOT_SCORES or _NOT_SCORE_GROUPS & set(parts) or parts[-1].endswith("_ref"):  # _ref: the reference's own
            continue
        rank = len(_VALUE_KEYS)
        if parts[-1] in _VALUE_KEYS and len(parts) > 1:
            rank = _VALUE_KEYS.index(parts[-1])
            parts = parts[:-1]
        name = ".".join(parts)
        values = _num(frame[c])
        if values.notna().any():
            candidates.setdefault(name, []).append((rank, c))
    out: dict[str, pd.Series] = {}
    for name in sorted(candidates, key=lambda q: (q not in QUALITY_DIRECTIONS, list(QUALITY_DIRECTIONS).index(q)
                                                  if q in QUALITY_DIRECTIONS else 0, q)):
        ranked = sorted(candidates[name])
        series = _num(frame[ranked[0][1]])
        for _, c in ranked[1:]:
            series = series.fillna(_num(frame[c]))
        out[name] = series
    return out


def _machines(frame: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    """A readable machine name per run (GPU, else CPU model; the host added when names clash)."""
    col = _getter(frame)
    gpu, count = col("env.gpu.name", None), _num(col("env.gpu.count"))
    cpu = col("env.cpu.model", None)
    cpu_plain = col("env.cpu", None)
    host = col("env.host", None)
    base: list[str | None] = []
    for g, k, c, c2 in zip(gpu, count, cpu, cpu_plain, strict=True):
        if _present(g):
            base.append(f"{int(k)}× {g}" if k and k > 1 else str(g))
        elif _present(c) or isinstance(c2, str):
            base.append(f"CPU {c if _present(c) else c2}")
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
            if not values and key in ("torch", "diffusers", "cpu"):
                alt = {"torch": "env.torch", "diffusers": "env.diffusers", "cpu": "env.cpu"}[key]
                values = [v for v in col(alt, None).iloc[idx] if isinstance(v, (str, int, float)) and _present(v)]
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
