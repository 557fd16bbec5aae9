"""The harness's numbers hold together: stages and steps add up to the end-to-end time, repeats
follow the protocol, outputs are stored and hashed, and unreadable sources are null with a reason."""

from __future__ import annotations

import numpy as np
import pytest
from harness_cases import TINY_WAN, runs_of

from vbench.harness import run_sweep
from vbench.harness.execute import _outputs
from vbench.harness.video_frames import to_uint8
from vbench.store import OutputStore, video_hash


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    # a call of about half a second on 2 cores: the pipeline's fixed Python overhead outside every
    # stage (about 6 ms: scheduler set-up, latent hand-over, output assembly) stays near 1 % of it
    runs = runs_of(TINY_WAN, workload={"num_inference_steps": 3, "height": 128, "width": 128, "num_frames": 17},
                   measure={"repeats": 3, "rel_ci": None, "warmup": 1})
    result = run_sweep(runs, out_dir=out)
    rec = result.records[0]
    assert rec["status"] == "ok", rec.get("traceback")
    rec["_out"] = out
    return rec


def test_steps_plus_stages_agree_with_end_to_end(record):
    t = record["timing"]
    for i, e2e in enumerate(t["e2e"]["samples"]):
        steps = sum(t["steps"]["per_call"][i])
        parts = steps + sum(t["stages"][name]["samples"][i] for name in
                            ("text_encode", "prepare_latents", "vae_decode", "postprocess"))
        assert parts == pytest.approx(e2e, rel=0.05), (parts, e2e)
        assert t["unaccounted"]["samples"][i] == pytest.approx(e2e - parts, abs=1e-9)
    assert all(len(s) == 3 for s in t["steps"]["per_call"])  # one time per denoising step
    assert t["stages"]["denoise"]["samples"] == pytest.approx([sum(s) for s in t["steps"]["per_call"]])


def test_repeats_warmup_and_cold_start_are_reported_apart(record):
    t = record["timing"]
    assert t["e2e"]["n"] == 3 and len(t["e2e"]["samples"]) == 3
    assert t["warmup_s"] == [t["first_call_s"]] and not t["cold_included"]
    assert t["load_s"] > 0 and t["clock"] == "perf_counter"
    e2e = t["e2e"]
    assert e2e["min"] <= e2e["median"] <= e2e["p90"] <= e2e["max"]
    assert t["fps"]["of_median_latency"] == pytest.approx(17 / e2e["median"])


def test_min_seconds_extends_the_repeats(tmp_path):
    runs = runs_of(TINY_WAN, measure={"repeats": 1, "rel_ci": None, "warmup": 0, "min_seconds": 1.5, "max_repeats": 1000, "flops": False})
    record = run_sweep(runs, out_dir=tmp_path).records[0]
    t = record["timing"]
    assert sum(t["e2e"]["samples"]) >= 1.5 and t["e2e"]["n"] >= 2 and t["cold_included"]
    assert len(record["outputs"]["hashes"]) == t["e2e"]["n"]  # the cold call is a timed one, hashed once


def test_unreadable_sources_are_null_with_a_reason_never_zero(record):
    mem, energy = record["memory"], record["energy"]
    assert mem["allocator"] is None and "allocator" in mem["unavailable"]
    assert mem["nvml"] is None and mem["unavailable"]["device_used"]
    assert energy["joules_per_call"] is None and energy["unavailable"]["energy"]
    assert mem["host"]["peak_rss_bytes"] > mem["host"]["baseline_rss_bytes"] * 0.5 > 0
    assert mem["peak"] == {"bytes": mem["host"]["peak_rss_bytes"], "source": "host_rss"}
    assert mem["weights"]["denoiser_bytes"] == mem["weights"]["transformer_bytes"] > 0


def test_flops_per_forward_and_achieved_rate(record):
    f = record["flops"]
    assert f["flops"] > 0 and f["forwards_per_call"] == 3 * 2  # 3 steps x (cond + uncond)
    assert f["flops_per_call"] == f["flops"] * f["forwards_per_call"]
    assert f["achieved_tflops"] > 0
    assert f["fraction_of_peak"] is None and f["unavailable"]["fraction_of_peak"]


def test_output_is_stored_content_addressed(record):
    out = record["outputs"]
    video = OutputStore(record["_out"] / record["scenario"] / "outputs").get(out["video"])
    assert video.dtype == np.uint8 and list(video.shape) == out["shape"] == [1, 17, 128, 128, 3]
    assert out["nondeterministic"] is False and len(set(out["hashes"])) == 1 and len(out["hashes"]) == 4


def test_a_changed_output_for_the_same_seed_is_flagged(tmp_path):
    a = np.zeros((1, 2, 4, 4, 3), np.float32)
    b = a.copy()
    b[0, 1, 2, 2, 0] = 0.5
    same = _outputs(a, [video_hash(to_uint8(a)), video_hash(to_uint8(a))], None)
    differs = _outputs(b, [video_hash(to_uint8(a)), video_hash(to_uint8(b))], None)
    assert same["nondeterministic"] is False and differs["nondeterministic"] is True


def test_resume_skips_runs_stored_ok(tmp_path):
    runs = runs_of(TINY_WAN, workload={"seeds": [0, 1]}, measure={"repeats": 1, "rel_ci": None, "warmup": 0, "flops": False})
    first = run_sweep(runs[:1], out_dir=tmp_path)
    second = run_sweep(runs, out_dir=tmp_path, resume=True)
    assert second.skipped == [first.records[0]["run_id"]]
    assert [r["run_id"] for r in second.records] == [runs[1].run_id]
    third = run_sweep(runs, out_dir=tmp_path, resume=True)  # nothing left: no empty session file
    assert third.records == [] and len(third.skipped) == 2 and not third.path.exists()
