"""Memory of one call: the CUDA caching allocator's peaks per stage, and the host's resident set.

Every tracker has ``start()``, ``stop()`` and ``result() -> dict``; values are bytes (ints), and a
source that cannot be read is ``None`` with its reason under ``result()["unavailable"]``, never 0.
The NVML view of device memory (what ``nvidia-smi`` shows) lives in :mod:`vbench.measure.gpu_sampler`.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from vbench.measure.device import cuda_unavailable, resolve, synchronize
from vbench.measure.nvml import error_text
from vbench.measure.sampler import ThreadSampler, decimate
from vbench.measure.stages import StageMarks


class AllocatorMemory(StageMarks):
    """Peak allocated and reserved bytes of torch's CUDA allocator, for the call and per stage.

    ``start()`` reads ``memory_allocated()`` (the weights and whatever else is resident before the
    call) and resets the peak counters; each stage resets them at its start and reads them at its
    end, folding the readings into every enclosing stage and into the call, so nested and
    repeated stages are exact. The allocator's counters are kept on the host when an operation is
    queued, so reading them needs no synchronize; ``stop()`` synchronizes anyway (a no-op after
    the clock's own). The activation peak is the peak minus the allocated bytes before the call.
    With offloading, weights moved onto the device during a stage count in that stage's peak.
    """

    name = "allocator"

    def __init__(self, device: Any = "cuda"):
        self.device = resolve(device)
        self._reason = cuda_unavailable(self.device)
        self._clear()

    def _clear(self) -> None:
        self._baseline: tuple[int, int] | None = None
        self._peak = [0, 0]  # call peak (allocated, reserved)
        self._open: list[list[Any]] = []  # [name, peak allocated, peak reserved]
        self._stages: dict[str, dict[str, int]] = {}
        self._stats0: dict[str, int] = {}
        self._stats1: dict[str, int] = {}
        self._stopped = False

    def _torch(self) -> Any:
        import torch

        return torch.cuda

    def _stats(self) -> dict[str, int]:
        stats = self._torch().memory_stats(self.device)
        return {k: int(stats.get(k, 0)) for k in ("num_alloc_retries", "num_ooms")}

    def start(self) -> None:
        """Reset the peaks and read what is resident before the call."""
        self._clear()
        if self._reason:
            return
        cuda = self._torch()
        try:
            synchronize(self.device)
            cuda.reset_peak_memory_stats(self.device)
            self._baseline = (cuda.memory_allocated(self.device), cuda.memory_reserved(self.device))
            self._stats0 = self._stats()
        except Exception as exc:  # e.g. an allocator backend without these statistics
            self._reason = f"the CUDA allocator's statistics cannot be read ({error_text(exc)})"
            return
        self._peak = list(self._baseline)

    def _fold(self) -> None:
        cuda = self._torch()
        peak = (cuda.max_memory_allocated(self.device), cuda.max_memory_reserved(self.device))
        self._peak = [max(self._peak[0], peak[0]), max(self._peak[1], peak[1])]
        for entry in self._open:
            entry[1], entry[2] = max(entry[1], peak[0]), max(entry[2], peak[1])

    def begin(self, name: str) -> None:
        """Stage ``name`` starts: fold the running peak into the enclosing stages, then reset it."""
        if self._reason or self._baseline is None:
            return
        self._fold()
        cuda = self._torch()
        cuda.reset_peak_memory_stats(self.device)
        self._open.append([name, cuda.memory_allocated(self.device), cuda.memory_reserved(self.device)])

    def end(self, name: str | None = None) -> None:
        """The innermost open stage ends (it must be ``name`` when given)."""
        if self._reason or self._baseline is None or not self._open:
            return
        if name is not None and self._open[-1][0] != name:
            raise RuntimeError(f"stage {name!r} ends while {self._open[-1][0]!r} is the innermost open stage")
        self._fold()
        stage, alloc, reserved = self._open.pop()
        entry = self._stages.setdefault(stage, {"peak_allocated_bytes": 0, "peak_reserved_bytes": 0, "count": 0})
        entry["peak_allocated_bytes"] = max(entry["peak_allocated_bytes"], alloc)
        entry["peak_reserved_bytes"] = max(entry["peak_reserved_bytes"], reserved)
        entry["count"] += 1


    def stop(self) -> None:
        """Close open stages and take the final reading."""
        if self._reason or self._baseline is None:
            return
        synchronize(self.device)
        while self._open:
            self.end()
        self._fold()
        self._stats1 = self._stats()
        self._stopped = True

    def result(self) -> dict[str, Any]:
        """Bytes: baseline (before the call), peaks, activation peak (peak - baseline), per stage."""
        out: dict[str, Any] = {"source": "torch.cuda allocator", "device": str(self.device),
                               "baseline_allocated_bytes": None, "baseline_reserved_bytes": None,
                               "peak_allocated_bytes": None, "peak_reserved_bytes": None,
                               "activation_peak_bytes": None, "alloc_retries": None, "stages": {},
                               "unavailable": {}}
        if self._reason or self._baseline is None or not self._stopped:
            out["unavailable"]["allocator"] = self._reason or "the tracker was not started and stopped"
            return out
        base_alloc, base_res = self._baseline
        out.update(baseline_allocated_bytes=base_alloc, baseline_reserved_bytes=base_res,
                   peak_allocated_bytes=self._peak[0], peak_reserved_bytes=self._peak[1],
                   activation_peak_bytes=self._peak[0] - base_alloc,
                   alloc_retries=self._stats1["num_alloc_retries"] - self._stats0["num_alloc_retries"])
        out["stages"] = {name: {**entry, "activation_peak_bytes": entry["peak_allocated_bytes"] - base_alloc}
                         for name, entry in self._stages.items()}
        return out


def _ru_maxrss_bytes() -> int | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(value) if sys.platform == "darwin" else int(value) * 1024  # Linux reports KiB


class HostMemory:
    """Resident set size of this process: before the call, its peak (sampled in a thread), after.

    ``ru_maxrss`` (``getrusage``) is the process-lifetime high-water mark, so it includes
    everything before the call; when it rises during the call, the new mark is an exact peak of
    the call and is used if it is above the sampled one (``peak_source`` says which).

    Args:
        interval_ms: sampling interval; spikes shorter than this can be missed by sampling.
    """

    name = "host"

    def __init__(self, interval_ms: float = 10.0, max_points: int = 500):
        self.interval_ms = interval_ms
        self.max_points = max_points
        self._reason: str | None = None
        self._process: Any = None
        try:
            import psutil

            self._process = psutil.Process(os.getpid())
        except Exception as exc:  # ImportError, or no access to /proc
            self._reason = f"psutil cannot read this process ({error_text(exc)})"
        self._sampler = ThreadSampler(self._read, interval_ms)
        self._ru = (None, None)
        self._stopped = False

    def _read(self) -> dict[str, int | None]:
        try:
            return {"rss": int(self._process.memory_info().rss)}
        except Exception:
            return {"rss": None}

    def start(self) -> None:
        self._stopped = False
        self._ru = (_ru_maxrss_bytes(), None)
        if self._process is not None:
            self._sampler.start()

    def stop(self) -> None:
        if self._process is not None:
            self._sampler.stop()
        self._ru = (self._ru[0], _ru_maxrss_bytes())
        self._stopped = True

    def result(self) -> dict[str, Any]:
        """Bytes: baseline, peak, peak - baseline, final RSS, and ru_maxrss with its caveat."""
        ru_before, ru_after = self._ru
        out: dict[str, Any] = {
            "source": "psutil rss", "interval_ms": self.interval_ms,
            "baseline_rss_bytes": None, "peak_rss_bytes": None, "delta_rss_bytes": None,
            "final_rss_bytes": None, "peak_source": None, "n_samples": 0,
            "ru_maxrss_bytes": ru_after,
            "ru_maxrss_note": "getrusage ru_maxrss: process-lifetime high-water mark, not this call's",
            "timeline": None, "unavailable": {},
        }
        if ru_after is None:
            out["unavailable"]["ru_maxrss"] = "resource.getrusage is not available on this platform"
        times, values = self._sampler.series("rss")
        if self._reason or not values or not self._stopped:
            out["unavailable"]["rss"] = self._reason or "no RSS reading (the tracker was not started and stopped)"
            return out
        peak, source = max(values), "sampled"
        if ru_before is not None and ru_after is not None and ru_after > ru_before and ru_after > peak:
            peak, source = ru_after, "ru_maxrss"
        out.update(baseline_rss_bytes=values[0], peak_rss_bytes=peak, delta_rss_bytes=peak - values[0],
                   final_rss_bytes=values[-1], peak_source=source, n_samples=len(values),
                   timeline=decimate(times, values, self.max_points))
        return out
