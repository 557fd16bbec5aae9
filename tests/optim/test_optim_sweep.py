"""Through the harness: records state what each transform changed; unsupported combinations are
`unsupported` records inside a normal sweep."""

from __future__ import annotations

from pathlib import Path

import pytest

from vbench.harness import run_sweep
from vbench.scenario import expand, load_scenario, validate_document

ROOT = Path(__file__).resolve().parents[2]


def test_unsupported_combinations_become_records_in_a_normal_sweep(tmp_path):
    doc = {"model": {"family": "wan", "source": "tiny"},
           "workload": {"num_frames": 5, "height": 32, "width": 32, "num_inference_steps": 2},
           "sweep": {"product": {"offload": ["none", "model", "group-block"]},
                     "zip": [{"attention_backend": ["flash", "_native_math"]}]},
           "measure": {"warmup": 0, "repeats": 1, "rel_ci": None, "isolation": "inline", "flops": False},
           "reference": {"enabled": False}}
    runs = expand(validate_document(doc, source="test"))
    result = run_sweep(runs, out_dir=tmp_path)
    by = {(r["spec"]["optimizations"]["offload"], r["spec"]["optimizations"]["attention_backend"]): r
          for r in result.records}
    ok = by[("none", "_native_math")]
    assert ok["status"] == "ok" and ok["applied"]["attention"]["effect"] == "set"
    assert ok["memory"]["weights"]["denoiser_bytes"] > 0
    assert by[("none", "flash")]["status"] == "unsupported" and "flash-attn" in by[("none", "flash")]["reason"]
    for mode in ("model", "group-block"):
        for backend in ("flash", "_native_math"):
            rec = by[(mode, backend)]
            assert rec["status"] == "unsupported" and rec["reason"], (mode, backend)


@pytest.mark.slow
def test_precision_scenario_runs_every_mode(tmp_path):
    runs = expand(load_scenario(str(ROOT / "scenarios" / "precision.yaml")))
    runs = [r.model_copy(update={"measure": r.measure.model_copy(update={"isolation": "inline", "repeats": 1, "rel_ci": None,
                                                                         "flops": False})}) for r in runs]
    result = run_sweep(runs, out_dir=tmp_path)
    assert len(result.records) == 22, result.counts()
    import torch

    unsupported = {r["spec"]["optimizations"]["precision"]: r["reason"] for r in result.records
                   if r["status"] == "unsupported"}
    assert all(r["status"] in ("ok", "unsupported") for r in result.records), result.counts()
    # fp8-dynamic: the tiny widths (24) are no fp8 matmul sizes, and a CPU has no fp8 tensor cores
    assert "fp8-dynamic" in unsupported and ("compute capability" in unsupported["fp8-dynamic"]
                                             or "multiples of 16" in unsupported["fp8-dynamic"])
    if not torch.cuda.is_available():  # nf4 is bitsandbytes on CUDA
        assert set(unsupported) == {"nf4", "fp8-dynamic"} and "CUDA" in unsupported["nf4"]
    ok = [r for r in result.records if r["status"] == "ok"]
    assert len(ok) == 22 - 2 * len(unsupported), result.counts()
    for rec in ok:
        fid = rec["applied"]["precision"]["fidelity"]
        mode = rec["spec"]["optimizations"]["precision"]
        assert fid["rel_error_vs_fp32"] == 0.0 if mode == "fp32" else 0 < fid["rel_error_vs_fp32"] < 0.05
        assert rec["memory"]["weights"]["denoiser_bytes"] > 0
        if mode.startswith("int8"):  # int8 payload plus scales; per tensor within 27 % of the fp32 bytes
            q = rec["applied"]["quantize"]
            assert q["quantized_payload_bytes"] * 4 == q["quantized_weight_bytes_fp"]
            if rec["spec"]["optimizations"]["quant_granularity"] == "per_tensor":
                assert q["quantized_weight_ratio"] <= 0.27
