"""A diffusers pipeline outside the known families (family ``generic``): MotifVideoPipeline, whose
``__call__`` takes no ``guidance_scale`` (a guider component holds it), built here from diffusers'
and transformers' classes with the tiny sizes of diffusers' own test, measured through
``vbench.measure_pipeline`` and, saved to disk, through a scenario with no family."""

from __future__ import annotations

import typing

import pytest

import vbench
from vbench import record as contract
from vbench.errors import UnsupportedError
from vbench.scenario import expand, validate_document

WORKLOAD = {"prompt": "w1 w2 w3", "seed": 1, "num_frames": 5, "height": 32, "width": 32,
            "num_inference_steps": 2, "guidance_scale": 4.0}
MEASURE = {"warmup": 1, "repeats": 2, "rel_ci": None, "min_seconds": 0, "flops": True}


def _tokenizer():
    """A word-level tokenizer made here (no hub download), saved and loaded like any fast tokenizer."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = ["<pad>", "</s>", "<unk>", *(f"w{i}" for i in range(61))]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")


def motif_pipeline():
    """MotifVideoPipeline with the component sizes of diffusers' tests/pipelines/motif_video (vocabulary 64)."""
    import torch
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        MotifVideoPipeline,
        MotifVideoTransformer3DModel,
    )
    from diffusers.guiders import AdaptiveProjectedGuidance
    from transformers import T5Gemma2Encoder, T5Gemma2EncoderConfig, T5Gemma2TextConfig

    torch.manual_seed(0)
    text = T5Gemma2TextConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                              vocab_size=64, max_position_embeddings=128, head_dim=16, num_key_value_heads=2,
                              dropout_rate=0.0)
    encoder = T5Gemma2Encoder(T5Gemma2EncoderConfig(text_config=text))
    torch.manual_seed(0)
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    torch.manual_seed(0)
    transformer = MotifVideoTransformer3DModel(in_channels=33, out_channels=16, num_attention_heads=2,
                                               attention_head_dim=12, num_layers=1, num_single_layers=1,
                                               mlp_ratio=4.0, patch_size=1, patch_size_t=1, qk_norm="rms_norm",
                                               text_embed_dim=32, rope_axes_dim=(4, 4, 4))
    return MotifVideoPipeline(transformer=transformer, vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
                              text_encoder=encoder, tokenizer=_tokenizer(), feature_extractor=None,
                              guider=AdaptiveProjectedGuidance())


@pytest.fixture(scope="module")
def measured():
    pipe = motif_pipeline()
    return pipe, vbench.measure_pipeline(pipe, WORKLOAD, measure=MEASURE, name="my-motif")


def test_a_pipeline_of_no_known_family_gets_stages_steps_memory_and_flops(measured):
    pipe, record = measured
    assert record["status"] == "ok", record.get("reason")
    assert record["spec"]["model"]["family"] == "generic" and record["embeddings"] == "text_encoder"
    timing = record["timing"]
    # its own encode_prompt and VAE decode are stages; the denoising loop is two steps per call
    assert {"text_encode", "denoise", "vae_decode", "prepare_latents"} <= set(timing["stages"])
    assert timing["steps"]["tracked"] and timing["steps"]["marked_by"] == "callback_on_step_end"
    assert [len(steps) for steps in timing["steps"]["per_call"]] == [2, 2]
    assert all(s > 0 for s in timing["stages"]["text_encode"]["samples"])
    assert record["memory"]["peak"]["bytes"] > 0 and record["memory"]["weights"]["transformer_bytes"] > 0
    assert record["latent"]["shape"][1] == 33 and record["latent"]["tokens"] is None  # layout not known: said so
    assert record["flops"]["flops"] > 0 and record["flops"]["forwards_per_call"] == 4  # 2 steps x (cond, uncond)
    assert record["outputs"]["shape"] == [1, 5, 32, 32, 3] and not record["outputs"]["nondeterministic"]
    generic = record["generic"]
    assert generic["pipeline"] == "MotifVideoPipeline" and generic["denoiser"] == "transformer"
    assert generic["stages"]["text_encode"] == "encode_prompt" and generic["stages"]["vae_decode"] == "vae.decode"
    assert generic["call"]["guidance"] == "guider" and "guidance_scale" in generic["call"]["taken"]
    assert generic["call"]["not_taken"] == ["image"] and generic["unattributed"] == []
    assert pipe.guider.guidance_scale == WORKLOAD["guidance_scale"]  # the workload's scale reached its guider


def test_the_generic_section_is_the_record_contract(measured):
    _, record = measured
    assert set(record["generic"]) == set(typing.get_type_hints(contract.GenericPipeline))
    assert set(record["generic"]["call"]) == set(typing.get_type_hints(contract.GenericCall))
    assert "generic" in typing.get_type_hints(contract.Record)


def test_the_workload_reaches_the_pipeline(measured):
    """Guidance through the guider and the seed through the generator change the video; the same
    settings give the same one."""
    pipe, record = measured
    again = vbench.measure_pipeline(pipe, WORKLOAD, measure=MEASURE, name="my-motif")
    assert again["outputs"]["video"] == record["outputs"]["video"] and again["run_id"] == record["run_id"]
    unguided = vbench.measure_pipeline(pipe, {**WORKLOAD, "guidance_scale": 1.0}, measure=MEASURE)
    reseeded = vbench.measure_pipeline(pipe, {**WORKLOAD, "seed": 2}, measure=MEASURE)
    assert len({record["outputs"]["video"], unguided["outputs"]["video"], reseeded["outputs"]["video"]}) == 3
    assert unguided["flops"]["forwards_per_call"] == 2  # guidance 1: one forward per step


