"""Frame chunking: windows and ramps, calls counted, full-video positions, identity when unchunked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from optim_cases import WORKLOAD, applied, build, frames

from vbench.errors import UnsupportedError
from vbench.optim.chunking import FrameChunker, ramp_weights, windows


@pytest.mark.parametrize("frames_,size,overlap", [(9, 4, 1), (9, 3, 0), (9, 5, 2), (13, 4, 3), (5, 9, 0)])
def test_windows_cover_every_frame_and_ramps_sum_to_one(frames_, size, overlap):
    spans = windows(frames_, size, overlap)
    assert spans[0][0] == 0 and spans[-1][1] == frames_ and all(e - s == min(size, frames_) for s, e in spans)
    total = np.zeros(frames_)
    for (s, e), w in zip(spans, ramp_weights(frames_, spans), strict=True):
        total[s:e] += w
    np.testing.assert_allclose(total, 1.0)


def test_unchunked_when_the_window_holds_every_frame():
    ref = frames(build())
    built = build()
    rec, _ = applied(built, chunk_frames=3)  # 9 frames -> 3 latent frames
    assert rec["chunking"]["effect"] == "not run"
    out = frames(built)
    chunking = rec["chunking"]  # the record says what happened, not only what was asked
    assert chunking["effect"] == "no effect" and "every call ran whole" in chunking["reason"]
    assert chunking["windows_run"] == chunking["forwards_chunked"] == 0 and chunking["forwards"] > 0
    assert np.array_equal(out, ref)


@pytest.mark.parametrize("family", ["wan", "hunyuan"])
def test_chunked_calls_are_counted(family):
    wl = {**WORKLOAD, "num_frames": 17}  # 5 latent frames
    built = build(family)
    rec, _ = applied(built, wl, chunk_frames=2, chunk_overlap=1)
    out = frames(built, wl)
    chunking = rec["chunking"]
    assert chunking["windows_run"] == 4 * chunking["forwards"] > 0  # windows (0,2) (1,3) (2,4) (3,5)
    assert chunking["chunk_frames"] == 2 and np.isfinite(out).all()
    assert chunking["effect"] == "chunked" and "reason" not in chunking
    assert chunking["forwards_chunked"] == chunking["forwards"]


def test_windows_get_the_full_videos_positions():
    built = build()
    full = torch.zeros(1, 16, 5, 4, 4)
    cos_full, _ = built.denoiser.rope(full)
    chunker = FrameChunker(built.denoiser, built.family, 2, 0)
    chunker._window = (3, 5, 5)
    cos_chunk, _ = built.denoiser.rope(full[:, :, 3:5])
    per_frame = cos_full.shape[1] // 5
    assert torch.equal(cos_chunk, cos_full[:, 3 * per_frame:5 * per_frame])
    chunker._window = None


def test_families_without_chunking_say_why():
    with pytest.raises(UnsupportedError, match="cogvideox keeps positions"):
        applied(build("cogvideox"), chunk_frames=2)


def test_chunked_vae_decode_keeps_the_frame_count():
    wl = {**WORKLOAD, "num_frames": 17}
    built = build()
    rec, _ = applied(built, wl, vae_chunk_frames=2)
    out = frames(built, wl)
    assert out.shape == frames(build(), wl).shape  # 5 latent frames decoded 2+2+1: 3 VAE calls
    assert rec["vae_chunking"]["effect"] == "chunked" and rec["vae_chunking"]["vae_calls"] == 3
    assert rec["vae_chunking"]["decodes"] == rec["vae_chunking"]["decodes_chunked"] == 1
    whole_built = build()
    whole, _ = applied(whole_built, wl, vae_chunk_frames=5)
    frames(whole_built, wl)
    assert whole["vae_chunking"]["effect"] == "no effect" and "every decode ran whole" in whole["vae_chunking"]["reason"]


@pytest.mark.slow
def test_denoising_peak_rss_falls_with_the_chunk_size(tmp_path, monkeypatch):
    """scenarios/chunking.yaml through the harness, each run in a fresh process: HunyuanVideo,
    33 frames (9 latent) at 128 px, denoiser windows of 9, 5 and 3 latent frames (whole, 1/2, 1/4).
    The peak RSS of the denoising loop (exact: VmHWM reset at its start) falls with the window:
    measured 94.5, 29.9 and 11.2 MB above the loop's starting RSS. The call's peak is set by the
    VAE decode (about 277 MB here, the same in all three: the Hunyuan VAE decodes time in its own
    tiles), which denoiser chunking does not touch."""
    from vbench.harness import run_sweep
    from vbench.scenario import expand, load_scenario

    # every allocation of 64 KiB or more is its own mapping, returned when freed, so RSS follows
    # live memory; the spawned workers inherit it
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    monkeypatch.setenv("MALLOC_ARENA_MAX", "1")
    runs = expand(load_scenario(str(Path(__file__).parents[2] / "scenarios" / "chunking.yaml")))
    result = run_sweep(runs, out_dir=tmp_path)
    assert [r["status"] for r in result.records] == ["ok"] * 3, result.counts()
    by_chunk = {r["spec"]["optimizations"]["chunk_frames"]: r for r in result.records}
    if by_chunk[None]["memory"]["host"].get("stages_source", "").startswith("sampled"):
        pytest.skip("/proc/self/clear_refs is not writable here: no exact per-stage peak")
    denoise = {c: by_chunk[c]["memory"]["host"]["stages"]["denoise"]["delta_rss_bytes"] for c in (None, 5, 3)}
    decode = {c: by_chunk[c]["memory"]["host"]["stages"]["vae_decode"]["delta_rss_bytes"] for c in (None, 5, 3)}
    print({c: round(v / 2**20, 1) for c, v in denoise.items()}, {c: round(v / 2**20, 1) for c, v in decode.items()})
    assert denoise[None] > 2 * denoise[5] > 0 and denoise[5] > 2 * denoise[3] > 0
    for c in (5, 3):
        chunking = by_chunk[c]["applied"]["chunking"]
        assert chunking["chunk_frames"] == c and chunking["chunk_overlap"] == 1
        assert abs(decode[c] - decode[None]) < 0.05 * decode[None]  # the decode is untouched
