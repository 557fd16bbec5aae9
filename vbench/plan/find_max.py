"""The largest ``num_frames`` that fits a budget, found with real runs, starting from a prediction.

:func:`find_max_frames` bisects over the frame counts the VAE takes whole (``r k + 1``): it runs
the predicted value first, then walks up or down in doubling steps until one run fits and one does
not, then halves the gap. A run fits when it ended ``ok`` with its peak memory (the one the budget
verdict reads: NVML, the allocator's reserved pool, or host RSS) within the budget; an ``oom``
record is a run that does not fit. A run that ends in error, timeout or unsupported leaves the
answer undecided: it says nothing about memory. The result keeps every probe and the predicted
value beside the found one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vbench.plan.planner import MAX_FRAMES
from vbench.record import lookup, number


@dataclass
class Probe:
    frames: int
    run_id: str
    status: str
    peak_bytes: float | None
    fits: bool | None  #: None: the run says nothing about memory (error, timeout, unsupported)
    reason: str | None = None


@dataclass
class FindMax:
    budget_bytes: float
    frame_step: int
    predicted: int | None  #: the memory model's largest frames (None: no model)
    found: int | None = None  #: the largest frames a real run fitted (None: none fitted, or undecided)
    decided: bool = True
    why: str = ""
    probes: list[Probe] = field(default_factory=list)

    @property
    def steps_off(self) -> float | None:
        """(predicted − found) in frame steps; None when either is missing."""
        if self.predicted is None or self.found is None:
            return None
        return (self.predicted - self.found) / self.frame_step

    def to_dict(self) -> dict[str, Any]:
        return {"budget_bytes": self.budget_bytes, "frame_step": self.frame_step, "predicted": self.predicted,
                "found": self.found, "decided": self.decided, "why": self.why, "steps_off": self.steps_off,
                "within_one_step": None if self.steps_off is None else abs(self.steps_off) <= 1,
                "probes": [vars(p) for p in self.probes]}


def fits(record: Mapping[str, Any], budget_bytes: float) -> bool | None:
    """Whether a run fitted the budget: ok and its peak within it; False for oom; None otherwise."""
    status = record.get("status")
    if status == "oom":
        return False
    if status != "ok":
        return None
    peak = number(lookup(record, "memory.peak.bytes"))
    return None if peak is None else peak <= budget_bytes


def find_max_frames(run: Callable[[int], Mapping[str, Any]], *, budget_bytes: float, frame_step: int,
                    predicted: int | None, start: int, max_frames: int = MAX_FRAMES) -> FindMax:
    """Bisect the largest fitting frame count with ``run(frames) -> record``."""
    result = FindMax(budget_bytes, frame_step, predicted)
    grid = list(range(1, max_frames + 1, frame_step))

    def index_of(frames: int) -> int:
        return max(0, min(len(grid) - 1, (frames - 1) // frame_step))

    seen: dict[int, bool] = {}

    def probe(i: int) -> bool | None:
        if i in seen:
            return seen[i]
        record = run(grid[i])
        ok = fits(record, budget_bytes)
        result.probes.append(Probe(grid[i], record.get("run_id", ""), record.get("status", ""),
                                   number(lookup(record, "memory.peak.bytes")), ok, record.get("reason")))
        if ok is not None:
            seen[i] = ok
        return ok

    first = index_of(predicted if predicted is not None else start)
    ok = probe(first)
    if ok is None:
        return _undecided(result)
    lo, hi = (first, None) if ok else (None, first)  # lo fits, hi does not
    step = 1
    while lo is None or hi is None:
        if hi is None:
            i = min(len(grid) - 1, lo + step)
            if i == lo:  # the schema's largest fits
                result.found, result.why = grid[lo], f"the largest frame count a scenario takes ({grid[lo]}) fits"
                return result
            ok = probe(i)
            if ok is None:
                return _undecided(result)
            lo, hi = (i, None) if ok else (lo, i)
        else:
            i = max(0, hi - step)
            if i == hi:
                result.found, result.why = None, f"even {grid[0]} frame(s) do not fit"
                return result
            ok = probe(i)
            if ok is None:
                return _undecided(result)
            lo, hi = (i, hi) if ok else (None, i)
        step *= 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        ok = probe(mid)
        if ok is None:
            return _undecided(result)
        lo, hi = (mid, hi) if ok else (lo, mid)
    result.found = grid[lo]
    result.why = f"{grid[lo]} frames fit and {grid[hi]} do not"
    return result


def _undecided(result: FindMax) -> FindMax:
    last = result.probes[-1]
    result.decided, result.found = False, None
    result.why = (f"undecided: the run at {last.frames} frames ended {last.status} "
                  f"({last.reason or 'no reason'}), which says nothing about memory")
    return result
