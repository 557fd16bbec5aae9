"""vbench.measure_pipeline: a pipeline built outside vbench, measured by the same protocol."""

from __future__ import annotations

import pytest

import vbench
from vbench.errors import ScenarioError, UnsupportedError
from vbench.results import records

WORKLOAD = {"prompt": "a kite over a beach", "seed": 3, "num_frames": 9, "height": 32, "width": 32,
            "num_inference_steps": 3}
MEASURE = {"warmup": 1, "repeats": 2, "rel_ci": None, "min_seconds": 0, "flops": False}


def _own_wan_pipeline():
    """A WanPipeline assembled from diffusers' classes directly (no vbench builder), no text encoder."""
    import torch
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanPipeline,
        WanTransformer3DModel,
    )

    from vbench.models.tiny import TINY

    torch.manual_seed(0)
    parts = TINY["wan"]
    return WanPipeline(tokenizer=None, text_encoder=None,
                       transformer=WanTransformer3DModel(**parts["transformer"].kwargs),
                       vae=AutoencoderKLWan(**parts["vae"].kwargs),
                       scheduler=FlowMatchEulerDiscreteScheduler(**parts["scheduler"].kwargs))


def test_a_pipeline_built_elsewhere_gets_a_full_record(tmp_path):
    pipe = _own_wan_pipeline()
    record = vbench.measure_pipeline(pipe, WORKLOAD, {"cache": "first-block", "cache_options": {"threshold": 0.2}},
                                     MEASURE, name="my-wan", out=str(tmp_path))
    assert record["status"] == "ok", record.get("reason")
    assert record["spec"]["model"] == {**record["spec"]["model"], "family": "wan", "source": "object",
                                       "name": "my-wan"}
    assert record["spec"]["workload"]["prompt"] == WORKLOAD["prompt"] and record["spec"]["workload"]["seed"] == 3
    timing = record["timing"]
    assert timing["load_s"] is None and "built by the caller" in timing["unavailable"]["load_s"]
    assert len(timing["e2e"]["samples"]) == 2 and timing["steps"]["tracked"]
    assert {"text_encode", "denoise", "vae_decode"} <= set(timing["stages"])
    assert record["memory"]["peak"]["bytes"] > 0
    counts = record["applied"]["cache"]["counts"]
    assert counts["forwards"] == 6 and counts["calls_counted"] == 3  # 3 steps x 2 passes; warm-up + 2 timed
    assert record["latent"]["shape"][0] == 1
    # the cache came off the caller's pipeline again; the record is in the results folder
    assert not pipe.transformer.is_cache_enabled
    (stored,) = records(tmp_path)
    assert stored["run_id"] == record["run_id"] and stored["label"] == record["label"]
    again = vbench.measure_pipeline(pipe, WORKLOAD, {"cache": "first-block", "cache_options": {"threshold": 0.2}},
                                    MEASURE, name="my-wan")
    assert again["run_id"] == record["run_id"]  # same name and settings: the same run, comparable
    assert again["applied"]["cache"]["counts"]["per_forward"] == counts["per_forward"]


def test_what_cannot_be_measured_says_why():
    from diffusers import DDPMScheduler

    class NotAVideoPipeline:
        scheduler = DDPMScheduler()

    with pytest.raises(UnsupportedError, match="NotAVideoPipeline is not a diffusers pipeline"):
        vbench.measure_pipeline(NotAVideoPipeline(), WORKLOAD)
    pipe = _own_wan_pipeline()
    with pytest.raises(ScenarioError, match="measure.isolation"):
        vbench.measure_pipeline(pipe, WORKLOAD, measure={"isolation": "process"})
    with pytest.raises(ScenarioError, match="num_frames"):
        vbench.measure_pipeline(pipe, {**WORKLOAD, "num_frames": 8})  # Wan takes 4k+1 frames
