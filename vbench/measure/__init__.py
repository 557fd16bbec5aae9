"""How a run is measured: stage and step times, memory peaks, energy, FLOPs.

Principles: correct numbers before fast numbers (synchronize before reading clocks, reset peaks
before measuring); a source that cannot be read is ``None`` with its reason in an ``unavailable``
mapping, never 0; raw samples are kept. torch is imported inside functions only.

* :mod:`~vbench.measure.clock` -- :class:`StageClock`: CUDA events or ``perf_counter`` per stage and step.
* :mod:`~vbench.measure.memory` -- :class:`AllocatorMemory` (CUDA allocator peaks per stage),
  :class:`HostMemory` (RSS: exact per call, stage and denoising step through VmHWM on Linux).
* :mod:`~vbench.measure.nvml_sampler` -- :class:`NvmlSampler` (device/process memory, power).
* :mod:`~vbench.measure.energy` -- :class:`EnergyMeter` (NVML energy counter, power fallback).
* :mod:`~vbench.measure.flops` -- FLOP counting, achieved TFLOP/s, fraction of the datasheet peak.
* :mod:`~vbench.measure.call` -- :class:`CallTracker`, all of the above around one call.
"""

from vbench.measure.call import CallResult, CallTracker
from vbench.measure.clock import CallTiming, StageClock, StageTiming
from vbench.measure.datasheet import peak_tflops
from vbench.measure.energy import EnergyMeter
from vbench.measure.flops import (
    FlopCount,
    achieved_tflops,
    count_flops,
    first_forward_flops,
    fraction_of_peak,
    matmul_dtype,
)
from vbench.measure.memory import AllocatorMemory, HostMemory
from vbench.measure.nvml_sampler import NvmlSampler

__all__ = [
    "AllocatorMemory", "CallResult", "CallTiming", "CallTracker", "EnergyMeter", "FlopCount", "HostMemory",
    "NvmlSampler", "StageClock", "StageTiming", "achieved_tflops", "count_flops", "first_forward_flops",
    "fraction_of_peak", "matmul_dtype", "peak_tflops",
]
