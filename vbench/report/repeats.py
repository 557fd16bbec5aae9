"""One row per configuration when sessions repeat it, and the latency statistics of raw samples.

A run repeated in several sessions (the same ``run_id`` of one scenario on one machine) is shown
once: by default its newest record (by ``started_at``, then by the order the files were read); with
``pool`` the newest record's numbers with the raw latency samples of every finished repeat pooled.
The page says which of the two was done, and how many older records it hid.

A run's latency is *noisy* when it rests on a single sample, or when its p10–p90 spread is more
than :data:`vbench.stats.NOISE_SPREAD` of its median (:func:`vbench.stats.noise`, the one
definition ``compare`` uses too).

>>> latency_stats([1.0, 1.1, 0.9, 1.0, 3.0])["noise"]
'high spread: p10–p90 is 130% of the median'
>>> latency_stats([2.0])["noise"]
'single sample'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from vbench.stats import noise as noise_of

KEYS = ["scenario", "machine", "run_id"]


def latency_stats(samples: Any, median: float = math.nan, p90: float = math.nan) -> dict[str, Any]:
    """Median, p10, p90, sample count, spread and noise flag of raw latency ``samples``; the stored
    ``median`` and ``p90`` when there are no samples."""
    xs = np.array([float(x) for x in samples if _finite(x)] if isinstance(samples, list) else [], dtype=float)
    if len(xs):
        median, p10, p90 = (float(v) for v in np.percentile(xs, [50, 10, 90]))
    else:
        p10 = math.nan
    n = len(xs)
    spread = (p90 - p10) / median if n and median > 0 else math.nan
    noise = (noise_of(xs) or "") if n else ""
    return {"latency": median, "latency.p10": p10, "latency.p90": p90, "latency.n": n, "latency.spread": spread,
            "noise": noise}


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


@dataclass(frozen=True)
class Collapsed:
    runs: pd.DataFrame
    hidden: int  #: older records of a repeated run left out of the page
    repeated: int  #: runs recorded more than once
    pooled: bool


def collapse(runs: pd.DataFrame, pool: bool = False) -> Collapsed:
    """``runs`` with one row per (scenario, machine, run_id): the newest, with samples pooled if ``pool``."""
    order = runs.assign(_t=pd.to_datetime(runs["started_at"], errors="coerce", utc=True), _pos=range(len(runs)))
    order = order.sort_values(["_t", "_pos"], na_position="first", kind="stable")
    keys = order[KEYS].fillna("")
    last = ~keys.duplicated(keep="last")
    counts = keys.value_counts()
    kept = order[last].drop(columns=["_t", "_pos"])
    if pool:
        kept = kept.copy()
        for i in kept.index:
            group = order[(keys == keys.loc[i]).all(axis=1)]
            if len(group) < 2 or kept.at[i, "status"] != "ok":
                continue
            ok = group[group["status"] == "ok"]
            samples = [x for s in ok["samples"] if isinstance(s, list) for x in s]
            for column, value in latency_stats(samples).items():
                kept.at[i, column] = value
            kept.at[i, "samples"] = samples
            fps = [x for s in ok["fps_samples"] if isinstance(s, list) for x in s if _finite(x)]
            if fps:
                kept.at[i, "fps"] = float(np.median(fps))
    return Collapsed(kept.sort_index(), hidden=int(len(runs) - len(kept)), repeated=int((counts > 1).sum()),
                     pooled=pool)


def describe(collapsed: Collapsed) -> str:
    """What the page says about repeated runs (empty when nothing was repeated)."""
    if not collapsed.hidden:
        return ""
    runs = f"{collapsed.repeated} run{'s' if collapsed.repeated != 1 else ''}"
    older = f"{collapsed.hidden} older record{'s' if collapsed.hidden != 1 else ''}"
    if collapsed.pooled:
        return (f"{runs} of the same configuration were recorded in several sessions: one row each, its latency "
                f"pooled from the raw samples of every finished repeat ({older} folded in); other numbers "
                "are the newest record's.")
    return (f"{older} of the same configuration hidden; newest shown ({runs} repeated across sessions; "
            "vbench report --pool pools their raw samples instead).")
