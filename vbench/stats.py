"""Bootstrap intervals on raw samples: how precisely a run's median is known, and how far apart two
runs are. The harness stops repeating once the interval of the median is narrow enough
(``measure.rel_ci``); ``vbench compare`` and the report decide and show changes from the interval
of the ratio. Percentile bootstrap with a fixed seed, so the same samples give the same interval.

>>> lo, hi = median_interval([1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.0])
>>> round(lo, 2), round(hi, 2)
(0.99, 1.01)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: The confidence of every interval: 1 - ALPHA = 95 %.
ALPHA = 0.05
#: Bootstrap resamples per interval.
RESAMPLES = 2000


def statistic(x: np.ndarray, stat: str, axis: int | None = None):
    """``median`` | ``p90`` | ``mean`` | ``min`` | ``max`` of ``x`` along ``axis``."""
    if stat == "p90":
        return np.percentile(x, 90, axis=axis)
    return {"median": np.median, "mean": np.mean, "min": np.min, "max": np.max}[stat](x, axis=axis)


def _resampled(x: np.ndarray, stat: str, rng: np.random.Generator, n: int) -> np.ndarray:
    return statistic(x[rng.integers(0, len(x), (n, len(x)))], stat, axis=1)


def median_interval(samples: Sequence[float], alpha: float = ALPHA, n: int = RESAMPLES) -> tuple[float, float]:
    """The ``1 - alpha`` bootstrap interval of the median of ``samples`` (at least one)."""
    x = np.asarray(samples, dtype=float)
    if len(x) == 0:
        raise ValueError("an interval needs at least one sample")
    meds = _resampled(x, "median", np.random.default_rng(0), n)
    lo, hi = np.percentile(meds, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(lo), float(hi)


def relative_half_width(samples: Sequence[float], alpha: float = ALPHA) -> float | None:
    """Half the width of the median's interval over the median: 0.02 means "known to ±2 %".
    None for fewer than two samples or a median of 0 (no precision can be claimed)."""
    if len(samples) < 2:
        return None
    med = float(np.median(np.asarray(samples, dtype=float)))
    if med == 0:
        return None
    lo, hi = median_interval(samples, alpha)
    return (hi - lo) / 2 / abs(med)


def change_intervals(xa: np.ndarray, xb: np.ndarray, stat: str = "median", alpha: float = ALPHA,
                     n: int = RESAMPLES) -> tuple[tuple[float, float] | None, tuple[float, float]]:
    """The ``1 - alpha`` bootstrap intervals of the ratio (``b / a``) and of the difference
    (``b - a``) of the statistic, resampling each side's raw samples independently. The ratio's
    interval is None when every resampled base statistic is 0."""
    rng = np.random.default_rng(0)
    sa, sb = _resampled(np.asarray(xa, float), stat, rng, n), _resampled(np.asarray(xb, float), stat, rng, n)
    q = [100 * alpha / 2, 100 * (1 - alpha / 2)]
    lo_d, hi_d = np.percentile(sb - sa, q)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = sb / sa
    ratios = ratios[np.isfinite(ratios)]
    ratio = tuple(float(v) for v in np.percentile(ratios, q)) if len(ratios) else None
    return ratio, (float(lo_d), float(hi_d))


#: A sampled measurement is noisy when its p10–p90 spread is more than this fraction of its median.
NOISE_SPREAD = 0.10
#: Below this many samples a percentile bootstrap interval is close to the min–max range and covers
#: the true median well under 95 % of the time (about 51 % at 2, 76 % at 3, 89 % at 4 samples).
FEW_SAMPLES = 5


def noise(samples: Sequence[float]) -> str | None:
    """Why a measurement's raw samples are too few or too spread to trust, or None.

    >>> noise([1.0]), noise([1.0, 1.01, 0.99, 1.0, 1.0]), noise([1.0, 2.0, 3.0, 2.0, 2.0])
    ('single sample', None, 'high spread: p10–p90 is 60% of the median')
    >>> noise([1.0, 1.01, 0.99])
    'only 3 samples: the interval is about their range, less than 95 % sure'

    """
    x = np.asarray([v for v in samples if v is not None], dtype=float)
    if len(x) == 0:
        return "no samples"
    if len(x) == 1:
        return "single sample"
    if len(x) < FEW_SAMPLES:
        return f"only {len(x)} samples: the interval is about their range, less than 95 % sure"
    med = float(np.median(x))
    p10, p90 = np.percentile(x, [10, 90])
    if med > 0 and (p90 - p10) / med > NOISE_SPREAD:
        return f"high spread: p10–p90 is {(p90 - p10) / med:.0%} of the median"
    return None
