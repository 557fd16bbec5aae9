"""Precision transforms took effect on the weights, and the record says what changed."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from optim_cases import WORKLOAD, applied, build, frames

from vbench.errors import UnsupportedError
from vbench.optim.tensors import module_bytes


@pytest.mark.parametrize("mode,dtype", [("bf16", torch.bfloat16), ("fp16", torch.float16)])
def test_float_modes_cast_weights_and_record_error(mode, dtype):
    built = build()
    rec, _ = applied(built, precision=mode)
    weights = {p.dtype for n, p in built.denoiser.named_parameters() if "blocks.0.attn1.to_q" in n}
    assert weights == {dtype}
    assert built.vae.dtype == dtype
    assert rec["precision"]["compute_dtype"] == str(dtype).removeprefix("torch.")
    assert "bfloat16" in rec["precision"]["modules"]["transformer"] or "float16" in rec["precision"]["modules"]["transformer"]
    assert 0 < rec["precision"]["fidelity"]["rel_error_vs_fp32"] < 0.05
    assert np.isfinite(frames(built)).all()


@pytest.mark.parametrize("mode", ["fp8", "dynamic"])
def test_recorded_module_dtypes_are_read_after_every_lowering_step(mode, tmp_path):
    import json

    from vbench.optim import dynamic, mixed
    from vbench.optim.tensors import dtype_names

    built = build()
    settings: dict = {"precision": mode}
    if mode == "dynamic":  # every group in bf16: its weights change dtype after the precision step
        policy = tmp_path / "bf16.json"
        policy.write_text(json.dumps({"vbench_policy": dynamic.POLICY_FORMAT,
                                      "levels": {g: "bf16" for g in mixed.groups(built.denoiser)}}))
        settings["dynamic_policy"] = str(policy)
    rec, _ = applied(built, **settings)
    assert rec["precision"]["modules"] == {"transformer": dtype_names(built.denoiser), "vae": dtype_names(built.vae)}
    assert "bfloat16" in rec["precision"]["modules"]["transformer"]


def test_fp32_is_its_own_reference_and_vae_precision_is_separate():
    built = build()
    rec, _ = applied(built, precision="bf16", vae_precision="fp32")
    assert built.vae.dtype == torch.float32 and built.denoiser.dtype == torch.bfloat16
    assert rec["precision"]["vae_precision"] == "fp32"
    rec, _ = applied(build(), precision="fp32")
    assert rec["precision"]["fidelity"]["rel_error_vs_fp32"] == 0.0


# Bytes a quantized weight adds per output row besides its int8 payload: torchao's Int8Tensor keeps
# an fp32 scale and an int8 zero point per row, quanto an fp32 scale.
_ROW_META = {"torchao": 4 + 1, "quanto": 4}


def _quantizable(denoiser) -> dict[str, torch.nn.Linear]:
    keep = denoiser._keep_in_fp32_modules
    return {n: m for n, m in denoiser.named_modules()
            if isinstance(m, torch.nn.Linear) and not set(keep) & set(n.split("."))}


@pytest.mark.parametrize("mode,backend,cls", [
    ("int8-weight-only", "torchao", "Int8Tensor"),
    ("int8-dynamic", "torchao", "Int8Tensor"),
    ("int8-weight-only", "quanto", "WeightQBytesTensor"),
])
def test_int8_quantizes_linear_weights(mode, backend, cls):
    built = build()
    fp32_bytes = module_bytes(built.denoiser)
    layers = _quantizable(built.denoiser)
    fp32_linear = sum(m.weight.numel() * 4 for m in layers.values())
    rows = sum(m.out_features for m in layers.values())
    rec, _ = applied(built, precision=mode, quant_backend=backend)
    q = rec["quantize"]
    # what diffusers' loaders leave in float (_keep_in_fp32_modules: Wan's time embedder) stays float here too
    assert q["kept_float"] == ["condition_embedder.time_embedder.linear_1", "condition_embedder.time_embedder.linear_2"]
    assert q["quantized_layers"] == len(layers) == q["linear_layers"] - 2 and q["weight_types"][cls] == len(layers)
    assert type(built.denoiser.blocks[0].attn1.to_q.weight).__name__ == cls
    assert built.denoiser.condition_embedder.time_embedder.linear_1.weight.dtype == torch.float32
    # one byte per weight, plus the per-row scales: 1/4 of fp32 + 1.25/in_features (24..32 wide here)
    assert q["quantized_weight_bytes_fp"] == fp32_linear
    assert q["quantized_payload_bytes"] * 4 == fp32_linear
    assert q["quantized_scale_bytes"] == rows * _ROW_META[backend]
    assert q["quantized_weight_ratio"] == pytest.approx((fp32_linear / 4 + rows * _ROW_META[backend]) / fp32_linear)
    assert q["denoiser_bytes"] == module_bytes(built.denoiser) < fp32_bytes
    assert 0 < rec["precision"]["fidelity"]["rel_error_vs_fp32"] < 0.05
    assert np.isfinite(frames(built)).all()


@pytest.mark.parametrize("mode", ["int8-weight-only", "int8-dynamic"])
def test_int8_per_tensor_weights_take_a_quarter_of_fp32(mode):
    """Per-tensor scales: the quantized linear weights of the tiny Wan take <= 27 % of their fp32 bytes
    (per row they take 30 %: at 24-32 inputs a row's 5 bytes of scale cost 16-21 % of its payload)."""
    built = build()
    rec, _ = applied(built, precision=mode, quant_granularity="per_tensor")
    q = rec["quantize"]
    assert q["granularity"] == "per_tensor" and q["config"].endswith("(per_tensor)")
    assert q["quantized_scale_bytes"] == q["quantized_layers"] * 5
    assert q["quantized_weight_ratio"] <= 0.27
    assert 0 < rec["precision"]["fidelity"]["rel_error_vs_fp32"] < 0.05
    assert np.isfinite(frames(built)).all()


@pytest.mark.slow
def test_int8_per_row_at_published_width_takes_a_quarter_of_fp32():
    """At Wan2.1-1.3B width (1536 wide, ffn 8960) the per-row scales cost under 0.1 %."""
    built = build(source="arch", name="Wan2.1-T2V-1.3B", num_layers=1)
    rec, _ = applied(built, precision="int8-weight-only")
    assert rec["quantize"]["quantized_weight_ratio"] <= 0.27
    assert rec["quantize"]["quantized_scale_bytes"] * 100 < rec["quantize"]["quantized_payload_bytes"]


def test_fp8_layerwise_casting_stores_float8():
    built = build()
    rec, _ = applied(built, precision="fp8")
    assert built.denoiser.blocks[0].attn1.to_q.weight.dtype == torch.float8_e4m3fn
    assert rec["fp8"]["fp8_parameters"] > 0 and rec["fp8"]["denoiser_bytes"] < rec["fp8"]["denoiser_bytes_before"]
    assert np.isfinite(frames(built)).all()


@pytest.mark.parametrize("settings,needle", [
    ({"precision": "nf4", "quant_backend": "bitsandbytes"}, "needs a CUDA device"),
    ({"precision": "fp8-dynamic"}, r"needs fp8 tensor cores: an NVIDIA GPU of compute capability 8\.9 or newer"),
    ({"precision": "int8-weight-only", "quant_backend": "bitsandbytes"}, "needs a CUDA device"),
    ({"precision": "int8-dynamic", "quant_backend": "quanto"}, "int8-dynamic needs quant_backend: torchao"),
])
def test_unsupported_quantization_says_why(settings, needle):
    with pytest.raises(UnsupportedError, match=needle):
        applied(build(), **settings)


def _fp8_gpu() -> bool:
    return torch.cuda.is_available() and torch.cuda.get_device_capability() >= (8, 9)


@pytest.mark.gpu
@pytest.mark.skipif(not _fp8_gpu(), reason="needs a CUDA GPU of compute capability 8.9 or newer")
def test_fp8_dynamic_computes_in_fp8_on_a_capable_gpu():
    from optim_cases import optimizations

    from vbench.optim import Context, apply_optimizations

    built = build(source="arch", name="Wan2.1-T2V-1.3B", num_layers=1)  # the tiny widths (24) are not multiples of 16
    built.pipe.to("cuda")
    dev = torch.device("cuda")
    rec = apply_optimizations(built, optimizations(precision="fp8-dynamic"), dev,
                              ctx=Context(device=dev, workload=WORKLOAD))
    f8 = rec["fp8"]
    assert f8["mode"] == "fp8-dynamic" and f8["quantized_layers"] > 0
    assert f8["denoiser_bytes"] < f8["denoiser_bytes_before"]
    assert 0 < rec["precision"]["fidelity"]["rel_error_vs_fp32"] < 0.1


def test_hub_and_local_load_quantized(tmp_path):
    from optim_cases import optimizations

    from vbench.models import build_pipeline
    from vbench.optim import build_options

    build().pipe.save_pretrained(tmp_path / "wan")
    model = {"family": "wan", "source": "local", "path": str(tmp_path / "wan")}
    opts = optimizations(precision="int8-weight-only")
    options = build_options({"optimizations": opts, "model": model}, "cpu")  # what the harness builds with
    assert options["quantization"] is not None and options["dtype"] == torch.float32
    assert build_options({"optimizations": opts, "model": {"source": "tiny"}}, "cpu") == {"dtype": torch.float32}
    built = build_pipeline(model, **options)
    assert type(built.denoiser.blocks[0].attn1.to_q.weight).__name__ == "Int8Tensor"
    rec, _ = applied(built, precision="int8-weight-only")
    assert rec["quantize"]["when"] == "load" and rec["quantize"]["quantized_layers"] > 0
    # the loader and the after-build path quantize the same layers
    after_build, _ = applied(build(), precision="int8-weight-only")
    assert rec["quantize"]["kept_float"] == after_build["quantize"]["kept_float"] != []
    assert rec["quantize"]["quantized_layers"] == after_build["quantize"]["quantized_layers"]
    assert rec["precision"]["fidelity"]["rel_error_vs_fp32"] is None  # no fp32 copy held


def test_build_options_pick_the_build_dtype():
    from optim_cases import optimizations

    from vbench.optim import build_options

    bf16 = optimizations(precision="bf16")
    arch = {"optimizations": bf16, "model": {"family": "wan", "source": "arch"}}
    assert build_options(arch, "cpu") == {"dtype": torch.bfloat16}  # built straight in bf16
    tiny = {"optimizations": bf16, "model": {"family": "wan", "source": "tiny"}}
    assert build_options(tiny, "cpu") == {"dtype": torch.float32}  # cast after the build
