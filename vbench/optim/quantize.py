"""Integer quantization of the denoiser's linear layers: int8 weight-only, int8 dynamic, nf4.

Backends (``quant_backend``):

* ``torchao`` -- ``quantize_(module, Int8WeightOnlyConfig())`` / ``Int8DynamicActivationInt8WeightConfig()``
  on built modules (``tiny``, ``arch``); for ``hub``/``local`` the same config objects go to
  ``from_pretrained`` through diffusers' ``TorchAoConfig`` so the weights load quantized.
* ``quanto`` -- optimum-quanto ``quantize(m, weights=qint8)`` + ``freeze``; at load, diffusers'
  ``QuantoConfig(weights_dtype="int8")``. Weight-only: quanto's activation quantization needs a
  calibration pass (static scales), which is not the dynamic mode.
* ``bitsandbytes`` -- diffusers' ``BitsAndBytesConfig`` (int8 or nf4), CUDA only.

Modules the model lists in ``_keep_in_fp32_modules`` (Wan's time embedder, for one) are left
unquantized, as diffusers' torchao and quanto loaders leave them, so a ``tiny``/``arch`` run
quantizes the same layers as a ``hub``/``local`` one. ``quant_granularity`` picks torchao's scale
granularity: ``per_row`` (one fp32 scale and zero point per output row, the default) or
``per_tensor`` (one for the whole weight; smaller, coarser).

The record states how many linear layers were quantized and which were kept, the tensor classes
now holding their weights, and the measured bytes of those weights before and after, split into
the integer payload and the scales/zero points that come with it.
"""

from __future__ import annotations

from typing import Any

from vbench.errors import UnsupportedError
from vbench.optim.tensors import (
    denoiser_attr_of,
    is_kept,
    is_quantized,
    keep_in_fp32,
    module_bytes,
    nbytes,
    tensor_types,
)

INT8 = ("int8-weight-only", "int8-dynamic")
MODES = (*INT8, "nf4")


def wanted(optimizations: dict) -> bool:
    return optimizations["precision"] in MODES


def torchao_config(mode: str, granularity: str = "per_row") -> Any:
    from torchao.quantization import Int8DynamicActivationInt8WeightConfig, Int8WeightOnlyConfig
    from torchao.quantization.granularity import PerRow, PerTensor

    gran = PerTensor() if granularity == "per_tensor" else PerRow()
    if mode == "int8-weight-only":
        return Int8WeightOnlyConfig(granularity=gran)
    return Int8DynamicActivationInt8WeightConfig(granularity=gran)


def quantizable(module: Any, keep: frozenset[str] | None = None) -> Any:
    """A ``filter_fn(sub, fqn)`` for torchao's ``quantize_``: linear layers outside the model's
    ``_keep_in_fp32_modules`` (matched on whole name parts), which diffusers' quantizers never convert.
    ``keep``: the model's list when ``module`` is a part of it (the part has no list of its own)."""
    import torch

    keep = keep_in_fp32(module) if keep is None else keep

    def linear_not_kept(sub: Any, fqn: str) -> bool:
        return isinstance(sub, torch.nn.Linear) and not is_kept(fqn, keep)

    return linear_not_kept


def check_backend(mode: str, backend: str, device: Any) -> None:
    """Raise :class:`UnsupportedError` when ``backend`` cannot provide ``mode`` on ``device``."""
    import importlib.util

    dev = getattr(device, "type", str(device))
    if backend == "bitsandbytes":
        if dev != "cuda":
            raise UnsupportedError(f"bitsandbytes {mode} needs a CUDA device (its int8/nf4 kernels are CUDA "
                                   f"kernels; diffusers' BitsAndBytesConfig loads onto the GPU); device is {dev}")
        if importlib.util.find_spec("bitsandbytes") is None:
            raise UnsupportedError("quant_backend bitsandbytes needs the `bitsandbytes` package (pip install bitsandbytes)")
        return
    package = {"torchao": "torchao", "quanto": "optimum.quanto"}[backend]
    if importlib.util.find_spec(package.split(".")[0]) is None:
        raise UnsupportedError(f"quant_backend {backend} needs the `{package}` package "
                               f"(pip install 'vbench[quant]')")
    if backend == "quanto" and mode == "int8-dynamic":
        raise UnsupportedError("optimum-quanto quantizes activations with calibrated static scales, not "
                               "dynamically per call; int8-dynamic needs quant_backend: torchao")


def load_config(optimizations: dict, model: dict, device: Any) -> Any:
    """A ``PipelineQuantizationConfig`` that quantizes the denoiser while ``hub``/``local`` weights load;
    None for other sources and modes (``tiny``/``arch`` are quantized after the build)."""
    mode, backend = optimizations["precision"], optimizations["quant_backend"]
    if mode not in MODES or model.get("source") not in ("hub", "local"):
        return None
    check_backend(mode, backend, device)
    from diffusers import PipelineQuantizationConfig

    if backend == "torchao":
        from diffusers import TorchAoConfig

        config = TorchAoConfig(torchao_config(mode, optimizations.get("quant_granularity", "per_row")))
    elif backend == "quanto":
        from diffusers import QuantoConfig

        config = QuantoConfig(weights_dtype="int8")
    else:
        import torch
        from diffusers import BitsAndBytesConfig

        config = (BitsAndBytesConfig(load_in_8bit=True) if mode != "nf4" else BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16))
    return PipelineQuantizationConfig(quant_mapping={denoiser_attr_of(model.get("family") or ""): config})


