"""Frame chunking: windows and ramps, calls counted, full-video positions, identity when unchunked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from optim_cases import WORKLOAD, applied, build, frames

from vbench.errors import UnsupportedError
from vbench.optim.chunking import ramp_weights, windows


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
    _, ctx = applied(built, chunk_frames=3)  # 9 frames -> 3 latent frames
    out = frames(built)
    assert ctx.chunker.passthrough == ctx.chunker.forwards > 0 and ctx.chunker.calls == 0
    assert np.array_equal(out, ref)


@pytest.mark.parametrize("family", ["wan", "hunyuan"])
def test_chunked_calls_are_counted(family):
    wl = {**WORKLOAD, "num_frames": 17}  # 5 latent frames
    built = build(family)
    rec, ctx = applied(built, wl, chunk_frames=2, chunk_overlap=1)
    out = frames(built, wl)
    assert ctx.chunker.calls == 4 * ctx.chunker.forwards  # windows (0,2) (1,3) (2,4) (3,5)
    assert rec["chunking"]["chunk_frames"] == 2 and np.isfinite(out).all()


def test_windows_get_the_full_videos_positions():
    built = build()
    full = torch.zeros(1, 16, 5, 4, 4)
    cos_full, _ = built.denoiser.rope(full)
    _, ctx = applied(built, chunk_frames=2)
    ctx.chunker._window = (3, 5, 5)
    cos_chunk, _ = built.denoiser.rope(full[:, :, 3:5])
    per_frame = cos_full.shape[1] // 5
    assert torch.equal(cos_chunk, cos_full[:, 3 * per_frame:5 * per_frame])
    ctx.chunker._window = None


def test_families_without_chunking_say_why():
    with pytest.raises(UnsupportedError, match="cogvideox keeps positions"):
        applied(build("cogvideox"), chunk_frames=2)


def test_chunked_vae_decode_keeps_the_frame_count():
    wl = {**WORKLOAD, "num_frames": 17}
    built = build()
    _, ctx = applied(built, wl, vae_chunk_frames=2)
    out = frames(built, wl)
    assert out.shape == frames(build(), wl).shape and ctx.vae_chunker.calls == 3  # 5 latent frames: 2+2+1


_RSS = """
import json, sys, torch
sys.path.insert(0, {here!r})
from optim_cases import applied, build

def status(key):  # kB fields of /proc/self/status
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024

chunk = json.loads(sys.argv[1])
wl = dict(prompt="a fox", negative_prompt="", seed=0, num_frames=33, height=128, width=128,
          num_inference_steps=2, guidance_scale=5.0, num_videos_per_prompt=1)
built = build({family!r})
applied(built, wl, chunk_frames=chunk, vae_chunk_frames=chunk)
kw = built.call_kwargs(wl, device="cpu")
with open("/proc/self/clear_refs", "w") as fh:  # reset the RSS high-water mark (VmHWM) to the current RSS
    fh.write("5")
before = status("VmRSS")
built.pipe(**kw)
print(json.dumps(status("VmHWM") - before))
"""


@pytest.mark.slow
def test_peak_rss_falls_with_the_chunk_size():
    """HunyuanVideo, 33 frames (9 latent) at 128 px, chunks {full, 5, 3, 2} latent frames, each in a
    fresh process. At this size the VAE decode sets the peak (the tiny denoiser's activations are a
    few MB), and the Hunyuan VAE already decodes time in tiles of 4 latent frames by default, so a
    chunk of 5 (4 + 1 context) peaks like the whole video; below that the peak falls with the chunk.
    Measured: 298, 298, 234, 167 MB. (Wan's VAE decodes frame by frame, so chunking leaves its peak
    at about 50 MB.)"""
    script = _RSS.format(here=str(Path(__file__).parent), family="hunyuan")
    peaks = {}
    for chunk in (None, 5, 3, 2):
        # every allocation of 64 KiB or more is its own mapping, returned when freed, so the RSS
        # high-water mark (reset right before the call) is the peak of live memory during the call
        env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_ARENA_MAX": "1"}
        out = subprocess.run([sys.executable, "-c", script, json.dumps(chunk)], capture_output=True, text=True,
                             timeout=300, check=True, env=env)
        peaks[chunk] = int(out.stdout.strip().splitlines()[-1])
    print({k: round(v / 2**20, 1) for k, v in peaks.items()})
    assert peaks[5] <= peaks[None] + 4 * 2**20
    assert peaks[None] - 32 * 2**20 > peaks[3] > peaks[2] + 32 * 2**20
