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
from vbench.units import GIB, MIB, format_bytes

__all__ = ["GIB", "MIB", "ReportData", "direction", "fmt_num", "fmt_quality", "format_bytes", "memory_unit",
           "nested", "prepare"]


@dataclass
class ReportData:
    """Runs ready to draw: ``runs`` has one row per record, with the columns listed in :func:`prepare`."""

    runs: pd.DataFrame
    axes: dict[str, list[str]] = field(default_factory=dict)  #: scenario -> its sweep axes
    quality: list[str] = field(default_factory=list)  #: quality metric names present, e.g. ["psnr"]
    machines: pd.DataFrame = field(default_factory=pd.DataFrame)  #: one row per machine
    problems: list[str] = field(default_factory=list)  #: unreadable lines of the results files
    repeats: str = ""  #: what was done with runs repeated across sessions (empty: none were)

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


def prepare(frame: pd.DataFrame, *, pool: bool = False) -> ReportData:
    """Derive the report's columns from a :func:`vbench.results.load` frame.

    Columns of ``ReportData.runs``: ``run_id label full_label scenario status reason machine session
    started_at reference_id config_id role prompt videos_per_call budget_gb outputs_video source_file
    steps text_encoder text_encoder_params``; one column per metric of :data:`vbench.record.METRICS` that any record
    holds, named by the metric (``latency``, ``peak_memory``, ``psnr`` …, the number at its
    ``value_path``); ``latency.p10``, ``latency.p90``, ``latency.n``, ``latency.spread`` and
    ``noise`` from the raw samples (:func:`~vbench.report.repeats.latency_stats`), ``samples``;
    ``peak_memory.source``; ``reference`` (the run is a quality reference: its PSNR is infinite,
    SSIM 1, LPIPS 0), ``verdict``, ``verdict_reasons`` and ``verdict_detail``
    (:func:`vbench.verdicts.judge`); ``model_key``, ``workload_key`` and ``opt_default`` (every
    optimization at its default); ``axis:<name>`` per sweep axis (a reference run, which has no
    axes, gets its own settings there), ``stage:<name>`` (median seconds), ``memstage:<name>``
    (allocator peak bytes) and ``hoststage:<name>`` (host RSS rise) per stage; ``cache_work`` (the
    blocks and attention a step-level cache computed against their totals, as counted) and
    ``cache_fraction`` (both computed over both totals).

    With ``pool`` a run repeated across sessions pools its raw latency samples; otherwise its
    newest record is shown (:func:`~vbench.report.repeats.collapse`).
    """
    from vbench.report import repeats, settings
    from vbench.verdicts import judge

    col = _getter(frame)
    runs = pd.DataFrame(index=frame.index)
    runs["run_id"] = col("run_id", "").astype(str)
    label = col("label", None)
    runs["full_label"] = [str(lb) if _present(lb) else rid for lb, rid in zip(label, runs["run_id"], strict=True)]
    runs["label"] = runs["full_label"]
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
    counted = [_num(col(f"applied.cache.counts.{k}")) for k in ("blocks.computed", "blocks.total",
                                                                  "attention.computed", "attention.total")]
    runs["cache_work"] = [f"blocks {int(bc)}/{int(bt)} · attention {int(ac)}/{int(at)}"
                          if all(math.isfinite(x) for x in (bc, bt, ac, at)) else None
                          for bc, bt, ac, at in zip(*counted, strict=True)]
    runs["cache_fraction"] = [(bc + ac) / (bt + at) if bt + at > 0 else math.nan
                              for bc, bt, ac, at in zip(*counted, strict=True)]
    runs["samples"] = [v if isinstance(v, list) else None for v in col("timing.e2e.samples", None)]
    runs["fps_samples"] = [v if isinstance(v, list) else None for v in col("timing.fps.samples", None)]
    stats = [repeats.latency_stats(s, med, p90) for s, med, p90 in
             zip(runs["samples"], runs["latency"], _num(col("timing.e2e.p90")), strict=True)]
    for name in ("latency", "latency.p10", "latency.p90", "latency.n", "latency.spread", "noise"):
        runs[name] = [s[name] for s in stats]
    runs["peak_memory.source"] = [str(v) if _present(v) else None for v in col("memory.peak.source", None)]
    runs["videos_per_call"] = _num(col("spec.workload.num_videos_per_prompt")).fillna(1.0)
    runs["budget_gb"] = _num(col("spec.limits.memory_budget_gb"))
    runs["outputs_video"] = [v if isinstance(v, str) else None for v in col("outputs.video", None)]
    runs["text_encoder"] = [str(v) if _present(v) else None for v in col("model_info.text_encoder.mode", None)]
    counts = [c for c in frame.columns if c.startswith("model_info.text_encoder.components.") and c.endswith(".parameters")]
    runs["text_encoder_params"] = _num(frame[counts].sum(axis=1, min_count=1)) if counts else math.nan
    for prefix, key, name in ((STAGE_TIMES, "median", "stage"), (ALLOCATOR_STAGES, "peak_allocated_bytes", "memstage"),
                              (HOST_STAGES, "delta_rss_bytes", "hoststage")):
        for c in frame.columns:  # per-stage medians and memory, for the breakdowns
            if c.startswith(f"{prefix}.") and c.endswith(f".{key}"):
                stage = c[len(prefix) + 1:-len(key) - 1]
                inner = f"{STAGE_TIMES}.{stage}.within"  # inside another stage: not stacked beside it
                within = prefix == STAGE_TIMES and inner in frame.columns and frame[inner].notna().any()
                runs[f"{'inner' if within else ''}{name}:{stage}"] = _num(frame[c])
    runs["steps"] = [v if isinstance(v, list) and v else None for v in col("timing.steps.median_by_step", None)]
    machine_names, machines = _machines(frame)
    runs["machine"] = machine_names
    _mark_references(runs, col, quality)
    # a run the others name as their reference is judged as one, though older records do not say so
    verdicts = [judge({**nested(row), **({"role": "reference"} if ref else {})})
                for row, ref in zip(frame.to_dict("records"), runs["reference"], strict=True)]
    runs["verdict"] = [v["verdict"] for v in verdicts]
    runs["verdict_reasons"] = [list(v.get("reasons") or []) for v in verdicts]
    runs["verdict_detail"] = verdicts
    resolved = settings.resolve(frame)
    runs["model_key"] = settings.key(resolved, "model.")
    runs["workload_key"] = settings.key(resolved, "workload.")
    runs["opt_default"] = settings.at_defaults(resolved)
    axes: dict[str, list[str]] = {}
    for c in frame.columns:
        if c.startswith("spec.axes."):
            axis = c[len("spec.axes."):]
            present = frame[c].map(lambda v: v is None or _present(v)).to_numpy(bool)
            members = set(runs.loc[present, "scenario"].dropna())
            for scen in sorted(members):
                axes.setdefault(scen, []).append(axis)
            own = resolved[axis] if axis in resolved.columns else pd.Series([None] * len(frame), index=frame.index)
            # null settings may come back as NaN: "none" within the axis's scenarios, blank elsewhere; a
            # run without axes (an extra reference run) shows its own setting
            runs[f"axis:{axis}"] = [_axis_value(v) if _present(v) else
                                    (_axis_value(o) if not has_axes and has_spec else "none") if s in members else None
                                    for v, s, o, has_axes, has_spec in
                                    zip(frame[c], runs["scenario"], own, _has_axes(frame), resolved["has_spec"],
                                        strict=True)]
    _join_cache_options(runs, axes)
    collapsed = repeats.collapse(runs, pool=pool)
    runs = collapsed.runs
    runs["label"] = settings.short_labels(runs, resolved.loc[runs.index])
    runs = runs.reset_index(drop=True)
    return ReportData(runs=runs, axes=axes, quality=quality, machines=machines,
                      problems=list(frame.attrs.get("problems", [])), repeats=repeats.describe(collapsed))


