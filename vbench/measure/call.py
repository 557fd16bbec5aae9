"""All trackers of one pipeline call, started and stopped in the order the measurement protocol needs.

Order at the start: Python's cyclic garbage is collected first (``start(collect=False)`` leaves
that to the caller), so what earlier calls left for the collector is not freed inside the
measured call, lowering RSS under the baseline and spending time; then the samplers (host RSS, NVML) first so they span the whole call, then the
energy counter, then the allocator (synchronize, baseline, reset peaks), and the clock last, so
nothing the trackers do is timed. At the end the clock stops first (its one synchronize), then
the others in reverse. A stage boundary resets the peaks of the host (VmHWM) and of the allocator
outside the clock's marks, in that order at its begin and the reverse at its end.

Example (CPU)::

    tracker = CallTracker("cpu")
    tracker.start()
    with tracker.stage("denoise"):
        pipe(..., callback_on_step_end=tracker.step_callback)
    result = tracker.stop()          # CallResult
    result.timing.e2e_s, result.to_dict()["memory"]["host"]["peak_rss_bytes"]
    result.memory["host"]["stages"]["denoise"]["delta_rss_bytes"]
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from typing import Any

from vbench.measure.clock import CallTiming, StageClock
from vbench.measure.device import resolve
from vbench.measure.energy import EnergyMeter
from vbench.measure.memory import AllocatorMemory, HostMemory
from vbench.measure.nvml_sampler import NvmlSampler
from vbench.measure.stages import StageMarks


@dataclass
class CallResult:
    """What one call measured: its timing and each tracker's ``result()``."""

    timing: CallTiming
    memory: dict[str, dict[str, Any]]  #: "allocator", "nvml", "host"
    energy: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"timing": self.timing.to_dict(), "memory": self.memory, "energy": self.energy}


class CallTracker(StageMarks):
    """Clock, allocator peaks, host RSS, NVML samples and energy for one call on ``device``.

    Args:
        device: where the call runs; on CPU the GPU sources are recorded as unavailable.
        interval_ms: sampling interval of the host and NVML threads.
        samplers: start the sampling threads (host RSS, NVML); off, only clock, allocator and
            the energy counter run.
    """

    def __init__(self, device: Any = "cpu", *, interval_ms: float = 10.0, samplers: bool = True):
        self.device = resolve(device)
        self.clock = StageClock(self.device)
        self.allocator = AllocatorMemory(self.device)
        self.host = HostMemory(interval_ms) if samplers else None
        self.nvml = NvmlSampler(self.device, interval_ms) if samplers else None
        self.energy = EnergyMeter(self.device, power=self.nvml)

    def start(self, collect: bool = True) -> None:
        """Start every tracker; ``collect``: run a full garbage collection first (about 0.17 s
        with torch and diffusers loaded, untimed; off where the caller collects outside its own
        timer, as the pytest plugin does)."""
        if collect:
            gc.collect()
        for sampler in (self.host, self.nvml):
            if sampler is not None:
                sampler.start()
        self.energy.start()
        self.allocator.start()
        self.clock.start()

    def begin(self, name: str) -> None:
        if self.host is not None:
            self.host.begin(name)
        self.allocator.begin(name)
        self.clock.begin(name)

    def end(self, name: str | None = None) -> None:
        self.clock.end(name)
        self.allocator.end(name)
        if self.host is not None:
            self.host.end(name)

    def step(self) -> None:
        """A denoising step ends: the clock's mark first, then the host's per-step peak (whose
        reading and reset land in the next step's time: about 0.14 ms on this CPU)."""
        self.clock.step()
        if self.host is not None:
            self.host.step()

    def step_callback(self, pipe: Any, step_index: int, timestep: Any, callback_kwargs: dict) -> dict:
        """diffusers' ``callback_on_step_end``: marks a denoising step."""
        self.step()
        return callback_kwargs

    def stop(self) -> CallResult:
        timing = self.clock.stop()
        self.allocator.stop()
        self.energy.stop()
        for sampler in (self.nvml, self.host):
            if sampler is not None:
                sampler.stop()
        memory = {"allocator": self.allocator.result()}
        for key, sampler, why in (("nvml", self.nvml, "samplers were off"), ("host", self.host, "samplers were off")):
            memory[key] = sampler.result() if sampler is not None else {"unavailable": {key: why}}
        return CallResult(timing=timing, memory=memory, energy=self.energy.result())
