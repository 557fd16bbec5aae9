"""A run measured on one machine, projected to a hardware profile it was not measured on.

Never mixed with measurements: every projected number says it is projected and what it rests on.

* **Memory** is kernel-independent at the allocator: the run's peak allocated bytes, plus the
  target's margin (the run's own reserved − allocated, and the CUDA context: the run's NVML
  process − reserved where measured, else an assumed 0.5 GiB). A CPU run has no allocator: its
  weights plus the call's growth of the resident set stand in, plus the assumed context.
* **Time** follows the roofline of the denoiser: one call moves at least its weights once per
  forward (bytes) and does ``flops.flops_per_call``; at a profile's dense peak for the run's dtype
  (``P``) and bandwidth (``B``) that takes ``max(F / P, bytes / B)``. A run measured on a profiled
  GPU is scaled by the ratio of the target's roofline time to the source's, so a compute-bound
  run scales with the throughput ratio and a bandwidth-bound one with the bandwidth ratio. A run
  measured on a CPU (or an unknown GPU) has no source to scale from: its projected time is the
  target's roofline time of the denoising loop alone, a lower bound, said so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vbench.hardware import Profile
from vbench.plan.planner import ASSUMED_CONTEXT_BYTES
from vbench.record import lookup, number

_DTYPE = {"float32": "fp32", "bfloat16": "bf16", "float16": "fp16"}


def dtype_of(record: Mapping[str, Any]) -> str:
    """The profile dtype key a run's denoiser matmuls ran in (int8/fp8 from its precision mode)."""
    mode = str(lookup(record, "spec.optimizations.precision") or "fp32")
    for key in ("int8", "fp8"):
        if mode.startswith(key):
            return key
    return _DTYPE.get(str(lookup(record, "applied.precision.compute_dtype") or ""), {
        "bf16": "bf16", "fp16": "fp16"}.get(mode, "fp32"))


@dataclass(frozen=True)
class Roofline:
    flops: float | None
    bytes: float | None
    note: str = ""

    @property
    def intensity(self) -> float | None:
        return None if not self.flops or not self.bytes else self.flops / self.bytes

    def seconds(self, profile: Profile, dtype: str) -> float | None:
        """The roofline time on ``profile``; None where its peak for ``dtype`` is unknown."""
        peak = profile.peak_tflops(dtype)
        if peak is None or self.flops is None or self.bytes is None:
            return None
        return max(self.flops / (peak * 1e12), self.bytes / (profile.bandwidth_gb_s * 1e9))

    def bound(self, profile: Profile, dtype: str) -> str | None:
        peak = profile.peak_tflops(dtype)
        if peak is None or self.intensity is None:
            return None
        return "compute" if self.intensity >= peak * 1e12 / (profile.bandwidth_gb_s * 1e9) else "bandwidth"


def roofline_of(record: Mapping[str, Any]) -> Roofline:
    """FLOPs of a call's denoiser forwards and the bytes they read at least (its weights per forward)."""
    flops = number(lookup(record, "flops.flops_per_call"))
    forwards = number(lookup(record, "flops.forwards_per_call"))
    weights = number(lookup(record, "memory.weights.denoiser_bytes"))
    if flops is None:
        why = (lookup(record, "flops.unavailable") or {}).get("flops") or "no FLOP count"
        return Roofline(None, None, f"no roofline: {why}")
    if forwards is None or weights is None:
        return Roofline(flops, None, "no roofline: the denoiser's weight bytes or forward count are not recorded")
    return Roofline(flops, forwards * weights)


@dataclass(frozen=True)
class Projected:
    latency_s: float | None
    peak_bytes: float | None
    latency_basis: str
    memory_basis: str
    bound: str | None = None  #: "compute" | "bandwidth" on the target


def project(record: Mapping[str, Any], target: Profile, source: Profile | None) -> Projected:
    """The latency and peak memory ``record`` would have on ``target`` (measured on ``source``)."""
    roof, dtype = roofline_of(record), dtype_of(record)
    measured = number(lookup(record, "timing.e2e.median"))
    t_target = roof.seconds(target, dtype)
    bound = roof.bound(target, dtype)
    if t_target is None:
        why = roof.note or f"{target.id} has no {dtype} peak in its profile"
        latency, basis = None, f"not projected: {why}"
    elif source is not None and measured is not None and roof.seconds(source, dtype):
        latency = measured * t_target / roof.seconds(source, dtype)
        basis = (f"measured {measured:.3g} s on {source.id} x the roofline ratio ({bound}-bound on {target.id}, "
                 f"{dtype})")
    else:
        latency = t_target
        basis = (f"roofline lower bound of the denoising loop on {target.id} ({bound}-bound, {dtype}); measured "
                 "on a machine with no profile to scale from")
    return Projected(latency, _memory(record)[0], basis, _memory(record)[1], bound)


def _memory(record: Mapping[str, Any]) -> tuple[float | None, str]:
    allocated = number(lookup(record, "memory.allocator.peak_allocated_bytes"))
    if allocated is not None:
        reserved = number(lookup(record, "memory.allocator.peak_reserved_bytes")) or allocated
        process = number(lookup(record, "memory.nvml.process_used_peak_bytes"))
        context = process - reserved if process is not None and process > reserved else ASSUMED_CONTEXT_BYTES
        how = "its NVML context" if process is not None and process > reserved else "an assumed 0.5 GiB context"
        return allocated + (reserved - allocated) + context, f"allocator peak + its fragmentation + {how}"
    weights = number(lookup(record, "memory.weights.total_bytes"))
    delta = number(lookup(record, "memory.host.delta_rss_bytes"))
    if weights is not None and delta is not None:
        return weights + delta + ASSUMED_CONTEXT_BYTES, ("weights + the call's host RSS growth + an assumed "
                                                         "0.5 GiB context (a CPU run: no allocator)")
    return None, "not projected: no allocator peak or host RSS growth recorded"
