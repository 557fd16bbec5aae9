"""NVML's view of a GPU during a call, sampled in a thread: device memory, this process's memory, power.

Device-used memory is what ``nvidia-smi`` shows for the whole card (every process, the CUDA
contexts, the allocator's cache); this process's used memory comes from
``nvmlDeviceGetComputeRunningProcesses`` matched on ``os.getpid()``. Inside a container NVML lists
the host's PIDs, so the match can fail: that source is then unavailable with the reason. Power is
``nvmlDeviceGetPowerUsage`` (on A100/H100-class boards a one-second running average), kept for
the energy fallback of :mod:`vbench.measure.energy`.
"""

from __future__ import annotations

import os
from typing import Any

from vbench import nvml
from vbench.measure.device import nvml_unavailable, resolve
from vbench.measure.sampler import ThreadSampler, decimate
from vbench.record import summarize

SERIES = ("device_used", "process_used", "power")
_PROCS_V2 = "nvmlDeviceGetComputeRunningProcesses_v2"
_MAX_PID_MISSES = 50  # stop asking for the process list when this process was never in it


class NvmlSampler:
    """Samples NVML every ``interval_ms`` between :meth:`start` and :meth:`stop`.

    Args:
        device: the torch device measured; mapped to its NVML handle by UUID / PCI bus id, so
            ``CUDA_VISIBLE_DEVICES`` is respected.
        interval_ms: sampling interval (~10 ms; one reading costs well under a millisecond).
        max_points: the stored timelines are decimated to this many points, keeping peaks.
    """

    name = "nvml"

    def __init__(self, device: Any = "cuda", interval_ms: float = 10.0, max_points: int = 500):
        self.device = resolve(device)
        self.interval_ms = interval_ms
        self.max_points = max_points
        self.handle_via: str | None = None
        self._handle: Any = None
        self._pid = os.getpid()
        self._procs_fn = "nvmlDeviceGetComputeRunningProcesses"
        reason = nvml_unavailable(self.device)
        if reason is None:
            self._handle, self.handle_via, reason = nvml.handle(self.device.index)
        self._fixed: dict[str, str] = dict.fromkeys(SERIES, reason) if reason else {}
        self._sampler = ThreadSampler(self._read, interval_ms)
        self._clear()

    def _clear(self) -> None:
        self._reasons: dict[str, str] = dict(self._fixed)
        self._pid_misses = 0
        self._pid_seen = False
        self._n_procs = 0
        self._stopped = False

    def _read(self) -> dict[str, int | float | None]:
        out: dict[str, int | float | None] = dict.fromkeys(SERIES)
        if "device_used" not in self._reasons:
            info, why = nvml.call("nvmlDeviceGetMemoryInfo", self._handle)
            if info is None:
                self._reasons["device_used"] = why or "no reading"
            else:
                out["device_used"] = int(info.used)
        if "process_used" not in self._reasons:
            out["process_used"] = self._process_used()
        if "power" not in self._reasons:
            milliwatts, why = nvml.call("nvmlDeviceGetPowerUsage", self._handle)
            if milliwatts is None:
                self._reasons["power"] = why or "no reading"
            else:
                out["power"] = milliwatts / 1000.0
        return out

    def _process_used(self) -> int | None:
        procs, why = nvml.call(self._procs_fn, self._handle)
        if procs is None and self._procs_fn != _PROCS_V2:  # drivers older than R510 lack the v3 call
            self._procs_fn = _PROCS_V2
            procs, why2 = nvml.call(self._procs_fn, self._handle)
            why = f"{why}; {why2}"
        if procs is None:
            self._reasons["process_used"] = why or "no reading"
            return None
        self._n_procs = len(procs)
        mine = [p for p in procs if int(p.pid) == self._pid]
        if not mine:
            self._pid_misses += 1
            if not self._pid_seen and self._pid_misses >= _MAX_PID_MISSES:
                self._reasons["process_used"] = self._miss_reason()
            return None
        self._pid_seen = True
        used = [p.usedGpuMemory for p in mine]
        if any(u is None for u in used):
            self._reasons["process_used"] = "NVML does not report per-process memory on this system"
            return None
        return int(sum(used))

    def _miss_reason(self) -> str:
        return (f"this process (pid {self._pid}) is not among the {self._n_procs} compute processes NVML lists "
                "for the device; in a container NVML reports host PIDs, which this process cannot see")

    def start(self) -> None:
        """Start sampling (no thread at all when NVML cannot describe the device)."""
        self._clear()
        if not self._fixed:
            self._sampler.start()

    def stop(self) -> None:
        if not self._fixed:
            self._sampler.stop()
        self._stopped = True

    def power_samples(self) -> tuple[list[float], list[float]]:
        """``(perf_counter times, watts)`` of every power reading, for integrating energy."""
        return self._sampler.series("power", relative=False)

    def result(self) -> dict[str, Any]:
        """Bytes for memory (baseline = first reading, peak), watts for power, with timelines."""
        out: dict[str, Any] = {"source": "nvml", "device": str(self.device), "handle_via": self.handle_via,
                               "interval_ms": self.interval_ms, "n_samples": len(self._sampler.times),
                               "timeline": {}, "unavailable": {}}
        for key in ("device_used", "process_used"):
            out[f"{key}_baseline_bytes"] = out[f"{key}_peak_bytes"] = out[f"{key}_delta_bytes"] = None
        out["power_w"] = None
        for key in SERIES:
            times, values = self._sampler.series(key)
            if not values or not self._stopped:
                if not self._stopped:
                    reason = "the sampler was not started and stopped"
                elif key == "process_used" and key not in self._reasons:
                    reason = self._miss_reason() if not self._pid_seen else "no reading"
                else:
                    reason = self._reasons.get(key, "no reading")
                out["unavailable"][key] = reason
                continue
            out["timeline"][key] = decimate(times, values, self.max_points)
            if key == "power":
                out["power_w"] = {k: v for k, v in summarize(values, "W").items() if k != "samples"}
            else:
                peak = int(max(values))
                out.update({f"{key}_baseline_bytes": int(values[0]), f"{key}_peak_bytes": peak,
                            f"{key}_delta_bytes": peak - int(values[0])})
        return out