#: What a run scored against itself gets, where the scorer left the value out (PSNR is infinite).
SELF_SCORES = {"psnr": math.inf, "ssim": 1.0, "lpips": 0.0}


def _mark_references(runs: pd.DataFrame, col, quality: list[str]) -> None:
    """``reference``: the run is a quality reference (``role`` reference, ``quality.reference``, or a
    run other runs name as their reference); its self-scores filled in where they are missing."""
    named = set(runs["reference_id"].dropna())
    flagged = [v is True for v in col("quality.reference", None)]
    runs["reference"] = [(role == "reference" or flag or (rid in named and not _present(ref)))
                         for role, flag, rid, ref in zip(runs["role"], flagged, runs["run_id"], runs["reference_id"],
                                                         strict=True)]
    ok = runs["reference"] & (runs["status"] == "ok")
    for name, score in SELF_SCORES.items():
        if name in quality:
            runs.loc[ok & runs[name].isna(), name] = score


def _has_axes(frame: pd.DataFrame) -> list[bool]:
    cols = [c for c in frame.columns if c.startswith("spec.axes.")]
    if not cols:
        return [False] * len(frame)
    present = pd.concat([frame[c].map(lambda v: v is None or _present(v)) for c in cols], axis=1)
    return list(present.any(axis=1))


