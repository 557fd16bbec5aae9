"""Memory of one call, for the call and per stage: the CUDA caching allocator's peaks, and the
host's resident set (exact on Linux through the kernel's resettable ``VmHWM``, sampled elsewhere).

Every tracker has ``start()``, ``stop()`` and ``result() -> dict``; the two stage-aware ones also
``begin(name)`` / ``end(name)`` (``with x.stage(name):``), whose peaks fold into the enclosing
stages and the call. Values are bytes (ints), and a source that cannot be read is ``None`` with
its reason under ``result()["unavailable"]``, never 0.
The NVML view of device memory (what ``nvidia-smi`` shows) lives in :mod:`vbench.measure.nvml_sampler`.
"""

from __future__ import annotations

import bisect
import os
import sys
import time
from typing import Any

from vbench.measure.device import cuda_unavailable, resolve, synchronize
from vbench.measure.sampler import ThreadSampler, decimate
from vbench.measure.stages import StageMarks
from vbench.nvml import error_text


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


class HostMemory(StageMarks):
    """Resident set size of this process: before the call, its peak for the call and per stage, after.

    On Linux the peak is exact: writing ``5`` to ``/proc/self/clear_refs`` resets the kernel's
    high-water mark of the resident set (``VmHWM`` in ``/proc/self/status``) to the current RSS.
    ``start()`` resets it and reads the baseline (``VmRSS``); each stage reads it at its start,
    folding the reading into every enclosing stage and into the call, resets it, and reads it
    again at its end, so nested and repeated stages are exact, as in :class:`AllocatorMemory`.
    The call's peak is the largest of these readings and the one at ``stop()``. The kernel records
    the mark from its per-CPU RSS counters, so a peak can read low by their batch, max(32, 2 x CPUs)
    pages per CPU the process ran on (about 0.2 MiB measured on 2 CPUs). Resetting the mark is
    process-wide: one tracker at a time per process, and ``getrusage``'s ``ru_maxrss`` (which
    includes ``VmHWM``) is then no longer a process-lifetime mark.

    A thread samples RSS every ``interval_ms`` (psutil) for the timeline. Where ``clear_refs``
    cannot be written (another OS, a container that forbids it), the reason is under
    ``unavailable["vmhwm"]`` and the peaks come from those samples and the readings at the stage
    marks, so spikes shorter than the interval can be missed; ``ru_maxrss``, the process-lifetime
    mark, is then used for the call when it rose during the call above the sampled peak.
    ``peak_source`` and ``stages_source`` say which method gave the numbers.

    Args:
        interval_ms: sampling interval of the timeline (and of the peaks without ``VmHWM``).
        max_points: the timeline is decimated to at most this many points, keeping the peak.
    """

    name = "host"
    clear_refs_path = "/proc/self/clear_refs"  #: written to reset VmHWM
    status_path = "/proc/self/status"  #: VmHWM and VmRSS, in kB

    def __init__(self, interval_ms: float = 10.0, max_points: int = 500):
        self.interval_ms = interval_ms
        self.max_points = max_points
        self._reason: str | None = None  # why psutil (the sampled timeline) is unavailable
        self._process: Any = None
        try:
            import psutil

            self._process = psutil.Process(os.getpid())
        except Exception as exc:  # ImportError, or no access to /proc
            self._reason = f"psutil cannot read this process ({error_text(exc)})"
        self._sampler = ThreadSampler(self._read, interval_ms)
        self._clear()

    def _clear(self) -> None:
        self._ru: tuple[int | None, int | None] = (None, None)
        self._hwm_reason: str | None = None  # why VmHWM is not used (None: exact peaks)
        self._baseline: int | None = None  # VmRSS at start
        self._final: int | None = None  # VmRSS at stop
        self._peak = 0  # the call's VmHWM peak
        self._open: list[list[Any]] = []  # [name, peak, rss at begin, perf_counter at begin]
        self._stages: dict[str, dict[str, int]] = {}  # from VmHWM
        self._spans: list[tuple[str, float, float]] = []  # every closed stage: name, begin, end
        self._marks: list[tuple[float, int]] = []  # (perf_counter, RSS) read at the stage marks
        self._steps: list[int] = []  # VmHWM of each denoising step (from the previous boundary to its callback)
        self._rss_at_reset: int | None = None  # VmRSS read at the latest reset: where the next region starts
        self._steps_begin: int | None = None  # VmRSS where the first step's region started
        self._started = self._stopped = False

    def _read(self) -> dict[str, int | None]:
        try:
            return {"rss": int(self._process.memory_info().rss)}
        except Exception:
            return {"rss": None}

    def _status(self) -> tuple[int, int]:
        """``(VmHWM, VmRSS)`` in bytes from ``/proc/self/status``."""
        values: dict[str, int] = {}
        with open(self.status_path, encoding="ascii", errors="replace") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    values[key] = int(rest.split()[0]) * 1024  # "VmHWM:   123456 kB"
                    if len(values) == 2:  # adjacent lines, a third of the way down: stop reading
                        break
        if len(values) != 2:
            raise ValueError(f"{self.status_path} has no VmHWM and VmRSS lines")
        return values["VmHWM"], values["VmRSS"]

    def _reset(self) -> tuple[int, int]:
        """Reset VmHWM to the current RSS; ``(VmHWM, VmRSS)`` read just after."""
        with open(self.clear_refs_path, "w", encoding="ascii") as f:
            f.write("5")
        hwm, rss = self._status()
        self._rss_at_reset = rss
        return hwm, rss

    def _exact(self) -> bool:
        return self._started and self._hwm_reason is None

    def _lost(self, exc: Exception) -> None:
        """VmHWM failed during the call: the peaks fall back to the samples."""
        self._hwm_reason = f"VmHWM could not be read or reset during the call ({error_text(exc)})"

    def _fold(self, hwm: int) -> None:
        self._peak = max(self._peak, hwm)
        for entry in self._open:
            entry[1] = max(entry[1], hwm)

    def _rss(self) -> int | None:
        return self._read()["rss"] if self._process is not None else None

    def start(self) -> None:
        """Reset VmHWM and read the baseline, then start the sampling thread."""
        self._clear()
        self._ru = (_ru_maxrss_bytes(), None)
        try:
            hwm, self._baseline = self._reset()
            self._peak = hwm
        except (OSError, ValueError) as exc:  # no /proc (not Linux), or writing it is not allowed
            self._hwm_reason = (f"VmHWM cannot be reset: writing 5 to {self.clear_refs_path} failed "
                                f"({error_text(exc)}); the peaks are sampled every {self.interval_ms:g} ms")
        if self._process is not None:
            self._sampler.start()
        self._started = True

    def begin(self, name: str) -> None:
        """Stage ``name`` starts: fold VmHWM into the enclosing stages and the call, then reset it."""
        if not self._started or self._stopped:
            return
        t_begin = time.perf_counter()
        peak, rss = 0, None
        if self._exact():
            try:
                self._fold(self._status()[0])
                peak, rss = self._reset()
            except (OSError, ValueError) as exc:
                self._lost(exc)
        if rss is None:
            rss = self._rss()
        if rss is not None:
            self._marks.append((t_begin, rss))
        self._open.append([name, max(peak, rss or 0), rss, t_begin])

    def end(self, name: str | None = None) -> None:
        """The innermost open stage ends (it must be ``name`` when given): fold VmHWM into it and
        into the enclosing stages and the call."""
        if not self._open:
            return
        if name is not None and self._open[-1][0] != name:
            raise RuntimeError(f"stage {name!r} ends while {self._open[-1][0]!r} is the innermost open stage")
        rss = None
        if self._exact():
            try:
                hwm, rss = self._status()
                self._fold(hwm)
                self._reset()  # what follows the stage (the next step, say) starts its own region
            except (OSError, ValueError) as exc:
                self._lost(exc)
        if rss is None:
            rss = self._rss()
        t_end = time.perf_counter()
        if rss is not None:
            self._marks.append((t_end, rss))
        stage, peak, rss_begin, t_begin = self._open.pop()
        self._spans.append((stage, t_begin, t_end))
        if not self._exact() or rss_begin is None:
            return
        entry = self._stages.setdefault(stage, {"peak_rss_bytes": 0, "rss_at_begin_bytes": 0, "count": 0})
        if peak >= entry["peak_rss_bytes"]:
            entry["peak_rss_bytes"], entry["rss_at_begin_bytes"] = peak, rss_begin
        entry["count"] += 1

    def step(self) -> None:
        """A denoising step ends (diffusers' step callback): its peak is VmHWM since the previous
        boundary -- the previous step, or the latest stage mark (``prepare_latents`` ending) for the
        first step -- folded into the open stages and the call; then VmHWM is reset."""
        if not self._exact() or self._stopped:
            return
        try:
            start = self._rss_at_reset
            hwm, _ = self._status()
            self._fold(hwm)
            self._reset()
        except (OSError, ValueError) as exc:
            self._lost(exc)
            return
        if not self._steps:
            self._steps_begin = start
        self._steps.append(hwm)

    def stop(self) -> None:
        """Close open stages, stop the sampling thread and take the final reading."""
        if not self._started or self._stopped:
            return
        while self._open:
            self.end()
        if self._process is not None:
            self._sampler.stop()
        if self._exact():
            try:
                hwm, self._final = self._status()
                self._fold(hwm)
            except (OSError, ValueError) as exc:
                self._lost(exc)
        self._ru = (self._ru[0], _ru_maxrss_bytes())
        self._stopped = True

    def _sampled_stages(self, times: list[float], values: list[float]) -> dict[str, dict[str, int]]:
        """Per stage from the samples and the readings at the marks between its begin and end."""
        points = sorted([*zip(times, values, strict=True), *self._marks])
        at = [t for t, _ in points]
        stages: dict[str, dict[str, int]] = {}
        for name, t_begin, t_end in self._spans:
            lo, hi = bisect.bisect_left(at, t_begin), bisect.bisect_right(at, t_end)
            entry = stages.setdefault(name, {"peak_rss_bytes": 0, "rss_at_begin_bytes": 0, "count": 0})
            entry["count"] += 1
            if lo == hi:
                continue
            peak = int(max(v for _, v in points[lo:hi]))
            if peak >= entry["peak_rss_bytes"]:
                # points[lo] is the reading taken at the stage's begin mark
                entry["peak_rss_bytes"], entry["rss_at_begin_bytes"] = peak, int(points[lo][1])
        return {n: e for n, e in stages.items() if e["peak_rss_bytes"]}

    def result(self) -> dict[str, Any]:
        """Bytes: baseline, peak, peak - baseline, final RSS, per stage, and ru_maxrss with its caveat."""
        ru_before, ru_after = self._ru
        exact = self._exact() and self._stopped
        out: dict[str, Any] = {
            "source": "/proc/self/status VmHWM, VmRSS; timeline: psutil rss" if exact else "psutil rss",
            "interval_ms": self.interval_ms,
            "baseline_rss_bytes": None, "peak_rss_bytes": None, "delta_rss_bytes": None,
            "final_rss_bytes": None, "peak_source": None, "n_samples": 0,
            "ru_maxrss_bytes": ru_after,
            "ru_maxrss_note": ("getrusage ru_maxrss: not this call's peak; it includes VmHWM, so once VmHWM "
                               "is reset it is no longer the process-lifetime high-water mark either"
                               if exact else
                               "getrusage ru_maxrss: process-lifetime high-water mark, not this call's"),
            "stages": {}, "stages_source": None,
            "timeline": None, "unavailable": {},
        }
        if ru_after is None:
            out["unavailable"]["ru_maxrss"] = "resource.getrusage is not available on this platform"
        if not self._stopped:
            out["unavailable"]["rss"] = "no RSS reading (the tracker was not started and stopped)"
            return out
        times, values = self._sampler.series("rss")
        if values:
            out.update(n_samples=len(values), timeline=decimate(times, values, self.max_points))
        elif exact:
            out["unavailable"]["timeline"] = self._reason or "no RSS sample"
        if exact:
            out.update(baseline_rss_bytes=self._baseline, peak_rss_bytes=self._peak,
                       delta_rss_bytes=self._peak - self._baseline, final_rss_bytes=self._final,
                       peak_source="VmHWM (reset at start)", stages_source="VmHWM (reset at each stage begin)")
            out["stages"] = {n: {**e, "delta_rss_bytes": e["peak_rss_bytes"] - e["rss_at_begin_bytes"]}
                             for n, e in self._stages.items()}
            out["steps_peak_rss_bytes"] = list(self._steps)
            if self._steps and self._steps_begin is not None and "denoise" not in out["stages"]:
                # the denoising loop, bounded by the step callbacks (not a wrapped method)
                peak = max(self._steps)
                out["stages"]["denoise"] = {"peak_rss_bytes": peak, "rss_at_begin_bytes": self._steps_begin,
                                            "count": 1, "delta_rss_bytes": peak - self._steps_begin,
                                            "from": "step callbacks"}
            return out
        out["unavailable"]["vmhwm"] = self._hwm_reason
        out["steps_peak_rss_bytes"] = None
        if self._reason or not values:
            out["unavailable"]["rss"] = self._reason or "no RSS sample"
            if self._spans:
                out["unavailable"]["stages"] = out["unavailable"]["rss"]
            return out
        peak, source = max(values), "sampled"
        peak = max([peak, *(v for _, v in self._marks)])
        if ru_before is not None and ru_after is not None and ru_after > ru_before and ru_after > peak:
            peak, source = ru_after, "ru_maxrss"
        out.update(baseline_rss_bytes=values[0], peak_rss_bytes=peak, delta_rss_bytes=peak - values[0],
                   final_rss_bytes=values[-1], peak_source=source)
        stages = self._sampled_stages(*self._sampler.series("rss", relative=False))
        out["stages"] = {n: {**e, "delta_rss_bytes": e["peak_rss_bytes"] - e["rss_at_begin_bytes"]}
                         for n, e in stages.items()}
        if stages:
            out["stages_source"] = (f"sampled every {self.interval_ms:g} ms and at the stage marks "
                                    "(spikes shorter than the interval can be missed)")
        elif self._spans:
            out["unavailable"]["stages"] = "no RSS sample between the stage marks"
        return out
