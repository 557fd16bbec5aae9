"""Tiny stand-ins of Wan2.2 (``source: tiny`` with ``name``): the family's tiny model in the
published architecture's shape, for CPU tests of what only that shape does -- two experts switched
at a boundary ratio (T2V-A14B), a 48-channel 16x VAE with a timestep per token and image conditioning
through the VAE alone (TI2V-5B)."""

from __future__ import annotations

import pytest

import vbench
from vbench.errors import ScenarioError
from vbench.models import build_pipeline
from vbench.models.build import parameter_counts
from vbench.models.tiny import TINY_NAMED
from vbench.scenario import expand, validate_document
from vbench.scenario.families import TINY_NAMES

WORKLOAD = {"prompt": "a fox", "seed": 0, "num_frames": 5, "height": 64, "width": 64, "num_inference_steps": 6}
MEASURE = {"warmup": 0, "repeats": 1, "rel_ci": None, "flops": False}
A14B = {"family": "wan", "source": "tiny", "name": "Wan2.2-T2V-A14B"}
TI2V = {"family": "wan", "source": "tiny", "name": "Wan2.2-TI2V-5B"}


def test_the_scenario_layer_knows_every_stand_in():
    assert dict.fromkeys(TINY_NAMED, "wan") == TINY_NAMES


def test_tiny_a14b_switches_experts_where_its_scheduler_crosses_the_boundary():
    built = build_pipeline(A14B)
    pipe = built.pipe
    assert pipe.config.boundary_ratio == 0.875 and type(pipe.scheduler).__name__ == "UniPCMultistepScheduler"
    record = vbench.measure_pipeline(pipe, WORKLOAD, {}, MEASURE)
    assert record["status"] == "ok", record.get("reason")
    pipe.scheduler.set_timesteps(WORKLOAD["num_inference_steps"])
    high = sum(1 for t in pipe.scheduler.timesteps if t >= 0.875 * pipe.scheduler.config.num_train_timesteps)
    assert 0 < high < 6 and record["experts"]["switch_step"] == high
    assert record["experts"]["forwards"] == {"transformer": 2 * high, "transformer_2": 2 * (6 - high)}
    weights = record["memory"]["weights"]
    assert weights["transformer_2_bytes"] == weights["transformer_bytes"] > 0
    counts = parameter_counts(A14B)
    assert counts["other"] == {"transformer_2": counts["denoiser"]}
    assert counts["denoiser"] == parameter_counts({"family": "wan", "source": "tiny"})["denoiser"]


def test_tiny_ti2v_5b_has_the_wan22_vae_shape():
    built = build_pipeline(TI2V)
    pipe = built.pipe
    assert pipe.config.expand_timesteps and pipe.vae.config.z_dim == 48 and pipe.vae_scale_factor_spatial == 16
    record = vbench.measure_pipeline(pipe, {**WORKLOAD, "num_inference_steps": 2}, {}, MEASURE)
    assert record["status"] == "ok", record.get("reason")
    # 64 px / 16 = 4 latent pixels, patched 2x2: 4 tokens per latent frame; 5 frames -> 2 latent frames
    assert record["latent"]["shape"] == [1, 48, 2, 4, 4] and record["latent"]["tokens"] == 2 * 2 * 2
    assert record["outputs"]["shape"] == [1, 5, 64, 64, 3]


def test_tiny_ti2v_5b_takes_an_image_through_its_vae():
    workload = {**WORKLOAD, "num_inference_steps": 2, "image": "generated"}
    built = build_pipeline(TI2V, image=True)
    assert type(built.pipe).__name__ == "WanImageToVideoPipeline" and built.pipe.image_encoder is None
    with_image = vbench.measure_pipeline(built.pipe, workload, {}, MEASURE)
    assert with_image["status"] == "ok", with_image.get("reason")
    stages = with_image["timing"]["stages"]
    assert "vae_encode" in stages and stages["vae_encode"]["within"] == "prepare_latents"
    assert "image_encode" not in stages  # no CLIP: the image is conditioned on through the VAE
    without = vbench.measure_pipeline(build_pipeline(TI2V).pipe, {**WORKLOAD, "num_inference_steps": 2}, {}, MEASURE)
    assert with_image["outputs"]["video"] != without["outputs"]["video"]


def test_a_saved_stand_in_is_recognised_as_tiny(tmp_path):
    build_pipeline(TI2V).pipe.save_pretrained(tmp_path / "ti2v")
    loaded = build_pipeline({"family": "wan", "source": "local", "path": str(tmp_path / "ti2v")})
    assert loaded.info["text"]["seq_len"] == 16  # the tiny length, not Wan's published 512


DOC = {"workload": {"num_frames": 5, "height": 64, "width": 64, "num_inference_steps": 2},
       "reference": {"enabled": False}}


def _problem(model: dict, **workload) -> str:
    with pytest.raises(ScenarioError) as err:
        expand(validate_document({**DOC, "model": model, "workload": {**DOC["workload"], **workload}},
                                 source="s.yaml"))
    return str(err.value)


def test_scenarios_of_stand_ins_follow_their_architecture():
    (run,) = expand(validate_document({**DOC, "model": TI2V}, source="s.yaml"))
    assert run.label() == "wan-Wan2.2-TI2V-5B-tiny"
    plain = expand(validate_document({**DOC, "model": {"family": "wan", "source": "tiny"}}, source="s.yaml"))[0]
    assert plain.run_id != run.run_id
    said = _problem({**TI2V, "name": "Wan2.1-T2V-1.3B"})
    assert "model.name" in said and "allowed: Wan2.2-T2V-A14B, Wan2.2-TI2V-5B" in said
    assert "allowed: none" in _problem({"family": "ltx", "source": "tiny", "name": "Wan2.2-TI2V-5B"})
    assert "multiples of 32" in _problem(TI2V, height=48)  # a 16x VAE and 2x2 patches, as the 5B
    said = _problem(A14B, image="generated")
    assert "generates from text only" in said and "Wan2.2-TI2V-5B" in said and "no name" in said
