"""Classical optical flow (OpenCV Farnebäck), backward warping, and the forward–backward occlusion check.

Flow ``F`` from frame ``a`` to frame ``b`` maps a pixel ``p`` of ``a`` to ``p + F(p)`` in ``b``, so
``b(p + F(p)) ≈ a(p)``. A pixel is kept (not occluded) when the backward flow at its target
cancels its forward flow (Sundaram et al. 2010, as in Lai et al. 2018):

``‖F_fw(p) + F_bw(p + F_fw(p))‖² ≤ 0.01 (‖F_fw(p)‖² + ‖F_bw(p + F_fw(p))‖²) + 0.5``

and its target lies inside the frame.
"""

from __future__ import annotations

import numpy as np

from vbench._optional import require

#: ``cv2.calcOpticalFlowFarneback`` settings: pyr_scale, levels, winsize, iterations, poly_n, poly_sigma, flags.
FARNEBACK = (0.5, 3, 15, 3, 5, 1.2, 0)
#: Forward–backward check constants (α, β).
OCCLUSION_ALPHA, OCCLUSION_BETA = 0.01, 0.5


def gray(frames: np.ndarray) -> np.ndarray:
    """``(T, H, W, C)`` uint8 → ``(T, H, W)`` uint8 luminance (ITU-R 601, OpenCV's weights)."""
    frames = np.asarray(frames)
    if frames.dtype != np.uint8:
        raise TypeError(f"flow works on uint8 frames, got {frames.dtype}")
    if frames.shape[-1] == 1:
        return np.ascontiguousarray(frames[..., 0])
    weights = np.array([0.299, 0.587, 0.114], np.float32)
    return np.clip(np.rint(frames.astype(np.float32) @ weights), 0, 255).astype(np.uint8)


def flow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Farnebäck flow ``(H, W, 2)`` (x, y) from grayscale uint8 frame ``a`` to frame ``b``."""
    cv2 = require("cv2")
    return cv2.calcOpticalFlowFarneback(a, b, None, *FARNEBACK)


def warp(image: np.ndarray, flow_ab: np.ndarray) -> np.ndarray:
    """``image`` (frame ``b``, ``(H, W[, C])`` float32) sampled at ``p + F(p)``: ``b`` brought back onto ``a``."""
    cv2 = require("cv2")
    h, w = flow_ab.shape[:2]
    grid_x, grid_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(np.ascontiguousarray(image, np.float32), grid_x + flow_ab[..., 0], grid_y + flow_ab[..., 1],
                     interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def non_occluded(flow_fw: np.ndarray, flow_bw: np.ndarray) -> np.ndarray:
    """Boolean ``(H, W)`` mask of pixels that pass the forward–backward check and stay inside the frame."""
    h, w = flow_fw.shape[:2]
    bw_at_target = warp(flow_bw, flow_fw)
    total = flow_fw + bw_at_target
    lhs = (total ** 2).sum(-1)
    rhs = OCCLUSION_ALPHA * ((flow_fw ** 2).sum(-1) + (bw_at_target ** 2).sum(-1)) + OCCLUSION_BETA
    grid_x, grid_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    tx, ty = grid_x + flow_fw[..., 0], grid_y + flow_fw[..., 1]
    inside = (tx >= 0) & (tx <= w - 1) & (ty >= 0) & (ty <= h - 1)
    return (lhs <= rhs) & inside
