"""fp8 precision of the denoiser, two ways.

``fp8`` -- fp8 storage with bf16 compute, diffusers' layerwise casting: weights are stored as
``float8_e4m3fn`` and cast to bfloat16 layer by layer just before each forward
(``ModelMixin.enable_layerwise_casting``); norms, embeddings and the patch/output projections stay
as they are (diffusers' default skip patterns). Compute stays bf16, so this halves the weight
memory of bf16, not its arithmetic. The device must be able to hold and cast float8 tensors.

``fp8-dynamic`` -- fp8 compute: torchao's ``Float8DynamicActivationFloat8WeightConfig`` (per-row
scales) stores the linear weights in ``float8_e4m3fn`` and quantizes each activation on the fly,
so the matmuls run in fp8 (``torch._scaled_mm``). That needs fp8 tensor cores: an NVIDIA GPU of
compute capability 8.9 or newer (Ada, Hopper, Blackwell). Modules in ``_keep_in_fp32_modules``
are left in float, as for int8.

Where the device cannot do what the mode needs, the run is ``unsupported`` with the reason.
"""

from __future__ import annotations

from typing import Any

from vbench.errors import UnsupportedError
from vbench.optim.precision import cast_module
from vbench.optim.tensors import is_quantized, module_bytes, tensor_types

#: fp8 matmuls (torch._scaled_mm on float8_e4m3fn) need this CUDA compute capability or newer.
FP8_COMPUTE_CAPABILITY = (8, 9)


def wanted(optimizations: dict) -> bool:
    return optimizations["precision"] in ("fp8", "fp8-dynamic")


def check_compute(device: Any) -> None:
    """Raise :class:`UnsupportedError` unless ``device`` has fp8 matmul hardware."""
    import importlib.util

    import torch

    dev = torch.device(device)
    need = "{}.{}".format(*FP8_COMPUTE_CAPABILITY)
    if dev.type != "cuda":
        raise UnsupportedError(f"fp8 compute (fp8-dynamic) needs fp8 tensor cores: an NVIDIA GPU of compute "
                               f"capability {need} or newer (Ada, Hopper, Blackwell); device is {dev.type}")
    capability = torch.cuda.get_device_capability(dev)
    if tuple(capability) < FP8_COMPUTE_CAPABILITY:
        raise UnsupportedError(f"fp8 compute (fp8-dynamic) needs compute capability {need} or newer; "
                               f"{torch.cuda.get_device_name(dev)} has {capability[0]}.{capability[1]}")
    if importlib.util.find_spec("torchao") is None:
        raise UnsupportedError("fp8-dynamic needs the `torchao` package (pip install 'vbench[quant]')")


def check_device(device: Any) -> None:
    import torch

    try:
        x = torch.ones(4, device=device, dtype=torch.bfloat16)
        ok = bool((x.to(torch.float8_e4m3fn).to(torch.bfloat16) == x).all())
    except (RuntimeError, TypeError, AttributeError) as exc:
        raise UnsupportedError(f"fp8 storage: this torch/device cannot cast float8_e4m3fn ({exc})") from None
    if not ok:
        raise UnsupportedError("fp8 storage: float8_e4m3fn casts are wrong on this device")


def apply(built: Any, optimizations: dict, ctx: Any) -> dict[str, Any]:
    if optimizations["precision"] == "fp8-dynamic":
        return apply_compute(built, ctx)
    return apply_storage(built, ctx)


def apply_compute(built: Any, ctx: Any) -> dict[str, Any]:
    import torch

    check_compute(ctx.device)
    from torchao.quantization import Float8DynamicActivationFloat8WeightConfig, quantize_
    from torchao.quantization.granularity import PerRow

    from vbench.optim.quantize import linear_weights, quantizable

    denoiser = built.denoiser
    before = module_bytes(denoiser)
    cast_module(denoiser, torch.bfloat16)
    quantize_(denoiser, Float8DynamicActivationFloat8WeightConfig(granularity=PerRow()), filter_fn=quantizable(denoiser))
    linears = linear_weights(denoiser)
    fp8 = [n for n, w in linears if is_quantized(w)]
    if not fp8:  # torchao leaves layers whose sizes are not multiples of 16 (what _scaled_mm takes) as they are
        raise UnsupportedError(f"fp8-dynamic: no linear layer of {type(denoiser).__name__} has sizes fp8 matmuls "
                               f"take (in and out features multiples of 16), so nothing would run in fp8")
    return {"mode": "fp8-dynamic", "config": "Float8DynamicActivationFloat8WeightConfig(per_row)",
            "weight_dtype": "float8_e4m3fn", "activation_dtype": "float8_e4m3fn", "compute_dtype": "bfloat16",
            "linear_layers": len(linears), "quantized_layers": len(fp8),
            "kept_float": sorted(n for n, _ in linears if n not in fp8),
            "weight_types": tensor_types(denoiser),
            "denoiser_bytes_before": before, "denoiser_bytes": module_bytes(denoiser)}


def apply_storage(built: Any, ctx: Any) -> dict[str, Any]:
    import torch

    check_device(ctx.device)
    denoiser = built.denoiser
    if not hasattr(denoiser, "enable_layerwise_casting"):
        raise UnsupportedError(f"{type(denoiser).__name__} has no layerwise casting in this diffusers version")
    before = module_bytes(denoiser)
    cast_module(denoiser, torch.bfloat16)  # compute dtype first; fp32-kept modules stay fp32
    denoiser.enable_layerwise_casting(storage_dtype=torch.float8_e4m3fn, compute_dtype=torch.bfloat16)
    fp8 = sum(1 for p in denoiser.parameters() if p.dtype == torch.float8_e4m3fn)
    return {"storage_dtype": "float8_e4m3fn", "compute_dtype": "bfloat16", "fp8_parameters": fp8,
            "parameters": sum(1 for _ in denoiser.parameters()),
            "denoiser_bytes_before": before, "denoiser_bytes": module_bytes(denoiser)}
