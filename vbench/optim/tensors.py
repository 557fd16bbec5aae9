"""Measuring modules as they are: bytes of their tensors (quantized subclasses included) and dtypes."""

from __future__ import annotations

from typing import Any


def keep_in_fp32(module: Any) -> frozenset[str]:
    """The model's ``_keep_in_fp32_modules``: module names (matched on whole name parts) that
    diffusers keeps in float32 when it casts or quantizes a model."""
    return frozenset(getattr(module, "_keep_in_fp32_modules", None) or ())


def is_kept(name: str, keep: frozenset[str] | set[str]) -> bool:
    """Whether the parameter, buffer or layer ``name`` (dotted) lies in one of the ``keep`` modules."""
    return bool(keep) and not keep.isdisjoint(name.split("."))


def is_quantized(t: Any) -> bool:
    """Whether a weight is a tensor subclass (torchao, quanto) rather than a plain tensor or Parameter."""
    return type(t).__name__ not in ("Parameter", "Tensor")


def nbytes(t: Any) -> int:
    """Storage bytes of one tensor; a quantized tensor subclass counts its inner (packed) tensors."""
    flatten = getattr(t, "__tensor_flatten__", None)
    if flatten is not None and is_quantized(t):
        names, _ = flatten()
        return sum(nbytes(getattr(t, n)) for n in names)
    return t.numel() * t.element_size()


def module_bytes(module: Any) -> int:
    """Parameter + buffer bytes of ``module``, measured on the tensors."""
    return sum(nbytes(t) for t in [*module.parameters(), *module.buffers()])


def dtype_names(module: Any) -> str | None:
    """The dtypes of a module's parameters (``"float32"``, or ``"bfloat16,float32"`` when mixed)."""
    names = sorted({str(p.dtype).replace("torch.", "") for p in module.parameters()})
    return ",".join(names) or None


def tensor_types(module: Any) -> dict[str, int]:
    """How many parameters of each tensor class (``Tensor``, ``AffineQuantizedTensor`` ...) a module holds."""
    counts: dict[str, int] = {}
    for p in module.parameters():
        name = type(p).__name__
        name = "Tensor" if name == "Parameter" else name
        counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


def pipeline_modules(pipe: Any) -> dict[str, Any]:
    """The pipeline's ``torch.nn.Module`` components by name."""
    import torch

    return {name: comp for name, comp in pipe.components.items() if isinstance(comp, torch.nn.Module)}


def denoiser_attr_of(family: str) -> str:
    """Where a family's pipeline keeps its denoiser (diffusers' names)."""
    return "unet" if family == "svd" else "transformer"
