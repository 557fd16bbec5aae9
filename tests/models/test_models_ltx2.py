"""LTX-2: one transformer makes the video and its sound. The text connectors, the audio VAE decode and
the vocoder are timed as stages, the waveform is described in the record, the pseudo prompt is left
padded like Gemma's, and the workload's guidance is plain classifier-free guidance of both modalities."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from zoo_workloads import workload

from vbench.models import build_pipeline


@pytest.fixture(scope="module")
def built():
    return build_pipeline({"family": "ltx2", "source": "tiny", "weights_seed": 0})


def call(built, work):
    batches = []
    handle = built.denoiser.register_forward_pre_hook(
        lambda _m, _a, kw: batches.append(kw["hidden_states"].shape[0]), with_kwargs=True)
    try:
        out = built.pipe(**built.call_kwargs(work, device="cpu"))
    finally:
        handle.remove()
    return out, batches


def test_video_and_sound_follow_the_prompt(built):
    out, _ = call(built, workload("ltx2"))
    again, _ = call(built, workload("ltx2"))
    other, _ = call(built, workload("ltx2", prompt="a blue car at night"))
    assert out.frames.shape == (1, 5, 32, 32, 3)
    assert out.audio.shape[:2] == (1, 2) and torch.isfinite(out.audio).all()
    assert torch.equal(out.audio, again.audio) and np.array_equal(out.frames, again.frames)
    assert not torch.equal(out.audio, other.audio) and not np.array_equal(out.frames, other.frames)


def test_guidance_is_plain_cfg_of_video_and_audio(built):
    kwargs = built.call_kwargs(workload("ltx2", guidance_scale=3.0), device="cpu")
    assert kwargs["guidance_scale"] == kwargs["audio_guidance_scale"] == 3.0
    assert kwargs["stg_scale"] == kwargs["audio_stg_scale"] == 0.0 and kwargs["modality_scale"] == 1.0
    _, guided = call(built, workload("ltx2", guidance_scale=3.0))
    _, plain = call(built, workload("ltx2", guidance_scale=1.0))
    assert guided == [2, 2] and plain == [1, 1]  # one forward per step: conditional + unconditional batched


def test_pseudo_prompt_is_left_padded_at_gemma_width(built):
    kwargs = built.call_kwargs(workload("ltx2", prompt="a fox"), device="cpu")
    assert kwargs["prompt_embeds"].shape == (1, 16, 32 * 3)  # hidden 32 x (2 layers + embeddings)
    assert kwargs["prompt_attention_mask"].tolist() == [[0] * 13 + [1] * 3]  # 2 words + end, at the end


def test_stages_and_audio_in_the_record(tmp_path):
    from vbench.harness.execute import execute_run
    from vbench.record import STAGES
    from vbench.scenario import expand, validate_document

    doc = {"model": {"family": "ltx2", "source": "tiny"},
           "workload": {"num_frames": 9, "height": 32, "width": 32, "num_inference_steps": 2},
           "reference": {"enabled": False}, "metrics": [],
           "measure": {"warmup": 0, "repeats": 1, "max_repeats": 1, "isolation": "inline", "flops": False}}
    (run,) = expand(validate_document(doc, source="test"))
    record = execute_run(run.to_dict())
    assert record["status"] == "ok", record.get("traceback")
    stages = record["timing"]["stages"]
    assert {"text_connect", "audio_decode", "vocode", "vae_decode", "denoise"} <= set(stages) <= set(STAGES)
    assert all("within" not in stages[s] for s in ("text_connect", "audio_decode", "vocode"))  # top level
    audio = record["outputs"]["audio"]
    # the writer's keys are the record contract's: a reader typed by vbench.record finds every one
    from vbench.record import AudioOutput, Outputs, Steps

    assert set(audio) == set(AudioOutput.__annotations__) and "audio" in Outputs.__annotations__
    assert set(record["timing"]["steps"]) <= set(Steps.__annotations__)
    assert record["timing"]["steps"]["marked_by"] == "callback_on_step_end"
    assert audio["shape"][:2] == [1, 2] and audio["sample_rate"] == 16000
    assert audio["seconds"] == pytest.approx(audio["shape"][2] / 16000) and len(audio["hash"]) == 64
    assert record["outputs"]["shape"] == [1, 9, 32, 32, 3]
