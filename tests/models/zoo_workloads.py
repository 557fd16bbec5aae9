"""Small valid workloads for the model-zoo tests (a helper module; pytest collects nothing here)."""

from __future__ import annotations

#: frames per family: 4k+1 (Wan, LTX, Hunyuan, HunyuanVideo-1.5, LTX-2), 8k+1 (CogVideoX: its VAE turns other 4k+1 counts
#: into 8k), 6k+1 (Mochi), any >= 2 (SVD: one frame fails inside the pipeline).
FRAMES = {"wan": 5, "cogvideox": 9, "ltx": 5, "svd": 3, "hunyuan": 5, "hunyuan15": 5, "ltx2": 5, "mochi": 7}


def workload(family: str, **changes) -> dict:
    """A small valid workload for ``family`` (32 px, 2 steps); keyword arguments override fields."""
    base = {"prompt": "a red fox running through snow", "negative_prompt": "", "seed": 0,
            "num_frames": FRAMES[family], "height": 32, "width": 32, "num_inference_steps": 2,
            "guidance_scale": 5.0, "num_videos_per_prompt": 1}
    return {**base, **changes}