def test_what_a_generic_pipeline_cannot_do_says_why():
    from diffusers import MotifVideoPipeline

    class Unseeded(MotifVideoPipeline):
        def __call__(self, prompt=None, num_inference_steps=2):  # no generator: calls could not repeat
            raise AssertionError("never called")

    pipe = Unseeded(**motif_pipeline().components)
    with pytest.raises(UnsupportedError, match="takes no generator"):
        vbench.measure_pipeline(pipe, WORKLOAD)
    with pytest.raises(UnsupportedError, match="takes no image"):
        vbench.measure_pipeline(motif_pipeline(), {**WORKLOAD, "image": "generated"})


def test_components_no_stage_covers_are_listed():
    """A weighted component no stage wraps is named (its time is inside an enclosing stage or
    unaccounted); without encode_prompt the text encoder's forward is the stage, and a second text
    encoder is unattributed."""
    import torch

    from vbench.models.generic import describe
    from vbench.models.pipeline_handle import stage_methods

    class Pipeline:
        def __init__(self):
            self.transformer, self.vae = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
            self.text_encoder, self.text_encoder_2 = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
            self.refiner = torch.nn.Linear(2, 2)
            self.components = {"transformer": self.transformer, "vae": self.vae, "text_encoder": self.text_encoder,
                               "text_encoder_2": self.text_encoder_2, "refiner": self.refiner, "scheduler": object()}

        def __call__(self, prompt, num_inference_steps, generator, height=16):
            raise AssertionError("never called")

    pipe = Pipeline()
    described = describe(pipe, "transformer", stage_methods(pipe, "generic"))
    assert described["stages"]["text_encode"] == "text_encoder.forward"
    assert described["unattributed"] == ["refiner", "text_encoder_2"]
    assert described["call"]["taken"] == ["prompt", "height", "num_inference_steps", "seed"]
    assert described["call"]["guidance"] is None


@pytest.fixture(scope="module")
def saved_motif(tmp_path_factory):
    folder = tmp_path_factory.mktemp("motif")
    motif_pipeline().save_pretrained(folder)
    return folder


def test_saved_files_of_another_pipeline_run_as_a_scenario_scored_against_fp32(saved_motif, tmp_path):
    """No family in the scenario: model_index.json names MotifVideoPipeline, which is generic; a bf16
    run is scored against its fp32 reference like any other."""
    from vbench.harness import run_sweep
    from vbench.results import records
    from vbench.scoring import score_session

    doc = {"name": "motif", "model": {"source": "local", "path": str(saved_motif)},
           "workload": {k: v for k, v in WORKLOAD.items() if k not in ("prompt", "seed")},
           "sweep": {"product": {"optimizations.precision": ["fp32", "bf16"]}},
           "measure": {**MEASURE, "isolation": "inline", "repeats": 1, "flops": False},
           "metrics": ["psnr"]}
    scenario = validate_document(doc, source="motif.yaml")
    assert scenario.model.family == "generic"
    result = run_sweep(expand(scenario, source="motif.yaml"), out_dir=tmp_path)
    assert all(r["status"] == "ok" for r in result.records), [r.get("reason") for r in result.records]
    score_session(result.path)
    stored = {r["run_id"]: r for r in records(tmp_path)}
    (bf16,) = (r for r in stored.values() if r["spec"]["optimizations"]["precision"] == "bf16")
    assert bf16["generic"]["pipeline"] == "MotifVideoPipeline" and bf16["spec"]["model"]["family"] == "generic"
    assert stored[bf16["reference_id"]]["spec"]["optimizations"]["precision"] == "fp32"
    psnr = bf16["quality"]["scores"]["psnr"]["value"]
    assert 15 < psnr < 80  # bf16 differs from fp32, and not by noise


def test_caches_on_a_generic_pipeline(measured):
    """A step cache goes through the transformer's own enable_cache (counted by its hooks); FasterCache,
    which must know the latent layout, is unsupported until the scenario names it."""
    pipe, uncached = measured
    cached = vbench.measure_pipeline(pipe, WORKLOAD, {"cache": "first-block", "cache_options": {"threshold": 0.5}},
                                     MEASURE)
    assert cached["status"] == "ok", cached.get("reason")
    counts = cached["applied"]["cache"]["counts"]
    assert counts["forwards"] == 4 and counts["calls_counted"] == 3
    faster = vbench.measure_pipeline(pipe, WORKLOAD, {"cache": "faster-cache"}, MEASURE)
    assert faster["status"] == "unsupported" and "cache_options.tensor_format" in faster["reason"]
    assert not pipe.transformer.is_cache_enabled
    assert uncached["outputs"]["video"] == vbench.measure_pipeline(pipe, WORKLOAD, measure=MEASURE)["outputs"]["video"]


def test_saved_files_of_another_pipeline_are_counted_from_their_configs(saved_motif):
    from vbench.models.build import parameter_counts
    from vbench.models.materialize import count_parameters

    pipe = motif_pipeline()
    counts = parameter_counts({"family": "generic", "source": "local", "path": str(saved_motif)})
    assert counts == {"denoiser": count_parameters(pipe.transformer), "vae": count_parameters(pipe.vae)}
