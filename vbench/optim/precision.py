"""Floating-point precision of the denoiser and the VAE: fp32, fp16, bf16.

Weights and compute change together (the modules are cast). The VAE follows the denoiser unless
``vae_precision`` says otherwise, since VAEs often need fp32. Quantized modes are not part of
this version yet and raise :class:`UnsupportedError`.
"""

from __future__ import annotations

from typing import Any

from vbench.errors import UnsupportedError

FLOAT_DTYPES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}


def torch_dtype(name: str):
    import torch

    return getattr(torch, FLOAT_DTYPES[name])


def apply(built: Any, optimizations: dict, device: Any) -> dict[str, Any]:
    """The pipeline was built in the run's dtype (:func:`build_dtype`); cast the VAE when
    ``vae_precision`` asks for another, and report every module's dtypes as measured on its weights."""
    mode = optimizations["precision"]
    if mode not in FLOAT_DTYPES:
        raise UnsupportedError(f"precision {mode!r} is not implemented in this vbench version")
    vae_mode = optimizations.get("vae_precision")
    modules = _modules(built.pipe)
    if vae_mode and "vae" in modules:
        modules["vae"].to(dtype=torch_dtype(vae_mode))
    return {"mode": mode, "vae_precision": vae_mode or mode,
            "modules": {name: _dtype_of(module) for name, module in modules.items()}}


def _modules(pipe) -> dict[str, Any]:
    import torch

    return {name: comp for name, comp in pipe.components.items() if isinstance(comp, torch.nn.Module)}


def _dtype_of(module) -> str | None:
    dtypes = sorted({str(p.dtype).replace("torch.", "") for p in module.parameters()})
    return dtypes[0] if len(dtypes) == 1 else ",".join(dtypes) or None


def build_dtype(optimizations: dict):
    """The dtype to build the pipeline in, so a bf16 run never holds a full fp32 copy first."""
    import torch

    mode = optimizations["precision"]
    return torch_dtype(mode) if mode in FLOAT_DTYPES else torch.float32