def quantize_module(module: Any, mode: str, backend: str, granularity: str = "per_row",
                    keep: frozenset[str] | None = None) -> list[str]:
    """Quantize the linear layers of ``module`` in place, except those in its ``_keep_in_fp32_modules``
    (or ``keep``, see :func:`quantizable`); returns the names of the linear layers left in float."""
    import torch

    wanted_ = quantizable(module, keep)
    skipped = [n for n, m in module.named_modules() if isinstance(m, torch.nn.Linear) and not wanted_(m, n)]
    if backend == "torchao":
        from torchao.quantization import quantize_

        quantize_(module, torchao_config(mode, granularity), filter_fn=wanted_)
    elif backend == "quanto":
        from optimum.quanto import freeze, qint8, quantize

        quantize(module, weights=qint8, exclude=skipped or None)
        freeze(module)
    else:  # bitsandbytes on built modules: only at load (check_backend ruled out the CPU)
        raise UnsupportedError("bitsandbytes quantizes at load only (sources hub and local)")
    return skipped


def apply(built: Any, optimizations: dict, ctx: Any) -> dict[str, Any]:
    mode, backend = optimizations["precision"], optimizations["quant_backend"]
    denoiser = built.denoiser
    check_backend(mode, backend, ctx.device)
    # bytes only: holding the float weights themselves would keep them alive beside their int8 copies
    linears = {n: (nbytes(w), is_quantized(w)) for n, w in linear_weights(denoiser)}
    at_load = any(q for _, q in linears.values())
    before = None if at_load else sum(b for b, _ in linears.values())
    granularity = optimizations.get("quant_granularity", "per_row")
    if not at_load:
        quantize_module(denoiser, mode, backend, granularity)
    after_linears = linear_weights(denoiser)
    after = sum(nbytes(w) for _, w in after_linears)
    quantized = {n: w for n, w in after_linears if is_quantized(w)}
    q_bytes = sum(nbytes(w) for w in quantized.values())
    payload = sum(_payload_bytes(w) for w in quantized.values())
    fp_bytes = None if at_load else sum(b for n, (b, _) in linears.items() if n in quantized)
    out = {
        "mode": mode, "backend": backend, "when": "load" if at_load else "after_build",
        "config": _config_name(mode, backend, granularity), "granularity": granularity,
        "linear_layers": len(after_linears), "quantized_layers": len(quantized),
        "kept_float": sorted(n for n, _ in after_linears if n not in quantized),
        "weight_types": tensor_types(denoiser),
        "linear_weight_bytes_fp": before, "linear_weight_bytes": after,
        "linear_weight_ratio": (after / before) if before else None,
        # the quantized layers alone: their float bytes before, their bytes now (payload + scales)
        "quantized_weight_bytes_fp": fp_bytes, "quantized_weight_bytes": q_bytes,
        "quantized_payload_bytes": payload, "quantized_scale_bytes": q_bytes - payload,
        "quantized_weight_ratio": (q_bytes / fp_bytes) if fp_bytes else None,
        "denoiser_bytes": module_bytes(denoiser),
    }
    if backend == "bitsandbytes":
        # Params4bit/Int8Params keep their scales (quant_state, SCB) outside the tensor: not measured
        why = ("bitsandbytes keeps its scales (quant_state, SCB) outside the weight tensor, so they are "
               "not measured; quantized_weight_bytes is the packed payload only")
        out.update(quantized_scale_bytes=None, quantized_weight_ratio=None,
                   unavailable={"quantized_scale_bytes": why, "quantized_weight_ratio": why})
    return out


def _config_name(mode: str, backend: str, granularity: str = "per_row") -> str:
    if backend == "torchao":
        return f"{type(torchao_config(mode, granularity)).__name__}({granularity})"
    return "quanto qint8 weights" if backend == "quanto" else f"BitsAndBytesConfig({mode})"


def _payload_bytes(weight: Any) -> int:
    """Bytes of a quantized weight's largest inner tensor (its integer data, without scales or zero points)."""
    flatten = getattr(weight, "__tensor_flatten__", None)
    if flatten is None or not is_quantized(weight):
        return nbytes(weight)
    return max(_payload_bytes(getattr(weight, name)) for name in flatten()[0])


def linear_weights(module: Any) -> list[tuple[str, Any]]:
    """(name, weight) of every linear layer, quanto's QLinear included."""
    import torch

    out = []
    for name, sub in module.named_modules():
        if isinstance(sub, torch.nn.Linear) and getattr(sub, "weight", None) is not None:
            out.append((name, sub.weight))
    return out
