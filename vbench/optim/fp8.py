"""fp8 storage with bf16 compute: diffusers' layerwise casting of the denoiser.

Weights are stored as ``float8_e4m3fn`` and cast to bfloat16 layer by layer just before each
forward (``ModelMixin.enable_layerwise_casting``); norms, embeddings and the patch/output
projections stay as they are (diffusers' default skip patterns). Compute stays bf16, so this
halves the weight memory of bf16, not its arithmetic. The device must be able to hold and cast
float8 tensors; where it cannot, the run is ``unsupported``.
"""

from __future__ import annotations

from typing import Any

from vbench.errors import UnsupportedError
from vbench.optim.precision import cast_module
from vbench.optim.tensors import module_bytes


def wanted(optimizations: dict) -> bool:
    return optimizations["precision"] == "fp8"


def check_device(device: Any) -> None:
    import torch

    try:
        x = torch.ones(4, device=device, dtype=torch.bfloat16)
        ok = bool((x.to(torch.float8_e4m3fn).to(torch.bfloat16) == x).all())
    except (RuntimeError, TypeError, AttributeError) as exc:
        raise UnsupportedError(f"fp8 storage: this torch/device cannot cast float8_e4m3fn ({exc})") from None
    if not ok:
        raise UnsupportedError("fp8 storage: float8_e4m3fn casts are wrong on this device")


def apply(built: Any, optimizations: dict, ctx: Any) -> dict[str, Any]:
    import torch

    check_device(ctx.device)
    denoiser = built.denoiser
    if not hasattr(denoiser, "enable_layerwise_casting"):
        raise UnsupportedError(f"{type(denoiser).__name__} has no layerwise casting in this diffusers version")
    before = module_bytes(denoiser)
    cast_module(denoiser, torch.bfloat16)  # compute dtype first; fp32-kept modules stay fp32
    denoiser.enable_layerwise_casting(storage_dtype=torch.float8_e4m3fn, compute_dtype=torch.bfloat16)
    fp8 = sum(1 for p in denoiser.parameters() if p.dtype == torch.float8_e4m3fn)
    return {"storage_dtype": "float8_e4m3fn", "compute_dtype": "bfloat16", "fp8_parameters": fp8,
            "parameters": sum(1 for _ in denoiser.parameters()),
            "denoiser_bytes_before": before, "denoiser_bytes": module_bytes(denoiser)}
