"""Which device a tracker measures, and why a CUDA-only source cannot be read on it."""

from __future__ import annotations

from typing import Any


def resolve(device: Any) -> Any:
    """``"cuda"``, ``"cuda:1"``, ``"cpu"`` or a ``torch.device`` -> a ``torch.device`` with an index for CUDA.

    >>> str(resolve("cpu"))
    'cpu'
    """
    import torch

    dev = torch.device(device)
    if dev.type == "cuda" and dev.index is None and torch.cuda.is_available():
        dev = torch.device("cuda", torch.cuda.current_device())
    return dev


def cuda_unavailable(dev: Any) -> str | None:
    """``None`` when ``dev`` is a usable CUDA device, else the reason a CUDA source cannot be read.

    >>> cuda_unavailable(resolve("cpu")) in ("no CUDA device", "the run is on cpu, not on a CUDA device")
    True
    """
    import torch

    if not torch.cuda.is_available():
        return "no CUDA device"
    if dev.type != "cuda":
        return f"the run is on {dev.type}, not on a CUDA device"
    return None


def nvml_unavailable(dev: Any) -> str | None:
    """``None`` when NVML can describe ``dev``, else why not (no CUDA device, a ROCm build)."""
    import torch

    reason = cuda_unavailable(dev)
    if reason is None and getattr(torch.version, "hip", None):
        reason = "a ROCm device: NVML does not apply"
    return reason


def synchronize(dev: Any) -> None:
    """Wait for all work queued on ``dev`` (every stream); a no-op on CPU."""
    import torch

    if dev.type == "cuda" and torch.cuda.is_available():
        torch.cuda.synchronize(dev)
