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
           "measure": {"warmup": 0, "repeats": 1, "isolation": "inline", "flops": False},
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
    runs = [r.model_copy(update={"measure": r.measure.model_copy(update={"isolation": "inline", "repeats": 1,
                                                                         "flops": False})}) for r in runs]
    result = run_sweep(runs, out_dir=tmp_path)
    statuses = {(r["spec"]["optimizations"]["precision"], r["status"]) for r in result.records}
    assert len(result.records) == 20, result.counts()
    import torch

    if not torch.cuda.is_available():  # nf4 is bitsandbytes on CUDA: an unsupported record here, with the reason
        assert ("nf4", "unsupported") in statuses
        assert all("bitsandbytes" in r["reason"] or "CUDA" in r["reason"] for r in result.records
                   if r["status"] == "unsupported")
    ok = [r for r in result.records if r["status"] == "ok"]
    assert len(ok) == (20 if torch.cuda.is_available() else 18), result.counts()
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
