"""Per-module precision: the denoiser's module groups and lowering one group to a level.

Groups are the denoiser's top-level children that hold parameters (embeddings, norms, output
projection ...), with block lists split into their blocks (``blocks.0``, ``blocks.1`` ...).
Levels, from least to most precise:

* ``int8`` -- the group's linear layers get int8 weights (weight-only), compute stays fp32;
* ``bf16`` -- the group's weights and compute in bfloat16: its inputs are cast to bf16 on the way
  in and its outputs back to float32 on the way out, so neighbours at other levels fit together;
* ``fp32`` -- unchanged.
"""

from __future__ import annotations

from typing import Any

from vbench.optim.precision import cast_module
from vbench.optim.quantize import quantize_module

LEVELS = ("int8", "bf16", "fp32")


def groups(denoiser: Any) -> dict[str, Any]:
    """Candidate groups by dotted name, in module order."""
    import torch

    out: dict[str, Any] = {}
    for name, child in denoiser.named_children():
        if isinstance(child, (torch.nn.ModuleList, torch.nn.ModuleDict)):
            for sub, block in child.named_children():
                if any(True for _ in block.parameters()):
                    out[f"{name}.{sub}"] = block
        elif any(True for _ in child.parameters()):
            out[name] = child
    return out


def lower(module: Any, level: str, backend: str = "torchao", keep: frozenset[str] = frozenset()) -> Any:
    """Lower ``module`` in place to ``level``; returns it. ``keep``: the whole model's
    ``_keep_in_fp32_modules``, left in float32 inside the group as the uniform modes leave them."""
    import torch

    if level == "int8":
        quantize_module(module, "int8-weight-only", backend, keep=keep)
    elif level == "bf16":
        cast_module(module, torch.bfloat16, keep=keep)
        module.register_forward_pre_hook(_cast_inputs, with_kwargs=True)
        module.register_forward_hook(_cast_outputs)
    elif level != "fp32":
        raise ValueError(f"unknown level {level!r}; known: {', '.join(LEVELS)}")
    return module


def swap(root: Any, name: str, module: Any) -> Any:
    """Put ``module`` at ``name`` inside ``root``; returns what was there."""
    path, _, local = name.rpartition(".")
    parent = root.get_submodule(path) if path else root
    old = getattr(parent, local) if not local.isdigit() else parent[int(local)]
    setattr(parent, local, module)
    return old


def _convert(value: Any, dtype: Any) -> Any:
    import torch

    if isinstance(value, torch.Tensor) and value.is_floating_point() and value.dtype != dtype:
        return value.to(dtype)
    if isinstance(value, tuple):
        return tuple(_convert(v, dtype) for v in value)
    if isinstance(value, list):
        return [_convert(v, dtype) for v in value]
    return value


def _cast_inputs(_module, args, kwargs):
    import torch

    return _convert(args, torch.bfloat16), {k: _convert(v, torch.bfloat16) for k, v in kwargs.items()}


def _cast_outputs(_module, _args, output):
    import torch

    return _convert(output, torch.float32)