def nested(row: dict[str, Any]) -> dict[str, Any]:
    """A flat row of :func:`vbench.results.load` as the nested record it came from (NaN cells,
    fields the record lacked, left out). Dotted keys inside a section (``spec.axes``) are split too."""
    out: dict[str, Any] = {}
    for name, v in row.items():
        if isinstance(v, float) and math.isnan(v):
            continue
        node = out
        *parents, leaf = str(name).split(".")
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[leaf] = v
    return out


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


def _join_cache_options(runs: pd.DataFrame, axes: dict[str, list[str]]) -> None:
    """A swept ``cache_options`` mapping is one axis (its keys, as given), not a column per key."""
    from vbench.scenario.caches import short_name

    prefix = "optimizations.cache_options."
    keys = sorted({a for names in axes.values() for a in names if a.startswith(prefix)})
    if not keys:
        return

    def joined(row) -> str | None:
        parts = [f"{short_name(k[len(prefix):])} {row[f'axis:{k}']}" for k in keys
                 if row[f"axis:{k}"] not in (None, "none") and _present(row[f"axis:{k}"])]
        return ", ".join(parts) or ("defaults" if any(row[f"axis:{k}"] is not None for k in keys) else None)

    runs["axis:optimizations.cache_options"] = [joined(row) for _, row in runs.iterrows()]
    for scen, names in axes.items():
        if any(a in keys for a in names):
            kept = [a for a in names if a not in keys]
            kept.insert(min(names.index(k) for k in keys if k in names), "optimizations.cache_options")
            axes[scen] = kept


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


def memory_unit(*columns: Any) -> tuple[float, str]:
    """``(bytes per unit, unit)`` for a memory axis showing these values: GiB, or MiB when every
    value is under 1 GiB (:mod:`vbench.units`' family)."""
    top = max((float(np.nanmax(np.asarray(c, dtype=float))) for c in columns if np.asarray(c, dtype=float).size
               and np.isfinite(np.asarray(c, dtype=float)).any()), default=0.0)
    return (GIB, "GiB") if top >= GIB else (MIB, "MiB")


def fmt_quality(name: str, value: Any, reference: bool = False) -> str:
    """A quality score as shown: infinite PSNR is "∞", a reference run's scores say so."""
    shown = "∞" if isinstance(value, float) and math.isinf(value) else fmt_num(value, 4)
    return f"{shown} (reference)" if reference and shown != "—" else shown


def fmt_num(value: Any, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, or an em dash when unknown."""
    if value is None or not isinstance(value, (int, float, np.integer, np.floating)) or not math.isfinite(value):
        return "—"
    return f"{value:.{digits}g}" if abs(value) < 10 ** digits else f"{value:,.0f}"
