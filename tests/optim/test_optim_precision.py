"""Precision transforms took effect on the weights, and the record says what changed."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from optim_cases import applied, build, frames

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


def test_fp32_is_its_own_reference_and_vae_precision_is_separate():
    built = build()
    rec, _ = applied(built, precision="bf16", vae_precision="fp32")
    assert built.vae.dtype == torch.float32 and built.denoiser.dtype == torch.bfloat16
    assert rec["precision"]["vae_precision"] == "fp32"
    rec, _ = applied(build(), precision="fp32")
    assert rec["precision"]["fidelity"]["rel_error_vs_fp32"] == 0.0


@pytest.mark.parametrize("mode,backend,cls", [
    ("int8-weight-only", "torchao", "Int8Tensor"),
    ("int8-dynamic", "torchao", "Int8Tensor"),
    ("int8-weight-only", "quanto", "WeightQBytesTensor"),
])
def test_int8_quantizes_linear_weights(mode, backend, cls):
    built = build()
    fp32_bytes = module_bytes(built.denoiser)
    rec, _ = applied(built, precision=mode, quant_backend=backend)
    q = rec["quantize"]
    assert q["quantized_layers"] == q["linear_layers"] > 0
    assert q["weight_types"][cls] == q["linear_layers"]
    assert type(built.denoiser.blocks[0].attn1.to_q.weight).__name__ == cls
    # int8 payload plus one fp32 scale per output row: 1/4 + 1/in_features of fp32 (tiny widths are 24..256)
    smallest_in = min(m.in_features for m in built.denoiser.modules() if isinstance(m, torch.nn.Linear))
    assert q["linear_weight_ratio"] <= 0.25 + 1.0 / smallest_in + 1e-6
    assert q["denoiser_bytes"] == module_bytes(built.denoiser) < fp32_bytes
    assert 0 < rec["precision"]["fidelity"]["rel_error_vs_fp32"] < 0.05
    assert np.isfinite(frames(built)).all()


def test_fp8_layerwise_casting_stores_float8():
    built = build()
    rec, _ = applied(built, precision="fp8")
    assert built.denoiser.blocks[0].attn1.to_q.weight.dtype == torch.float8_e4m3fn
    assert rec["fp8"]["fp8_parameters"] > 0 and rec["fp8"]["denoiser_bytes"] < rec["fp8"]["denoiser_bytes_before"]
    assert np.isfinite(frames(built)).all()


@pytest.mark.parametrize("settings,needle", [
    ({"precision": "nf4", "quant_backend": "bitsandbytes"}, "needs a CUDA device"),
    ({"precision": "int8-weight-only", "quant_backend": "bitsandbytes"}, "needs a CUDA device"),
    ({"precision": "int8-dynamic", "quant_backend": "quanto"}, "int8-dynamic needs quant_backend: torchao"),
])
def test_unsupported_quantization_says_why(settings, needle):
    with pytest.raises(UnsupportedError, match=needle):
        applied(build(), **settings)


def test_hub_and_local_load_quantized(tmp_path):
    from optim_cases import optimizations

    from vbench.models import build_pipeline
    from vbench.optim.quantize import load_config

    build().pipe.save_pretrained(tmp_path / "wan")
    model = {"family": "wan", "source": "local", "path": str(tmp_path / "wan")}
    opts = optimizations(precision="int8-weight-only")
    config = load_config(opts, model, "cpu")
    assert config is not None and load_config(opts, {"source": "tiny"}, "cpu") is None
    built = build_pipeline(model, dtype=torch.float32, quantization=config)
    assert type(built.denoiser.blocks[0].attn1.to_q.weight).__name__ == "Int8Tensor"
    rec, _ = applied(built, precision="int8-weight-only")
    assert rec["quantize"]["when"] == "load" and rec["quantize"]["quantized_layers"] > 0
    assert rec["precision"]["fidelity"]["rel_error_vs_fp32"] is None  # no fp32 copy held
