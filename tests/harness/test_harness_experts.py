"""Wan2.2-A14B's two experts: the record counts which expert denoised which steps, FLOPs count both,
both experts' weights are in memory.weights, and transforms that would change one expert only are
unsupported."""

from __future__ import annotations

import pytest

import vbench
from vbench.errors import UnsupportedError

WORKLOAD = {"prompt": "a fox", "seed": 0, "num_frames": 5, "height": 32, "width": 32, "num_inference_steps": 6}


@pytest.fixture(scope="module")
def a14b():
    from vbench.models import build_pipeline

    return build_pipeline({"family": "wan", "source": "arch", "name": "Wan2.2-T2V-A14B", "num_layers": 1,
                           "weights_seed": 0, "text_encoder": "pseudo"})


@pytest.mark.slow
def test_the_record_says_which_expert_ran_when(a14b):
    pipe = a14b.pipe
    assert pipe.config.boundary_ratio == 0.875 and pipe.transformer_2 is not None
    record = vbench.measure_pipeline(pipe, WORKLOAD, {}, {"warmup": 0, "repeats": 1, "rel_ci": None},
                                     name="Wan2.2-T2V-A14B-1-block")
    assert record["status"] == "ok", record.get("reason")
    experts = record["experts"]
    # the pipeline's own rule: the high-noise expert while t >= boundary_ratio x num_train_timesteps
    boundary = 0.875 * pipe.scheduler.config.num_train_timesteps
    high = sum(1 for t in pipe.scheduler.timesteps if t >= boundary)
    assert 0 < high < 6
    assert experts["switch_step"] == high
    assert experts["steps"] == {"transformer": high, "transformer_2": 6 - high}
    assert experts["forwards"] == {"transformer": 2 * high, "transformer_2": 2 * (6 - high)}  # with guidance
    assert record["flops"]["forwards_per_call"] == 12
    weights = record["memory"]["weights"]
    assert weights["transformer_2_bytes"] == weights["transformer_bytes"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("settings", [{"cache": "first-block"}, {"attention_backend": "_native_math"},
                                      {"compile": True}])
def test_a_transform_of_one_expert_only_is_unsupported(a14b, settings):
    from vbench.optim import Context, apply_optimizations
    from vbench.scenario.schema import Optimizations

    with pytest.raises(UnsupportedError, match="first expert only"):
        apply_optimizations(a14b, Optimizations(**settings).model_dump(), "cpu",
                            ctx=Context(device="cpu", workload=WORKLOAD))
