"""Each run's resolved settings, and short run labels built from the settings that vary.

A record's ``spec`` holds every setting of the run (``spec.optimizations.precision``,
``spec.workload.num_inference_steps`` …). A field added to the scenario schema after a record was
written is missing from it; it is read as its schema default, the convention ``run_id`` follows, so
old and new records of one configuration read the same.

A run's short label lists only the settings that differ between the runs shown of its scenario,
in schema order (model, optimizations, workload): ``bf16 · 2 steps`` rather than
``wan-tiny-bf16-steps2``; the record's own label stays in the page as a tooltip.

>>> _part("workload.num_inference_steps", 2), _part("optimizations.vae_tiling", False)
('2 steps', 'no VAE tiling')
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from vbench.scenario.caches import short_name
from vbench.scenario.schema import ModelSpec, Optimizations, WorkloadSettings

#: The resolved-settings columns of a cache's options (``optimizations.cache_options.<name>``).
CACHE_OPTION = "optimizations.cache_options."

SECTIONS = {"model": ModelSpec, "optimizations": Optimizations, "workload": WorkloadSettings}
#: Settings that say which prompt and seed, not which configuration.
PER_VIDEO = ("workload.prompt", "workload.seed", "workload.negative_prompt")
SEP = " · "


def resolve(frame: pd.DataFrame) -> pd.DataFrame:
    """One column per setting (``optimizations.precision`` …), one row per record of ``frame``;
    a value the record lacks is its schema default. ``has_spec`` says whether the record had one."""
    paths: list[str] = []
    for section, model in SECTIONS.items():
        paths += [f"{section}.{name}" for name in model.model_fields]
        paths += [c[len("spec."):] for c in frame.columns
                  if c.startswith(f"spec.{section}.") and c[len("spec."):] not in paths]
    paths += [p for p in PER_VIDEO if p not in paths]
    out = pd.DataFrame(index=frame.index)
    for path in paths:
        default = _default(path)
        column = frame[f"spec.{path}"] if f"spec.{path}" in frame.columns else [None] * len(frame)
        out[path] = pd.Series([_clean(v, default) for v in column], index=frame.index, dtype=object)
    spec_cols = [c for c in frame.columns if c.startswith(("spec.model.", "spec.workload.", "spec.optimizations."))]
    out["has_spec"] = frame[spec_cols].notna().any(axis=1) if spec_cols else False
    return out


def _default(path: str) -> Any:
    section, _, name = path.partition(".")
    field = SECTIONS[section].model_fields.get(name)
    if field is None or field.is_required():
        return None
    return field.get_default(call_default_factory=True)


def _clean(value: Any, default: Any) -> Any:
    """A JSON-like Python value: NaN (a field the record lacks) is the default, 4.0 from a column
    with gaps is 4, numpy scalars are Python ones."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return default
    if isinstance(value, float) and value.is_integer() and isinstance(default, int) and not isinstance(default, bool):
        return int(value)
    return value


def key(settings: pd.DataFrame, prefix: str, exclude: tuple[str, ...] = PER_VIDEO) -> pd.Series:
    """One hashable text per row: the settings under ``prefix`` (``workload.``), ``exclude`` left out."""
    cols = [c for c in settings.columns if c.startswith(prefix) and c not in exclude]
    return pd.Series([json.dumps([_canon(v) for v in row], default=str) for row in settings[cols].itertuples(index=False)],
                     index=settings.index, dtype=object)


def at_defaults(settings: pd.DataFrame, prefix: str = "optimizations.") -> pd.Series:
    """Whether every setting under ``prefix`` is at its schema default (the unoptimized run). A
    switch that is off (False) where today's default is null ("the library's own choice") counts
    as the default: older records wrote False there."""
    cols = [c for c in settings.columns if c.startswith(prefix)]
    defaults = {c: _canon(_default(c)) for c in cols}
    return pd.Series([all(_canon(row[c]) == defaults[c] or (defaults[c] is None and row[c] is False) for c in cols)
                      for _, row in settings.iterrows()], index=settings.index, dtype=bool)


def _canon(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def short_labels(runs: pd.DataFrame, settings: pd.DataFrame) -> list[str]:
    """A short label per row of ``runs`` (aligned with ``settings``), from the settings that vary
    between the runs of its scenario; runs of one scenario and machine never share a label."""
    labels = pd.Series(runs["full_label"].astype(str), index=runs.index, dtype=object)
    for _, idx in runs.groupby(runs["scenario"].fillna(""), sort=False).groups.items():
        s = settings.loc[idx]
        described = s[s["has_spec"].astype(bool)]
        varying = [c for c in s.columns if c not in ("has_spec", *PER_VIDEO)
                   and described[c].map(_token).nunique() > 1]
        prompts = {p: i + 1 for i, p in enumerate(dict.fromkeys(described["workload.prompt"].map(_token)))}
        seeds = described["workload.seed"].map(_token).nunique() > 1
        for i in described.index:
            parts = _parts(s.loc[i], varying)
            if len(prompts) > 1:
                parts.append(f"prompt {prompts[_token(s.at[i, 'workload.prompt'])]}")
            if seeds:
                parts.append(f"seed {s.at[i, 'workload.seed']}")
            if parts:
                labels[i] = SEP.join(parts)
    return _unique(labels, runs)


def _parts(row: pd.Series, varying: list[str]) -> list[str]:
    parts = []
    size = [p for p in ("workload.height", "workload.width") if p in varying]
    for path in varying:
        if path in size:
            if path == size[0]:
                parts.append(f"{row['workload.height']}×{row['workload.width']}")
            continue
        if path.startswith(CACHE_OPTION):  # a cache's own settings: only those it was given
            value = row[path]
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                parts.append(f"{short_name(path[len(CACHE_OPTION):])} {_setting(_canon(value))}")
            continue
        parts.append(_part(path, row[path]))
    return parts


def _part(path: str, value: Any) -> str:
    value = _canon(value)
    name = path.rpartition(".")[2]
    words = name.replace("_", " ").replace("vae", "VAE")
    special = {"precision": str(value), "family": str(value), "source": f"{value} weights",
               "num_inference_steps": f"{value} steps", "num_frames": f"{value} frames",
               "guidance_scale": f"cfg {value}", "num_videos_per_prompt": f"batch {value}",
               "chunk_frames": "no chunking" if value is None else f"chunk {value}",
               "vae_chunk_frames": "no VAE chunking" if value is None else f"VAE chunk {value}",
               "offload": "no offload" if value == "none" else f"{value} offload",
               "attention_backend": "default attention" if value is None else f"attention {value}"}
    if name == "cache":
        return "no cache" if value == "none" else f"{value} cache"
    if name in special:
        return special[name]
    if isinstance(value, bool):
        return words if value else f"no {words}"
    if value is None:
        return f"{words} default"
    if value == "none":
        return f"no {words}"
    return f"{words} {value}"


def _setting(value: Any) -> str:
    return "–".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def _token(value: Any) -> str:
    return json.dumps(_canon(value), default=str, sort_keys=True)


def _unique(labels: pd.Series, runs: pd.DataFrame) -> list[str]:
    out, seen = [], {}
    for i, label in labels.items():
        k = (runs.at[i, "scenario"], runs.at[i, "machine"], label)
        seen[k] = seen.get(k, 0) + 1
        out.append(label if seen[k] == 1 else f"{label} #{seen[k]}")
    return out
