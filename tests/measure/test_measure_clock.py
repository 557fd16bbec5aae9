"""StageClock on the CPU: stages, steps and end-to-end time agree; repeated and nested stages."""

from __future__ import annotations

import json
import time

import pytest
import torch

from vbench.measure import StageClock


def _matmuls(n: int = 3) -> None:
    a = torch.randn(256, 256)
    for _ in range(n):
        a = (a @ a).tanh()


def _fake_pipeline(clock: StageClock, steps: int, callback) -> None:
    """A diffusers-shaped call: text encoding, a denoising loop with a step callback, VAE decode per chunk."""
    with clock.stage("text_encode"):
        time.sleep(0.03)
        _matmuls()
    with clock.stage("denoise"):
        for i in range(steps):
            time.sleep(0.01)
            _matmuls()
            callback(None, i, 1000 - i, {"latents": i})
    for _ in range(2):
        with clock.stage("vae_decode"):
            time.sleep(0.02)


def test_stages_and_steps_add_up_to_e2e():
    clock = StageClock("cpu")
    clock.start()
    _fake_pipeline(clock, steps=5, callback=clock.step_callback)
    timing = clock.stop()

    stages = timing.stages
    assert set(stages) == {"text_encode", "denoise", "vae_decode"}
    assert timing.method == "perf_counter" and timing.e2e_events_s is None
    top = sum(s.seconds for s in stages.values())
    assert top == pytest.approx(timing.e2e_s, rel=0.05)
    by_steps = sum(timing.steps) + stages["text_encode"].seconds + stages["vae_decode"].seconds
    assert by_steps == pytest.approx(timing.e2e_s, rel=0.05)
    assert timing.outside_stages_s == pytest.approx(timing.e2e_s - top)
    assert stages["text_encode"].seconds >= 0.03
    assert all(s >= 0.01 for s in timing.steps)


def test_steps_come_from_the_step_callback_and_start_at_the_denoise_stage():
    clock = StageClock("cpu")
    returned = []

    def callback(pipe, i, t, kwargs):
        returned.append(clock.step_callback(pipe, i, t, kwargs))
        return returned[-1]

    clock.start()
    with clock.stage("text_encode"):
        time.sleep(0.1)  # must not leak into the first step
    with clock.stage("denoise"):
        for i in range(4):
            time.sleep(0.01)
            callback(None, i, 0, {"latents": i})
    timing = clock.stop()
    assert len(timing.steps) == 4
    assert returned == [{"latents": i} for i in range(4)]  # kwargs handed back unchanged
    assert max(timing.steps) < 0.08
    assert sum(timing.steps) == pytest.approx(timing.stages["denoise"].seconds, rel=0.05)


def test_steps_without_an_open_stage_start_after_the_last_closed_stage():
    clock = StageClock("cpu")
    clock.start()
    with clock.stage("text_encode"):
        time.sleep(0.08)
    for _ in range(3):
        time.sleep(0.01)
        clock.step()
    timing = clock.stop()
    assert len(timing.steps) == 3 and max(timing.steps) < 0.06


def test_repeated_stages_are_summed_with_counts_and_nested_stages_have_depth():
    clock = StageClock("cpu")
    clock.start()
    with clock.stage("vae_decode"):
        for _ in range(3):
            with clock.stage("chunk"):
                time.sleep(0.01)
    timing = clock.stop()
    chunk = timing.stages["chunk"]
    assert chunk.count == 3 and len(chunk.samples) == 3
    assert chunk.seconds == pytest.approx(sum(chunk.samples))
    assert chunk.depth == 1 and timing.stages["vae_decode"].depth == 0
    assert timing.stages["vae_decode"].seconds >= chunk.seconds
    # only top-level stages count towards the covered time
    assert timing.outside_stages_s == pytest.approx(timing.e2e_s - timing.stages["vae_decode"].seconds)


def test_open_stages_are_closed_at_stop_and_named():
    clock = StageClock("cpu")
    clock.start()
    clock.begin("denoise")
    clock.step()
    timing = clock.stop()
    assert timing.auto_closed == ["denoise"]
    assert timing.stages["denoise"].count == 1


def test_misuse_raises():
    clock = StageClock("cpu")
    with pytest.raises(RuntimeError, match="start"):
        clock.step()
    clock.start()
    clock.begin("a")
    with pytest.raises(RuntimeError, match="innermost"):
        clock.end("b")
    clock.end("a")
    with pytest.raises(RuntimeError, match="no stage is open"):
        clock.end()


def test_a_stage_that_raises_is_still_closed():
    clock = StageClock("cpu")
    clock.start()
    with pytest.raises(ValueError), clock.stage("vae_decode"):
        raise ValueError("boom")
    timing = clock.stop()
    assert timing.stages["vae_decode"].count == 1 and timing.auto_closed == []


def test_timing_is_plain_json_with_step_summary():
    clock = StageClock("cpu")
    clock.start()
    with clock.stage("denoise"):
        for _ in range(3):
            clock.step()
    data = json.loads(json.dumps(clock.stop().to_dict()))
    assert data["steps"]["unit"] == "s" and data["steps"]["n"] == 3 and len(data["steps"]["samples"]) == 3
    assert data["stages"]["denoise"]["count"] == 1


def test_clock_can_be_reused_for_repeats():
    clock = StageClock("cpu")
    e2e = []
    for _ in range(3):
        clock.start()
        with clock.stage("x"):
            time.sleep(0.005)
        e2e.append(clock.stop().e2e_s)
    assert all(0.005 <= t < 0.1 for t in e2e)
