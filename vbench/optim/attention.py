"""Attention backend by name, through diffusers' ``set_attention_backend``.

Two cases are told apart from a real change:

* the backend cannot run here -- its kernel package is missing (diffusers' own message names it),
  it downloads kernels from the Hub at run time, or it needs CUDA on a CPU run: ``unsupported``;
* the family ignores the setting -- its attention processors call
  ``F.scaled_dot_product_attention`` directly instead of diffusers' dispatcher (CogVideoX and
  Mochi in diffusers 0.42): the backend is recorded with ``effect: "no effect"``, never as a
  difference.
"""

from __future__ import annotations

import inspect
from typing import Any

from vbench.errors import UnsupportedError

#: torch's own SDPA kernels that exist only on CUDA.
CUDA_ONLY = {"_native_flash", "_native_efficient", "_native_cudnn", "flash", "flash_varlen", "_flash_3",
             "_flash_varlen_3", "sage", "sage_varlen", "_sage_qk_int8_pv_fp8_cuda",
             "_sage_qk_int8_pv_fp8_cuda_sm90", "_sage_qk_int8_pv_fp16_cuda", "_sage_qk_int8_pv_fp16_triton",
             "xformers"}


def wanted(optimizations: dict) -> bool:
    return optimizations["attention_backend"] is not None


def apply(built: Any, optimizations: dict, ctx: Any) -> dict[str, Any]:
    import torch

    name = optimizations["attention_backend"]
    denoiser = built.denoiser
    if not hasattr(denoiser, "set_attention_backend"):
        raise UnsupportedError(f"{type(denoiser).__name__} has no set_attention_backend in this diffusers version")
    if name.endswith("_hub"):
        raise UnsupportedError(f"attention backend {name!r} downloads its kernel from the Hugging Face Hub at run "
                               f"time (package `kernels`); vbench never fetches code or weights during a run")
    set_backend(denoiser, name)  # first: a missing kernel package is named before "CUDA only"
    if torch.device(ctx.device).type != "cuda" and name in CUDA_ONLY:
        raise UnsupportedError(f"attention backend {name!r} runs on CUDA only; the run's device is {ctx.device}")
    processors = processor_classes(denoiser)
    dispatching = sorted(c for c, uses in processors.items() if uses)
    ignoring = sorted(c for c, uses in processors.items() if not uses)
    out = {"backend": name, "set_on": backends_set(denoiser), "processors": sorted(processors)}
    if not dispatching:
        out["effect"] = "no effect"
        out["reason"] = (f"{', '.join(ignoring) or 'no attention processor'} call(s) torch's SDPA directly; "
                         f"{type(denoiser).__name__} ignores set_attention_backend")
    else:
        out["effect"] = "set" if not ignoring else "partial"
        if ignoring:
            out["reason"] = f"{', '.join(ignoring)} ignore(s) the backend"
    return out


def set_backend(denoiser: Any, name: str) -> None:
    """Set ``name`` on every attention processor of ``denoiser``, and on nothing else.

    diffusers' ``set_attention_backend`` also makes ``name`` the process-wide default
    (``_AttentionBackendRegistry``), which every model built later in the process would then use:
    in a worker that runs several runs, a run that asks for no backend would silently get the
    previous run's. The processors carry their own backend, so the default is put back.
    """
    from diffusers.models.attention_dispatch import _AttentionBackendRegistry

    default = _AttentionBackendRegistry._active_backend
    try:
        denoiser.set_attention_backend(name)
    except (RuntimeError, ValueError, ImportError) as exc:
        raise UnsupportedError(f"attention backend {name!r}: {' '.join(str(exc).split())}") from None
    finally:
        _AttentionBackendRegistry.set_active_backend(default)


def processor_classes(denoiser: Any) -> dict[str, bool]:
    """Each attention processor class in ``denoiser`` -> whether it goes through diffusers' dispatcher."""
    out: dict[str, bool] = {}
    for module in denoiser.modules():
        proc = getattr(module, "processor", None)
        if proc is None or type(proc).__name__ in out:
            continue
        try:
            source = inspect.getsource(type(proc).__call__)
        except (OSError, TypeError):
            source = ""
        out[type(proc).__name__] = "dispatch_attention_fn" in source
    return out


def backends_set(denoiser: Any) -> dict[str, int]:
    """How many attention processors carry each backend name (diffusers' ``_attention_backend``)."""
    counts: dict[str, int] = {}
    for module in denoiser.modules():
        proc = getattr(module, "processor", None)
        backend = getattr(proc, "_attention_backend", None)
        if proc is not None:
            key = str(getattr(backend, "value", backend))
            counts[key] = counts.get(key, 0) + 1
    return counts
