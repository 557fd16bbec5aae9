"""Floating-point precision of the pipeline: fp32, fp16, bf16, and the VAE's own precision.

Weights and compute change together (the modules are cast). ``hub``/``local``/``arch`` pipelines
are built straight in the run's dtype (:func:`build_dtype`), so a bf16 run never holds an fp32
copy; ``tiny`` ones are built in fp32 and cast here, so the error against fp32 can be measured on
the same model (see :mod:`vbench.optim.output_error`). Modules a model lists in
``_keep_in_fp32_modules`` stay float32, as with ``from_pretrained(torch_dtype=...)``. The VAE
follows the denoiser unless ``vae_precision`` says otherwise, since VAEs often need fp32.
Quantized modes (int8, nf4, dynamic) compute in fp32 around their lowered weights, the fp8 modes in
bf16; their transforms come after this one.
"""

from __future__ import annotations

from typing import Any

from vbench.optim.tensors import dtype_names, is_kept, keep_in_fp32, pipeline_modules

FLOAT_DTYPES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}


def torch_dtype(name: str):
    import torch

    return getattr(torch, FLOAT_DTYPES[name])


def build_dtype(optimizations: dict, model: dict | None = None):
    """The dtype to build the pipeline in: the run's float dtype, except fp32 for ``tiny`` (cast later)."""
    import torch

    mode = optimizations["precision"]
    if mode not in FLOAT_DTYPES or (model or {}).get("source") == "tiny":
        return torch.float32
    return torch_dtype(mode)


def apply(built: Any, optimizations: dict, ctx: Any) -> dict[str, Any]:
    """Cast to the run's float dtype where the build did not, cast the VAE for ``vae_precision``;
    report every module's dtypes as measured on its weights."""
    import torch

    mode = optimizations["precision"]
    compute = mode if mode in FLOAT_DTYPES else "fp32"  # quantized modes: see their own transform
    modules = pipeline_modules(built.pipe)
    built_in = str(built.denoiser.dtype).removeprefix("torch.")
    cast_here = []
    if compute != "fp32" and built.denoiser.dtype == torch.float32:
        for name, module in modules.items():
            cast_module(module, torch_dtype(compute))
            cast_here.append(name)
    vae_mode = optimizations.get("vae_precision")
    if vae_mode and "vae" in modules:
        cast_module(modules["vae"], torch_dtype(vae_mode))
        if "vae" not in cast_here:
            cast_here.append("vae")
    return {"mode": mode, "compute_dtype": "bfloat16" if mode.startswith("fp8") else FLOAT_DTYPES[compute], "vae_precision": vae_mode or compute,
            "built_in": built_in, "cast_after_build": cast_here,
            "modules": {name: dtype_names(module) for name, module in modules.items()}}


def cast_module(module: Any, dtype: Any, keep: frozenset[str] | None = None) -> Any:
    """Cast floating parameters and persistent buffers to ``dtype`` like ``from_pretrained`` does:
    ``_keep_in_fp32_modules`` (or ``keep``, the model's list when ``module`` is a part of it) stay
    float32, non-persistent buffers (rope tables) keep their dtype."""
    import torch

    keep = keep_in_fp32(module) if keep is None else keep
    with torch.no_grad():
        for name, param in list(module.named_parameters()):
            if not param.is_floating_point():
                continue
            target = torch.float32 if is_kept(name, keep) else dtype
            if param.dtype != target:
                owner, local = _owner(module, name)
                owner._parameters[local] = torch.nn.Parameter(param.data.to(target), requires_grad=False)
        for name, buf in list(module.named_buffers()):
            owner, local = _owner(module, name)
            if buf.is_floating_point() and local not in owner._non_persistent_buffers_set:
                owner._buffers[local] = buf.to(torch.float32 if is_kept(name, keep) else dtype)
    return module


def _owner(module: Any, name: str) -> tuple[Any, str]:
    path, _, local = name.rpartition(".")
    return (module.get_submodule(path) if path else module), local
