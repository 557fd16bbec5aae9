"""Put weights on a device in a dtype the way ``from_pretrained(torch_dtype=...)`` would.

Two entry points:

* :func:`materialize` turns a module built on the meta device into one with seeded random
  weights, allocating each parameter directly on the target device in its target dtype (no
  full float32 copy anywhere; the peak extra memory is one parameter).
* :func:`place` moves an already built module (tiny) with the same dtype rule.

The dtype rule follows the model's own loader: floating parameters take ``dtype`` except those under
the model's keep-in-fp32 modules (kept float32; diffusers' and transformers' rules differ, see
:func:`_keep_fp32`); persistent floating buffers take ``dtype``; non-persistent buffers (rotary
tables and the like, computed at construction) keep their dtype.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from typing import Any

INIT_STD = 0.02  #: standard deviation of weight matrices, capped at 1/sqrt(fan_in)


def _keep_fp32(module: Any, dtype: Any) -> tuple[str, ...]:
    """Names of the submodules kept float32 when ``module`` is built in ``dtype``, by its library's rule.

    diffusers keeps ``_keep_in_fp32_modules`` float32 under any lower dtype; transformers only under
    float16, plus ``_keep_in_fp32_modules_strict`` under float16 and bfloat16 (so T5's ``wo``
    projections are bf16 in a bf16 pipeline, as ``from_pretrained(torch_dtype=torch.bfloat16)`` loads them).
    """
    import torch

    keep = tuple(getattr(module, "_keep_in_fp32_modules", None) or ())
    if type(module).__module__.startswith("transformers."):
        strict = tuple(getattr(module, "_keep_in_fp32_modules_strict", None) or ())
        keep = (keep if dtype == torch.float16 else ()) + (strict if dtype in (torch.float16, torch.bfloat16) else ())
    return keep


def param_dtype(name: str, keep_fp32: tuple[str, ...], dtype: Any) -> Any:
    """The dtype of parameter ``name`` (dotted) under diffusers' keep-in-fp32 rule."""
    import torch

    parts = name.split(".")
    if dtype != torch.float32 and any(k in parts for k in keep_fp32):
        return torch.float32
    return dtype


def _tensors(root: Any, kind: str) -> Iterator[tuple[str, Any, str, Any]]:
    """(qualified name, owning module, local name, tensor) for every parameter or buffer slot."""
    for prefix, module in root.named_modules(remove_duplicate=False):
        store = module._parameters if kind == "param" else module._buffers
        for local, tensor in list(store.items()):
            if tensor is None:
                continue
            qualified = f"{prefix}.{local}" if prefix else local
            yield qualified, module, local, tensor


def _seed_for(weights_seed: int, name: str) -> int:
    digest = hashlib.sha256(f"{int(weights_seed)}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "little") & ((1 << 63) - 1)


def _init_(tensor: Any, module: Any, local: str, name: str, weights_seed: int) -> None:
    """Seeded, numerically sane init in place: norms 1/0, biases 0, weights N(0, min(0.02, fan_in^-1/2))."""
    import torch

    is_norm = "norm" in type(module).__name__.lower()
    if local in ("bias", "beta") or local.endswith("_bias"):
        tensor.zero_()
        return
    if is_norm:
        tensor.fill_(1.0)
        return
    std = INIT_STD
    if local == "weight" and tensor.dim() >= 2:
        fan_in = math.prod(tensor.shape[1:])
        std = min(INIT_STD, fan_in ** -0.5)
    generator = torch.Generator(device=tensor.device).manual_seed(_seed_for(weights_seed, name))
    tensor.normal_(0.0, std, generator=generator)


def materialize(module: Any, *, device: Any, dtype: Any, weights_seed: int) -> Any:
    """Allocate and seed every meta parameter of ``module`` on ``device``; move buffers there.

    Parameters are replaced one at a time, each created on ``device`` in its final dtype and
    initialised there, so no float32 copy of the whole model ever exists. Shared parameters stay
    shared. Returns ``module`` (in eval mode).
    """
    import torch

    keep = _keep_fp32(module, dtype)
    done: dict[int, Any] = {}
    with torch.no_grad():
        for name, owner, local, tensor in _tensors(module, "param"):
            if id(tensor) not in done:
                if tensor.is_meta:
                    target = param_dtype(name, keep, dtype) if tensor.is_floating_point() else tensor.dtype
                    fresh = torch.empty(tensor.shape, dtype=target, device=device)
                    _init_(fresh, owner, local, name, weights_seed)
                else:
                    fresh = tensor.data.to(device=device, dtype=_floating(tensor, param_dtype(name, keep, dtype)))
                done[id(tensor)] = torch.nn.Parameter(fresh, requires_grad=tensor.requires_grad)
            owner._parameters[local] = done[id(tensor)]
        _move_buffers(module, device=device, dtype=dtype)
    leftover = [n for n, p in module.named_parameters() if p.is_meta]
    if leftover:
        raise RuntimeError(f"parameters left on the meta device: {leftover[:5]}")
    return module.eval()


def place(module: Any, *, device: Any, dtype: Any) -> Any:
    """Move a built module to ``device``, casting like ``from_pretrained(torch_dtype=dtype)``."""
    import torch

    keep = _keep_fp32(module, dtype)
    with torch.no_grad():
        for name, owner, local, tensor in _tensors(module, "param"):
            target = _floating(tensor, param_dtype(name, keep, dtype))
            if tensor.device != torch.device(device) or tensor.dtype != target:
                owner._parameters[local] = torch.nn.Parameter(
                    tensor.data.to(device=device, dtype=target), requires_grad=tensor.requires_grad)
        _move_buffers(module, device=device, dtype=dtype)
    return module.eval()


def _floating(tensor: Any, dtype: Any) -> Any:
    return dtype if tensor.is_floating_point() else tensor.dtype


def _move_buffers(module: Any, *, device: Any, dtype: Any) -> None:
    import torch

    for _name, owner, local, buf in _tensors(module, "buffer"):
        persistent = local not in owner._non_persistent_buffers_set
        target = _floating(buf, dtype) if persistent else buf.dtype
        if buf.is_meta:  # built with buffers on meta: nothing to copy, start from zeros
            owner._buffers[local] = torch.zeros(buf.shape, dtype=target, device=device)
        else:
            owner._buffers[local] = buf.to(device=device, dtype=target)


def realign(module: Any, alignment: int = 64) -> int:
    """Copy every parameter/buffer whose storage is not ``alignment``-byte aligned; returns how many.

    safetensors maps weights at arbitrary file offsets, and CPU BLAS kernels take different
    (differently rounded) paths for misaligned data: the same weights loaded from disk gave
    outputs 5e-7 away from the same weights built in memory. One aligned copy per tensor makes
    the result depend on the weights only.
    """
    import torch

    moved = 0
    with torch.no_grad():
        for kind in ("param", "buffer"):
            for _name, owner, local, tensor in _tensors(module, kind):
                if type(tensor.data) is not torch.Tensor or tensor.data_ptr() % alignment == 0:
                    continue  # aligned already, or a tensor subclass (quantized weights): leave it
                copy = tensor.data.clone()
                if kind == "param":
                    owner._parameters[local] = torch.nn.Parameter(copy, requires_grad=tensor.requires_grad)
                else:
                    owner._buffers[local] = copy
                moved += 1
    return moved


def count_parameters(module: Any) -> int:
    """Number of parameters (shared ones once); works on meta modules."""
    return sum(p.numel() for p in module.parameters())
