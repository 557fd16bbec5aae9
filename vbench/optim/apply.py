"""Applying a run's optimizations to a built pipeline, in one fixed order.

Each transform is ``apply(built, optimizations, ctx) -> dict`` of what it changed (``ctx`` holds the
device, the run's workload and the lazily taken fidelity probe); the dicts land in the record
under ``applied[name]``. The order:

0. at build time (:func:`build_options`, the keyword arguments of ``build_pipeline``): quantized
   loading of ``hub``/``local`` weights, then the dtype the pipeline is built in.
1. precision lowering -- float cast, then int8/nf4, fp8 or per-module dynamic; every later
   transform sees the final weights. The denoiser's relative output error against fp32 is
   measured across this stage and stated in ``applied["precision"]["fidelity"]``.
2. attention backend (sets processors on the final modules).
3. VAE slicing/tiling, then chunked VAE decode and the denoiser's frame chunking (wrap forwards).
4. a step-level cache (diffusers' hooks on the final modules, with vbench's counters under them).
5. offload (hooks move the final weights).
6. compile last, so it traces everything above.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vbench.optim import (
    attention,
    caching,
    chunking,
    compiling,
    dynamic,
    fp8,
    offload,
    precision,
    quantize,
    vae,
    vae_chunking,
)
from vbench.optim.output_error import Probe
from vbench.optim.tensors import dtype_names, is_quantized, pipeline_modules

Transform = Callable[[Any, dict, Any], dict]

#: (name, is it requested?, transform), applied in this order.
ORDER: list[tuple[str, Callable[[dict], bool], Transform]] = [
    ("precision", lambda o: True, precision.apply),
    ("quantize", quantize.wanted, quantize.apply),
    ("fp8", fp8.wanted, fp8.apply),
    ("dynamic", dynamic.wanted, dynamic.apply),
    ("attention", attention.wanted, attention.apply),
    ("vae", vae.wanted, vae.apply),
    ("vae_chunking", vae_chunking.wanted, vae_chunking.apply),
    ("chunking", chunking.wanted, chunking.apply),
    ("cache", caching.wanted, caching.apply),
    ("offload", offload.wanted, offload.apply),
    ("compile", compiling.wanted, compiling.apply),
]

#: The transforms that lower precision; the fidelity probe brackets them.
LOWERING = ("precision", "quantize", "fp8", "dynamic")


def build_options(spec: dict, device: Any) -> dict[str, Any]:
    """The keyword arguments of :func:`vbench.models.build_pipeline` that a run's (RunSpec dict's)
    transforms decide, step 0 of the order: ``quantization`` (a config that loads ``hub``/``local``
    weights quantized; absent otherwise), then ``dtype`` (the float dtype to build in).

    Raises:
        UnsupportedError: the quantization backend cannot run here.
    """
    optimizations, model = spec["optimizations"], spec["model"]
    quantization = quantize.load_config(optimizations, model, device)
    options: dict[str, Any] = {} if quantization is None else {"quantization": quantization}
    options["dtype"] = precision.build_dtype(optimizations, model)
    return options


@dataclass
class Context:
    """What transforms may need besides the pipeline and their settings."""

    device: Any
    workload: dict | None = None
    built: Any = None
    _probe: Probe | None = field(default=None, repr=False)

    def probe(self) -> Probe:
        """The fp32 output of the denoiser on this run's first-call inputs (taken once, before lowering)."""
        if self._probe is None:
            self._probe = Probe(self.built, self.workload, self.device)
        return self._probe


def apply_optimizations(built: Any, optimizations: dict, device: Any, *, workload: dict | None = None,
                        ctx: Context | None = None) -> dict[str, Any]:
    """Apply every requested transform in :data:`ORDER`; returns ``{name: what it changed}``."""
    ctx = ctx or Context(device=device)
    ctx.device, ctx.built = device, built
    if ctx.workload is None:
        ctx.workload = workload
    _one_expert_only(built, optimizations)
    measure = _fidelity_measurable(built, optimizations)
    if measure is None:
        ctx.probe()
    applied: dict[str, Any] = {}
    for name, asked, transform in ORDER:
        if asked(optimizations):
            applied[name] = transform(built, optimizations, ctx)
        if name == LOWERING[-1]:
            applied["precision"]["fidelity"] = _fidelity(ctx, optimizations, measure, applied.get("dynamic"))
            # read again after every lowering step (fp8 storage, dynamic's bf16 groups change them)
            applied["precision"]["modules"] = {n: dtype_names(m) for n, m in pipeline_modules(built.pipe).items()}
    return applied


#: Transforms that act on ``built.denoiser`` alone: on a two-expert pipeline they would change one
#: expert and leave the other as it was, so there they are unsupported.
ONE_EXPERT = ("quantize", "fp8", "dynamic", "attention", "chunking", "cache")


def _one_expert_only(built: Any, optimizations: dict) -> None:
    from vbench.errors import UnsupportedError

    if getattr(built.pipe, "transformer_2", None) is None:
        return
    asked = [name for name, wanted, _ in ORDER if name in ONE_EXPERT and wanted(optimizations)]
    if optimizations.get("compile"):
        asked.append("compile")
    if asked:
        raise UnsupportedError(f"{', '.join(asked)} would apply to the first expert only: this pipeline has two "
                               "(transformer and transformer_2, Wan2.2-A14B), and vbench does not yet apply it to "
                               "both; precision casts, offload and VAE settings cover both")


def _fidelity_measurable(built: Any, optimizations: dict) -> str | None:
    """None when the error against fp32 can be measured here, else why not."""
    import torch

    if optimizations["precision"] == "fp32":
        return "this run is the fp32 reference"
    if built.denoiser.dtype != torch.float32:
        return f"the denoiser was built directly in {str(built.denoiser.dtype).removeprefix('torch.')} (no fp32 copy held)"
    if any(is_quantized(p) for p in built.denoiser.parameters()):
        return "the denoiser was loaded quantized (no fp32 copy held)"
    return None


def _fidelity(ctx: Context, optimizations: dict, why_not: str | None, dynamic: dict | None = None) -> dict[str, Any]:
    if why_not is not None:
        zero = optimizations["precision"] == "fp32"
        return {"rel_error_vs_fp32": 0.0 if zero else None, "note": why_not}
    # dynamic measured this already, on the same probe once its policy was applied: not run twice
    # (its pipeline stays fp32 around the denoiser, so re-captured inputs would be the same)
    error = dynamic["measured_error"] if dynamic is not None else ctx.probe().error_now()
    return {"rel_error_vs_fp32": error,
            "measured_on": "denoiser output, first-call inputs of this workload (same seed)"}
