"""Integer quantization of the denoiser's linear layers: int8 weight-only, int8 dynamic, nf4.

Backends (``quant_backend``):

* ``torchao`` -- ``quantize_(module, Int8WeightOnlyConfig())`` / ``Int8DynamicActivationInt8WeightConfig()``
  on built modules (``tiny``, ``arch``); for ``hub``/``local`` the same config objects go to
  ``from_pretrained`` through diffusers' ``TorchAoConfig`` so the weights load quantized.
* ``quanto`` -- optimum-quanto ``quantize(m, weights=qint8)`` + ``freeze``; at load, diffusers'
  ``QuantoConfig(weights_dtype="int8")``. Weight-only: quanto's activation quantization needs a
  calibration pass (static scales), which is not the dynamic mode.
* ``bitsandbytes`` -- diffusers' ``BitsAndBytesConfig`` (int8 or nf4), CUDA only.

The record states how many linear layers were quantized, the tensor classes now holding their
weights, and the measured bytes of those weights before and after.
"""

from __future__ import annotations

from typing import Any

from vbench.errors import UnsupportedError
from vbench.optim.tensors import denoiser_attr_of, module_bytes, nbytes, tensor_types

INT8 = ("int8-weight-only", "int8-dynamic")
MODES = (*INT8, "nf4")


def wanted(optimizations: dict) -> bool:
    return optimizations["precision"] in MODES


def torchao_config(mode: str) -> Any:
    from torchao.quantization import Int8DynamicActivationInt8WeightConfig, Int8WeightOnlyConfig

    return Int8WeightOnlyConfig() if mode == "int8-weight-only" else Int8DynamicActivationInt8WeightConfig()


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

        config = TorchAoConfig(torchao_config(mode))
    elif backend == "quanto":
        from diffusers import QuantoConfig

        config = QuantoConfig(weights_dtype="int8")
    else:
        import torch
        from diffusers import BitsAndBytesConfig

        config = (BitsAndBytesConfig(load_in_8bit=True) if mode != "nf4" else BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16))
    return PipelineQuantizationConfig(quant_mapping={denoiser_attr_of(model.get("family") or ""): config})


def quantize_module(module: Any, mode: str, backend: str) -> None:
    """Quantize every linear layer of ``module`` in place."""
    if backend == "torchao":
        from torchao.quantization import quantize_

        quantize_(module, torchao_config(mode))
    elif backend == "quanto":
        from optimum.quanto import freeze, qint8, quantize

        quantize(module, weights=qint8)
        freeze(module)
    else:  # bitsandbytes on built modules: only at load (check_backend ruled out the CPU)
        raise UnsupportedError("bitsandbytes quantizes at load only (sources hub and local)")


def apply(built: Any, optimizations: dict, ctx: Any) -> dict[str, Any]:
    mode, backend = optimizations["precision"], optimizations["quant_backend"]
    denoiser = built.denoiser
    check_backend(mode, backend, ctx.device)
    linears = _linear_weights(denoiser)
    at_load = any(type(w).__name__ not in ("Parameter", "Tensor") for _, w in linears)
    before = None if at_load else sum(nbytes(w) for _, w in linears)
    if not at_load:
        quantize_module(denoiser, mode, backend)
    after_linears = _linear_weights(denoiser)
    quantized = [n for n, w in after_linears if type(w).__name__ not in ("Parameter", "Tensor")]
    after = sum(nbytes(w) for _, w in after_linears)
    return {
        "mode": mode, "backend": backend, "when": "load" if at_load else "after_build",
        "config": _config_name(mode, backend),
        "linear_layers": len(after_linears), "quantized_layers": len(quantized),
        "weight_types": tensor_types(denoiser),
        "linear_weight_bytes_fp": before, "linear_weight_bytes": after,
        "linear_weight_ratio": (after / before) if before else None,
        "denoiser_bytes": module_bytes(denoiser),
    }


def _config_name(mode: str, backend: str) -> str:
    if backend == "torchao":
        return type(torchao_config(mode)).__name__
    return "quanto qint8 weights" if backend == "quanto" else f"BitsAndBytesConfig({mode})"


def _linear_weights(module: Any) -> list[tuple[str, Any]]:
    """(name, weight) of every linear layer, quanto's QLinear included."""
    import torch

    out = []
    for name, sub in module.named_modules():
        if isinstance(sub, torch.nn.Linear) and getattr(sub, "weight", None) is not None:
            out.append((name, sub.weight))
    return out
