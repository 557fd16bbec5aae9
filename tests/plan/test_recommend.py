"""vbench recommend: per profile, the fastest configuration that fits, measured or projected."""

from __future__ import annotations

import json

import pytest

from vbench.cli.main import main
from vbench.hardware import get_profile
from vbench.plan.recommend import recommend
from vbench.store import RecordWriter, session_path

GIB = 2**30


def _record(run_id, precision, latency, allocated, psnr, *, gpu="h100-sxm", reference=False):
    return {"schema_version": 2, "run_id": run_id, "config_id": run_id, "status": "ok", "scenario": "s",
            "label": f"wan-{precision}", "role": "reference" if reference else "run", "device": "cuda:0",
            "spec": {"optimizations": {"precision": precision}, "workload": {"num_videos_per_prompt": 1}},
            "applied": {"precision": {"compute_dtype": {"fp32": "float32", "bf16": "bfloat16"}[precision]}},
            "env": {"gpu": {"profile": {"id": gpu}}},
            "timing": {"e2e": {"median": latency}},
            "memory": {"peak": {"bytes": allocated + GIB, "source": "nvml_process_used"},
                       "allocator": {"peak_allocated_bytes": allocated, "peak_reserved_bytes": allocated + GIB // 2},
                       "nvml": {"process_used_peak_bytes": allocated + GIB},
                       "weights": {"denoiser_bytes": 3 * GIB, "total_bytes": 4 * GIB}},
            "flops": {"flops_per_call": 4e15, "forwards_per_call": 100},
            "quality": {"reference": reference, "scores": {"psnr": {"value": psnr}}}}


RECORDS = [_record("a", "fp32", 100.0, 30 * GIB, None, reference=True),
           _record("b", "bf16", 40.0, 18 * GIB, 33.0), _record("c", "bf16", 30.0, 16 * GIB, 28.0)]


def test_projection_to_another_profile_is_labelled_and_scales_by_the_roofline():
    (h100, l40s) = recommend(RECORDS, [get_profile("h100-sxm"), get_profile("l40s")], floors={"psnr": 30})
    assert h100.best.config_id == "b" and h100.best.basis == "measured" and h100.best.latency_s == 40.0
    assert h100.best.speedup == pytest.approx(2.5)
    h, l40 = get_profile("h100-sxm"), get_profile("l40s")
    rows = {r.config_id: r for r in l40s.rows}
    assert {r.basis for r in rows.values()} == {"projected"}
    # compute-bound (4e15 FLOPs over 300 GB): each scaled by its dtype's throughput ratio
    assert rows["b"].latency_s == pytest.approx(40.0 * h.tflops.bf16 / l40.tflops.bf16, rel=1e-6)
    assert rows["a"].latency_s == pytest.approx(100.0 * h.tflops.fp32 / l40.tflops.fp32, rel=1e-6)
    # the L40S's fp32 rate beats the H100's non-tensor fp32: the fp32 baseline is projected fastest there
    assert l40s.best.config_id == "a"
    # memory: allocated + its fragmentation + its NVML context, never the source's total
    assert rows["b"].peak_bytes == pytest.approx(18 * GIB + GIB)
    assert l40s.best.cost_per_video_usd == pytest.approx(l40s.best.latency_s * l40.price_usd_per_hour / 3600)


def test_budget_and_undecided_quality(tmp_path):
    (rtx,) = recommend(RECORDS, [get_profile("rtx-4090")], budget_gb=24, floors={"psnr": 30})
    assert {r.config_id for r in rtx.rows if r.fits} == {"b", "c"}  # a: 31 GiB projected
    assert rtx.best.config_id == "b"  # c is faster but below the PSNR floor


def test_cli_prints_two_profiles_and_json_gives_the_same(tmp_path, capsys):
    with RecordWriter(session_path(tmp_path, "s", "one")) as writer:
        for record in RECORDS:
            writer.write(record)
    args = ["recommend", str(tmp_path), "--gpu", "rtx-4090", "--gpu", "h100-sxm", "--min", "psnr=30"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (scenario,) = data["scenarios"]
    assert scenario["scenario"] == "s"
    assert [t["id"] for t in scenario["targets"]] == ["rtx-4090", "h100-sxm"]
    for target in scenario["targets"]:
        best = target["fastest"]
        assert best["label"] in text and best["config_id"] == "b"
    assert "projected" in text and "measured" in text


def test_cli_names_a_bad_floor_and_an_unknown_gpu(tmp_path, capsys):
    assert main(["recommend", str(tmp_path), "--min", "psnr>30"]) == 2
    assert "--min" in capsys.readouterr().err
    assert main(["recommend", str(tmp_path), "--gpu", "gtx-480"]) == 2
    assert "gtx-480" in capsys.readouterr().err


def test_baseline_is_the_configuration_scored_against_and_scenarios_are_ranked_apart():
    ref = _record("r", "fp32", 50.0, 20 * GIB, None)  # no role: a reference only because others name it
    fast = dict(_record("f", "bf16", 20.0, 10 * GIB, 31.0), reference_id="r")
    other = dict(_record("o", "bf16", 5.0, 8 * GIB, 35.0), scenario="t")  # faster, but another question
    (h100,) = recommend([ref, fast], [get_profile("h100-sxm")], floors={"psnr": 30})
    rows = {r.config_id: r for r in h100.rows}
    assert rows["r"].baseline and rows["r"].eligible  # a reference is not held to the floor it defines
    assert rows["f"].baseline_config_id == "r" and rows["f"].speedup == pytest.approx(2.5)
    assert rows["f"].memory_ratio == pytest.approx(11 / 21)
    from vbench.plan.recommend import recommend_by_scenario

    by = dict(recommend_by_scenario([ref, fast, other], [get_profile("h100-sxm")], floors={"psnr": 30}))
    assert sorted(by) == ["s", "t"]
    assert by["s"][0].best.config_id == "f" and by["t"][0].best.config_id == "o"
