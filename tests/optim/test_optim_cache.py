"""Step-level caches through diffusers' hooks: what each did is counted, its output differs from the
uncached run's, it is bit-identical when its setting disables reuse, and what cannot run is
`unsupported` with the reason."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from optim_cases import WORKLOAD, applied, build, frames

from vbench.errors import UnsupportedError
from vbench.record import CacheApplied, CacheCounts
from vbench.scenario.caches import CONFIG_CLASSES, OPTIONS, SET_BY_VBENCH

W = dict(WORKLOAD, num_inference_steps=8)
#: settings that reuse on the tiny Wan in 8 steps
REUSING = {
    "first-block": {"threshold": 0.3},
    "faster-cache": {"spatial_attention_block_skip_range": 2, "spatial_attention_timestep_skip_range": [-1, 901]},
    "pab": {"spatial_attention_block_skip_range": 2, "spatial_attention_timestep_skip_range": [-1, 901]},
    "mag-cache": {"threshold": 0.2},
    "taylorseer": {"cache_interval": 2, "disable_cache_before_step": 1, "cache_identifiers": [r"blocks\.\d+\.attn\d"]},
}
#: settings under which the same cache reuses nothing
NEVER = {
    "first-block": {"threshold": 0.0},
    "faster-cache": {"spatial_attention_block_skip_range": 2, "spatial_attention_timestep_skip_range": [-1, -1]},
    "pab": {"spatial_attention_block_skip_range": 2, "spatial_attention_timestep_skip_range": [-1, -1]},
    "mag-cache": {"threshold": 0.0},
    "taylorseer": {"cache_interval": 1, "disable_cache_before_step": 100,
                   "cache_identifiers": [r"blocks\.\d+\.attn\d"]},
}


def built_width() -> int:
    from vbench.models.tiny import TINY

    cfg = TINY["wan"]["transformer"].kwargs
    return cfg["num_attention_heads"] * cfg["attention_head_dim"]


@pytest.fixture(scope="module")
def uncached():
    return np.asarray(frames(build("wan"), W))


def _cached(family, mode, options, workload=W):
    built = build(family)
    done, _ = applied(built, workload, cache=mode, cache_options=options)
    (counter,) = built.call_trackers
    counter.begin_call()
    out = np.asarray(frames(built, workload))
    counter.end_call()
    return done["cache"], counter.summary(), out


@pytest.mark.parametrize("mode", list(CONFIG_CLASSES))
def test_each_cache_reuses_and_changes_the_output(mode, uncached):
    info, counts, out = _cached("wan", mode, REUSING[mode])
    assert set(info) <= set(CacheApplied.__annotations__) and set(counts) <= set(CacheCounts.__annotations__)
    assert info["mode"] == mode and info["hooked_modules"] >= 1
    assert counts["forwards"] == 16  # 8 steps x (conditional + unconditional pass)
    reused_blocks = counts["blocks"]["computed"] < counts["blocks"]["total"]
    reused_attention = counts["attention"]["computed"] < counts["attention"]["total"]
    assert reused_blocks or reused_attention
    if mode in ("first-block", "mag-cache"):  # step-level: whole forwards past the first block skipped
        assert counts["forwards_reused"] > 0 and reused_blocks
    else:  # attention-level: every block runs, some attention is reused
        assert not reused_blocks and reused_attention
    assert sum(a for _, a in counts["per_forward"]) == counts["attention"]["computed"]
    # the cache holds at least one block-sized activation of the latent between steps: tokens x the
    # tiny width, in fp32 (what it holds is counted from diffusers' hook states)
    tokens = 3 * (32 // 16) ** 2  # 9 frames -> 3 latent frames, 32 px -> 2x2 patches
    assert counts["state_bytes_peak"] >= tokens * 4 * built_width(), counts["state_bytes_peak"]
    assert not np.array_equal(out, uncached)
    assert np.abs(out - uncached).mean() < 0.2  # a cached video, not noise


@pytest.mark.parametrize("mode", list(CONFIG_CLASSES))
def test_a_setting_that_disables_reuse_gives_the_uncached_video(mode, uncached):
    _, counts, out = _cached("wan", mode, NEVER[mode])
    assert counts["blocks"] == {"computed": counts["blocks"]["total"], "total": counts["blocks"]["total"]}
    assert counts["attention"]["computed"] == counts["attention"]["total"]
    np.testing.assert_array_equal(out, uncached)


def test_mag_cache_calibrates_its_ratios_on_the_run():
    info, counts, _ = _cached("wan", "mag-cache", {"threshold": 0.2})
    ratios = info["calibration"]["mag_ratios"]
    assert len(ratios) == W["num_inference_steps"] and ratios[0] == 1.0 and all(r > 0 for r in ratios)
    assert len(info["calibration"]["every_context"]) == 2  # the conditional and unconditional passes
    assert info["settings"]["mag_ratios"] == ratios and info["settings"]["num_inference_steps"] == 8
    pinned, again, _ = _cached("wan", "mag-cache", {"threshold": 0.2, "mag_ratios": ratios})
    assert "calibration" not in pinned and again["per_forward"] == counts["per_forward"]


def test_faster_cache_on_wan_turns_the_batch_skip_off_and_says_so():
    info, _, _ = _cached("wan", "faster-cache", REUSING["faster-cache"])
    assert info["settings"]["is_guidance_distilled"] is True
    assert any("unconditional pass as its own forward" in n for n in info["notes"])
    with pytest.raises(UnsupportedError, match="unconditional-batch skip cannot apply"):
        _cached("wan", "faster-cache", {**REUSING["faster-cache"], "is_guidance_distilled": False})


@pytest.mark.parametrize(("family", "mode", "options", "said"), [
    ("svd", "pab", {}, "UNetSpatioTemporalConditionModel has no diffusers cache hooks"),
    ("wan", "taylorseer", {}, "hooked no module of WanTransformer3DModel"),
    ("cogvideox", "first-block", {}, "needs at least two transformer blocks"),
    ("wan", "faster-cache", {"spatial_attention_timestep_skip_range": [-1, 1001]}, "reaches the first timestep"),
])
def test_what_cannot_run_is_unsupported_with_the_reason(family, mode, options, said):
    with pytest.raises(UnsupportedError, match=said):
        applied(build(family), W, cache=mode, cache_options=options)


def test_other_families_count_their_blocks_and_attention():
    for family, mode in (("hunyuan", "first-block"), ("mochi", "pab"), ("cogvideox", "faster-cache")):
        _, counts, _ = _cached(family, mode, REUSING[mode])
        assert counts["blocks_per_forward"] >= 1 and counts["attention_per_forward"] >= 1, family
        assert (counts["blocks"]["computed"] < counts["blocks"]["total"]
                or counts["attention"]["computed"] < counts["attention"]["total"]), family


def test_the_option_tables_are_diffusers_own_field_names():
    from diffusers import hooks

    for mode, cls_name in CONFIG_CLASSES.items():
        fields = {f.name for f in dataclasses.fields(getattr(hooks, cls_name))}
        assert set(OPTIONS[mode]) <= fields, mode
        # every field is either an option or set by vbench
        assert fields - set(OPTIONS[mode]) - set(SET_BY_VBENCH.get(mode, ())) == set(), mode


@pytest.mark.parametrize(("settings", "said"), [
    ({"cache": "none", "cache_options": {"threshold": 0.1}}, "cache_options need a cache"),
    ({"cache": "pab", "cache_options": {"threshold": 0.1}}, "threshold: not a setting of pab"),
    ({"cache": "first-block", "cache_options": {"threshold": "high"}}, "threshold: must be a number"),
    ({"cache": "mag-cache", "cache_options": {"num_inference_steps": 4}}, "set by vbench for mag-cache"),
    ({"cache": "pab", "cache_options": {"spatial_attention_timestep_skip_range": [900, 100]}},
     "must be a [low, high] pair"),
    ({"cache": "first-block", "chunk_frames": 2}, "set chunk_frames: null with a cache"),
    ({"cache": "teacache"}, "Input should be 'none', 'first-block'"),
])
def test_bad_cache_settings_name_the_field(settings, said):
    from pydantic import ValidationError

    from vbench.scenario.schema import Optimizations

    with pytest.raises(ValidationError) as err:
        Optimizations(**settings)
    assert said in str(err.value)


def test_caching_scenario_scores_every_cache_against_the_uncached_run(tmp_path):
    from pathlib import Path

    from vbench.cli.main import main
    from vbench.results import records as read

    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "caching.yaml"
    assert main(["run", str(scenario), "--out", str(tmp_path), "--set", "measure.repeats=1"]) == 0
    records = read(tmp_path)
    assert len(records) == 11 and {r["status"] for r in records} == {"ok"}
    (reference,) = [r for r in records if r["spec"]["optimizations"]["cache"] == "none"]
    cached = [r for r in records if r is not reference]
    assert {r["spec"]["optimizations"]["cache"] for r in cached} == set(CONFIG_CLASSES)
    for r in cached:
        counts = r["applied"]["cache"]["counts"]
        assert r["reference_id"] == reference["run_id"]  # scored against the uncached run
        assert counts["same_every_call"] and counts["forwards"] == 24
        assert (counts["blocks"]["computed"] < counts["blocks"]["total"]
                or counts["attention"]["computed"] < counts["attention"]["total"]), r["label"]
        psnr = r["quality"]["scores"]["psnr"]["value"]
        assert psnr is not None and 15 < psnr < 99, (r["label"], psnr)
