"""Energy of one call on the GPU, in joules.

First choice: the difference of NVML's total-energy counter (``nvmlDeviceGetTotalEnergyConsumption``,
millijoules since the driver loaded; Volta and newer) read after a synchronize at both ends.
Fallback: the power readings of an :class:`~vbench.measure.nvml_sampler.NvmlSampler`, integrated
over the call with the trapezoid rule. Both are for the whole board (other processes and idle
power included), not for this process alone. The counter advances in steps of some tens of
milliseconds, so calls much shorter than a second read coarsely; a counter that did not advance
is recorded as unavailable, never as 0 J.
"""

from __future__ import annotations

import time
from typing import Any

from vbench import nvml
from vbench.measure.device import nvml_unavailable, resolve, synchronize
from vbench.measure.sampler import integrate_window


class EnergyMeter:
    """Joules used by the GPU between :meth:`start` and :meth:`stop`.

    Args:
        device: the torch device measured.
        power: a sampler running over the same window (started before, stopped after), whose
            power readings are integrated when the energy counter cannot be read.
    """

    name = "energy"

    def __init__(self, device: Any = "cuda", power: Any = None):
        self.device = resolve(device)
        self.power = power
        self._handle: Any = None
        self._reason = nvml_unavailable(self.device)
        if self._reason is None:
            self._handle, _, self._reason = nvml.handle(self.device.index)
        self._window: tuple[float, float] | None = None
        self._counter: list[Any] = [None, None]
        self._counter_reason: str | None = None

    def _read_counter(self) -> int | None:
        if self._reason or self._counter_reason:
            return None
        value, why = nvml.call("nvmlDeviceGetTotalEnergyConsumption", self._handle)
        if value is None:
            self._counter_reason = f"the energy counter cannot be read ({why})"
        return value

    def start(self) -> None:
        """Wait for earlier GPU work, then read the counter."""
        self._counter_reason = None
        synchronize(self.device)
        self._counter = [self._read_counter(), None]
        self._window = (time.perf_counter(), time.perf_counter())

    def stop(self) -> None:
        """Wait for the call's GPU work, then read the counter again."""
        if self._window is None:
            raise RuntimeError("EnergyMeter.start() must be called first")
        synchronize(self.device)
        self._window = (self._window[0], time.perf_counter())
        self._counter[1] = self._read_counter()

    def result(self) -> dict[str, Any]:
        """``energy_j`` with its ``method``, both estimates when available, and reasons otherwise."""
        out: dict[str, Any] = {"source": "nvml", "device": str(self.device), "energy_j": None, "method": None,
                               "counter_j": None, "power_integral_j": None, "duration_s": None,
                               "mean_power_w": None, "scope": "whole GPU board, not this process alone",
                               "unavailable": {}}
        if self._reason:
            out["unavailable"]["energy"] = self._reason
            return out
        if self._window is None or self._window[1] == self._window[0]:
            out["unavailable"]["energy"] = "the meter was not started and stopped"
            return out
        t0, t1 = self._window
        out["duration_s"] = t1 - t0
        reasons = []
        e0, e1 = self._counter
        if e0 is None or e1 is None:
            reasons.append(self._counter_reason or "the energy counter cannot be read")
        elif e1 <= e0:
            reasons.append(f"the energy counter did not advance during the {t1 - t0:.3f} s call "
                           "(it updates less often than that)")
        else:
            out["counter_j"] = (e1 - e0) / 1000.0  # millijoules -> joules
        if self.power is not None:
            times, watts = self.power.power_samples()
            out["power_integral_j"] = integrate_window(times, watts, t0, t1)
            if out["power_integral_j"] is None:
                reasons.append(f"the power readings ({len(watts)}) do not span the call")
        else:
            reasons.append("no power sampler to fall back on")
        if out["counter_j"] is not None:
            out["energy_j"], out["method"] = out["counter_j"], "nvml_energy_counter"
        elif out["power_integral_j"] is not None:
            out["energy_j"], out["method"] = out["power_integral_j"], "power_integral"
        else:
            out["unavailable"]["energy"] = "; ".join(reasons)
        if out["energy_j"] is not None and t1 > t0:
            out["mean_power_w"] = out["energy_j"] / (t1 - t0)
        return out
