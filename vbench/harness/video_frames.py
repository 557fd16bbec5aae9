"""Turning a pipeline's frames into the stored uint8 video and its hash."""

from __future__ import annotations

from typing import Any

import numpy as np


def to_uint8(frames: Any) -> np.ndarray:
    """Frames as ``uint8`` (videos, T, H, W, C) from diffusers' ``output_type="np"`` floats in [0, 1]."""
    if hasattr(frames, "detach"):
        frames = frames.detach().float().cpu().numpy()
    if isinstance(frames, list):
        frames = np.stack([np.asarray(f) for f in frames])
    arr = np.asarray(frames)
    if arr.dtype != np.uint8:
        arr = np.clip(np.rint(arr.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)
    if arr.ndim == 4:
        arr = arr[None]
    if arr.ndim != 5:
        raise ValueError(f"expected frames shaped (videos, T, H, W, C), got {arr.shape}")
    return np.ascontiguousarray(arr)
