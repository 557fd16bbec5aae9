"""FLOPs of one denoiser forward (torch's FLOP counter), achieved TFLOP/s and the fraction of peak.

FLOPs are counted once, on an untimed pass: ``FlopCounterMode`` intercepts every operator and
would distort any time taken under it. It counts matmuls, convolutions and attention (a
multiply-add is 2 FLOPs) and ignores elementwise work, so the achieved rate is that of the
tensor-core-shaped work. Count on the eager module, before ``torch.compile``.

:func:`flops_section` turns one counted forward into the record's ``flops`` section (FLOPs per
call, achieved TFLOP/s, fraction of peak); it is the only place those are computed.

Example (CPU)::

    with first_forward_flops(pipe.transformer) as count:
        pipe(**workload)               # untimed
    count.flops, count.forwards        # FLOPs of the first forward, forwards seen in the call
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from vbench.measure.datasheet import dtype_key, peak_tflops
from vbench.nvml import error_text
from vbench.record import Flops


@dataclass
class FlopCount:
    """FLOPs of one counted forward; ``flops`` is None with a ``reason`` when it could not be counted."""

    flops: int | None = None
    by_op: dict[str, int] = field(default_factory=dict)  #: aten operator -> FLOPs
    forwards: int = 0  #: forwards of the module seen while counting (first_forward_flops)
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"flops": self.flops, "by_op": dict(self.by_op), "forwards": self.forwards,
                               "unavailable": {}}
        if self.flops is None:
            out["unavailable"]["flops"] = self.reason or "not counted"
        return out


def _fill(count: FlopCount, mode: Any) -> None:
    count.flops = int(mode.get_total_flops())
    totals = mode.get_flop_counts().get("Global", {})
    count.by_op = {str(op): int(n) for op, n in totals.items()}
    count.reason = None


def count_flops(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> FlopCount:
    """FLOPs of ``fn(*args, **kwargs)`` run once under ``torch.no_grad``; an exception becomes the reason.

    >>> import torch
    >>> count_flops(torch.nn.Linear(8, 4, bias=False), torch.ones(2, 8)).flops
    128
    """
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    count = FlopCount(forwards=1)
    mode = FlopCounterMode(display=False)
    try:
        with torch.no_grad(), mode:
            fn(*args, **kwargs)
    except Exception as exc:
        count.reason = f"counting FLOPs failed ({error_text(exc)})"
        return count
    _fill(count, mode)
    return count


@contextmanager
def first_forward_flops(module: Any) -> Iterator[FlopCount]:
    """Count the FLOPs of the first forward of ``module`` inside the block, and count its forwards.

    The counter is entered by a forward pre-hook and left by a forward hook (``always_call``, so an
    exception inside the forward leaves no counter behind); both hooks are removed on exit.
    """
    from torch.utils.flop_counter import FlopCounterMode

    count = FlopCount(reason="the module was not called inside the block")
    mode = FlopCounterMode(display=False)
    active = [False]

    def pre_hook(mod: Any, args: Any) -> None:
        count.forwards += 1
        if count.forwards == 1:
            mode.__enter__()
            active[0] = True

    def post_hook(mod: Any, args: Any, output: Any) -> None:
        if active[0]:
            active[0] = False
            mode.__exit__(None, None, None)
            if output is None and sys.exc_info()[0] is not None:  # always_call after a raising forward
                count.reason = f"the first forward raised {sys.exc_info()[0].__name__}"
            else:
                _fill(count, mode)

    handles = [module.register_forward_pre_hook(pre_hook),
               module.register_forward_hook(post_hook, always_call=True)]
    try:
        yield count
    finally:
        for h in handles:
            h.remove()
        if active[0]:
            mode.__exit__(None, None, None)
            count.reason = "the first forward did not finish"
            count.flops = None


def achieved_tflops(flops: float | None, seconds: float | None) -> float | None:
    """``flops / seconds / 1e12``; None when either is missing or the time is not positive.

    >>> achieved_tflops(2e12, 0.5)
    4.0
    """
    if flops is None or seconds is None or seconds <= 0:
        return None
    return flops / seconds / 1e12


def matmul_dtype(dtype: Any) -> str | None:
    """The peak-table dtype a torch dtype's matmuls run in: float32 counts as TF32 when torch allows it."""
    key = dtype_key(dtype)
    if key == "fp32":
        import torch

        if torch.get_float32_matmul_precision() != "highest" or torch.backends.cuda.matmul.allow_tf32:
            return "tf32"
    return key


def fraction_of_peak(tflops: float | None, gpu_name: str | None, dtype: Any) -> tuple[float | None, str | None]:
    """``(achieved / datasheet peak, None)`` or ``(None, reason)``.

    >>> fraction_of_peak(None, "NVIDIA L4", "bf16")
    (None, 'no achieved TFLOP/s')
    """
    if tflops is None:
        return None, "no achieved TFLOP/s"
    if not gpu_name:
        return None, "no CUDA device"
    peak = peak_tflops(gpu_name, dtype)
    if peak is None:
        return None, f"no datasheet peak known for {gpu_name!r} in {dtype_key(dtype) or dtype}"
    return tflops / peak, None


def flops_section(counted: dict[str, Any], denoise_s: Sequence[float] = (), gpu_name: str | None = None,
                  dtype: Any = None) -> Flops:
    """The record's ``flops`` section.

    Args:
        counted: :meth:`FlopCount.to_dict` of one denoiser forward plus ``forwards_per_call`` (the
            denoiser forwards of one pipeline call), or ``{"unavailable": {"flops": why}}``.
        denoise_s: the denoising-loop time of each timed call (empty when steps were not tracked).
        gpu_name: the CUDA device's name; None on a CPU.
        dtype: the denoiser's weight dtype (its matmuls' dtype picks the datasheet peak).

    ``flops_per_call`` = FLOPs of one forward x forwards per call; ``achieved_tflops`` = that over
    the median denoising time; ``fraction_of_peak`` = that over the datasheet peak.
    """
    out = {**counted, "unavailable": dict(counted.get("unavailable") or {})}
    per_forward, forwards = counted.get("flops"), counted.get("forwards_per_call")
    if not (per_forward and forwards and denoise_s):
        out.setdefault("achieved_tflops", None)
        out["unavailable"].setdefault("achieved_tflops", "needs FLOPs per forward and tracked step times")
        return out
    out["flops_per_call"] = per_forward * forwards
    out["achieved_tflops"] = achieved_tflops(out["flops_per_call"], statistics.median(denoise_s))
    if gpu_name:
        fraction, reason = fraction_of_peak(out["achieved_tflops"], gpu_name, matmul_dtype(dtype) or dtype)
    else:
        fraction, reason = None, "no GPU: peak FLOP/s is not defined for a CPU"
    out["fraction_of_peak"] = fraction
    if fraction is None:
        out["unavailable"].setdefault("fraction_of_peak", reason)
    return out
