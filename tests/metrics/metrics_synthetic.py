"""Synthetic videos with known motion for the temporal tests."""

from __future__ import annotations

import numpy as np


def textured(rng: np.random.Generator, h: int, w: int, sigma: float = 3.0) -> np.ndarray:
    """A smooth random RGB image in [0, 1] (float32): texture that optical flow can follow."""
    import cv2

    img = cv2.GaussianBlur(rng.random((h, w, 3)).astype(np.float32), (0, 0), sigma)
    return (img - img.min()) / (img.max() - img.min())


def translated(rng: np.random.Generator, frames: int, h: int, w: int, step=(1, 2)) -> np.ndarray:
    """A textured image moving by ``step`` pixels per frame (wrapping), float32 ``(T, H, W, 3)``."""
    base = textured(rng, h, w)
    return np.stack([np.roll(base, (t * step[0], t * step[1]), axis=(0, 1)) for t in range(frames)])


def to_u8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8)
