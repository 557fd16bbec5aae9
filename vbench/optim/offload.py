"""Offloading weights to host memory: ``model`` (whole components), ``sequential`` (every leaf module),
``group-leaf`` / ``group-block`` (diffusers' group offloading, optionally with CUDA streams).

Offloading moves weights between host memory and an accelerator, so it needs one: a run whose
device is the CPU is ``unsupported`` with diffusers' phrase (``... requires accelerator, but not
found``), also on a host that has a GPU, where diffusers would otherwise pick it by itself.
"""

from __future__ import annotations

from typing import Any

from vbench.errors import UnsupportedError
from vbench.optim.tensors import pipeline_modules


def wanted(optimizations: dict) -> bool:
    return optimizations["offload"] != "none"


def apply(built: Any, optimizations: dict, ctx: Any) -> dict[str, Any]:
    import torch

    mode, stream = optimizations["offload"], optimizations["offload_stream"]
    device = torch.device(ctx.device)
    pipe = built.pipe
    if device.type == "cpu":
        # given no device, diffusers would pick an accelerator itself: on a GPU host a run recorded as
        # CPU would compute on the GPU; without one it says the phrase below
        raise UnsupportedError(f"offload {mode!r} onloads weights onto an accelerator, but the run's device is "
                               "the CPU: requires accelerator, but not found")
    try:
        if mode == "model":
            pipe.enable_model_cpu_offload(device=device)
        elif mode == "sequential":
            pipe.enable_sequential_cpu_offload(device=device)
        else:
            if stream and device.type != "cuda":
                raise UnsupportedError("offload_stream needs CUDA streams")
            enable_group(pipe, mode, onload=device, stream=stream)
    except RuntimeError as exc:
        raise UnsupportedError(f"offload {mode!r}: {' '.join(str(exc).split())}") from None
    return {"mode": mode, "stream": stream if mode.startswith("group") else None,
            "hooked_modules": hooked(pipe)}


def enable_group(pipe: Any, mode: str, *, onload: Any, stream: bool = False) -> None:
    """Group offloading of every model component (``leaf_level`` or ``block_level``, one block a group)."""
    import torch

    kind = "leaf_level" if mode == "group-leaf" else "block_level"
    extra = {} if kind == "leaf_level" else {"num_blocks_per_group": 1}
    for module in pipeline_modules(pipe).values():
        if hasattr(module, "enable_group_offload"):
            module.enable_group_offload(onload_device=onload, offload_device=torch.device("cpu"),
                                        offload_type=kind, use_stream=stream, **extra)
        else:  # encoders from transformers
            from diffusers.hooks import apply_group_offloading

            apply_group_offloading(module, onload_device=onload, offload_device=torch.device("cpu"),
                                   offload_type=kind, use_stream=stream, **extra)


def hooked(pipe: Any) -> dict[str, int]:
    """Per component, how many submodules carry an offloading hook (accelerate's or diffusers')."""
    out = {}
    for name, module in pipeline_modules(pipe).items():
        out[name] = sum(1 for m in module.modules()
                        if getattr(m, "_hf_hook", None) is not None or getattr(m, "_diffusers_hook", None) is not None)
    return out
