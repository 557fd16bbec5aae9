"""Plain data shared by every layer: run statuses, the record schema version, summaries of samples.

Nothing here imports torch, numpy or pandas; a record is plain JSON-compatible data.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from enum import Enum
from typing import Any

#: Version of the record format written by :mod:`vbench.store`. Bump it when a field changes meaning
#: or moves, and teach ``vbench.store.migrate`` the step from the previous version.
SCHEMA_VERSION = 1


class Status(str, Enum):
    """How a run ended. Every run becomes a record with one of these, never an empty row."""

    OK = "ok"
    OOM = "oom"  #: out of memory, on the device or the host
    ERROR = "error"  #: an exception or a crashed worker
    TIMEOUT = "timeout"  #: the run exceeded ``limits.timeout_s``
    UNSUPPORTED = "unsupported"  #: the combination cannot run here; the reason says why

    def __str__(self) -> str:
        return self.value


STATUSES = tuple(s.value for s in Status)


def summarize(samples: Sequence[float], unit: str) -> dict[str, Any]:
    """A typed measurement: its unit, every raw sample and the usual summary statistics.

    The p90 uses linear interpolation between closest ranks (numpy's default), so it is
    defined for any non-empty sample.

    >>> summarize([1.0, 2.0, 3.0, 4.0], "s")["median"]
    2.5
    """
    values = [float(x) for x in samples]
    if not values:
        return {"unit": unit, "n": 0, "samples": [], "mean": None, "median": None,
                "p90": None, "stdev": None, "min": None, "max": None}
    ordered = sorted(values)
    return {
        "unit": unit,
        "n": len(values),
        "samples": values,
        "mean": statistics.fmean(values),
        "median": statistics.median(values),
        "p90": percentile(ordered, 90.0),
        "stdev": statistics.stdev(values) if len(values) > 1 else 0.0,
        "min": ordered[0],
        "max": ordered[-1],
    }


def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-th percentile of already sorted values, linear between closest ranks."""
    if not ordered:
        raise ValueError("percentile of no values")
    pos = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
