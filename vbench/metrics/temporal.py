"""Temporal consistency of a video, alone and against its reference. Frames ``v_t`` in ``[0, 1]``, ``t = 1..T``.

Weight-free:

* **MAFD** (mean absolute frame difference): ``MAFD(v) = 1/(T−1) Σ_t mean_p |v_{t+1}(p) − v_t(p)|``;
  the gap to the reference is ``MAFD(v) − MAFD(r)`` (positive: more change between frames than
  the reference, e.g. flicker).
* **Frame-to-frame SSIM**: ``1/(T−1) Σ_t SSIM(v_t, v_{t+1})`` (Gaussian 11, σ 1.5).
* **Warping error**: ``1/(T−1) Σ_t Σ_p M_t(p) ‖v_t(p) − v̂_{t+1}(p)‖² / (C Σ_p M_t(p))`` where
  ``v̂_{t+1}(p) = v_{t+1}(p + F_t(p))`` is frame t+1 warped back with the Farnebäck flow ``F_t``
  from frame t to t+1 of the same video, and ``M_t`` the forward–backward non-occlusion mask
  (:mod:`vbench.metrics.flow`). About 0 for content that only moves.
* **tOF** (TecoGAN): ``1/(T−1) Σ_t mean_p ‖F_t^v(p) − F_t^r(p)‖₂`` in pixels: how far the
  motion of the run departs from the motion of its reference. As TecoGAN's metric, the flows are
  cropped to a centred window whose sides are multiples of 32 px with at least 8 px left at every
  border (:func:`tof_window`); frames too small for that (under 48 px) are used whole, and
  ``tof_window`` in the record says which region was used.

With LPIPS weights:

* **tLP** (TecoGAN): ``1/(T−1) Σ_t |LPIPS(v_t, v_{t+1}) − LPIPS(r_t, r_{t+1})|``.

A video set ``(N, T, …)`` averages each score over its N videos. :func:`profile` computes what a
video contributes once (a reference is shared by many runs); :func:`scores` compares two profiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from vbench.metrics.flow import flow, gray, non_occluded, warp
from vbench.metrics.frame_fidelity import ssim_per_frame
from vbench.metrics.frames import as_videos, to_frames


def _pair_diffs(frames: torch.Tensor) -> torch.Tensor:
    """``mean_p |v_{t+1}(p) − v_t(p)|`` for each consecutive pair of ``(T, C, H, W)`` frames."""
    return (frames[1:] - frames[:-1]).abs().mean(dim=(1, 2, 3)).double().cpu()


def _pair_ssims(frames: torch.Tensor) -> torch.Tensor:
    """SSIM of each consecutive pair of ``(T, C, H, W)`` frames."""
    return ssim_per_frame(frames[1:], frames[:-1]).double().cpu()


def mean_abs_frame_diff(frames: torch.Tensor) -> float:
    """MAFD of one video's ``(T, C, H, W)`` frames in ``[0, 1]``, all at once (:func:`profile`
    computes it a chunk at a time)."""
    _need_two(frames)
    return float(_pair_diffs(frames).mean())


def frame_ssim(frames: torch.Tensor) -> float:
    """Mean SSIM of consecutive frames of one video, all at once."""
    _need_two(frames)
    return float(_pair_ssims(frames).mean())


def forward_flows(video: np.ndarray) -> list[np.ndarray]:
    """Farnebäck flows ``F_t`` from frame t to t+1 of a ``(T, H, W, C)`` uint8 video."""
    g = gray(video)
    return [flow(g[t], g[t + 1]) for t in range(len(g) - 1)]


def warping_error(video: np.ndarray, flows_fw: list[np.ndarray] | None = None) -> float:
    """Warping error of one ``(T, H, W, C)`` uint8 video (see the module docstring)."""
    _need_two(video)
    g = gray(video)
    flows_fw = flows_fw if flows_fw is not None else forward_flows(video)
    frames = np.asarray(video, np.float32) / 255.0
    errors = []
    for t, f_fw in enumerate(flows_fw):
        mask = non_occluded(f_fw, flow(g[t + 1], g[t]))
        if not mask.any():
            continue
        back = warp(frames[t + 1], f_fw).reshape(frames[t].shape)
        sq = ((frames[t] - back) ** 2).mean(-1)
        errors.append(float(sq[mask].mean()))
    return float(np.mean(errors)) if errors else float("nan")


def tof_window(height: int, width: int) -> tuple[slice, slice]:
    """TecoGAN's tOF crop: each side the largest multiple of 32 leaving at least 8 px at both ends,
    centred; a side too short for one (under 48 px) is kept whole."""

    def side(n: int) -> slice:
        keep = (n // 32) * 32
        while keep > n - 16:
            keep -= 32
        if keep <= 0:
            return slice(0, n)
        start = (n - keep) // 2
        return slice(start, start + keep)

    return side(height), side(width)


def tof(flows_run: list[np.ndarray], flows_ref: list[np.ndarray]) -> float:
    """tOF between the forward flows ``(H, W, 2)`` of a run and of its reference (see the module
    docstring): mean Euclidean length of the flow difference inside :func:`tof_window`."""
    if len(flows_run) != len(flows_ref) or not flows_run:
        raise ValueError(f"tOF needs equal, non-zero numbers of flows, got {len(flows_run)} and {len(flows_ref)}")
    rows, cols = tof_window(*flows_run[0].shape[:2])
    return float(np.mean([np.linalg.norm((a - b)[rows, cols], axis=-1).mean()
                          for a, b in zip(flows_run, flows_ref, strict=True)]))


def consecutive_lpips(frames: torch.Tensor, model) -> np.ndarray:
    """``LPIPS(v_t, v_{t+1})`` for each t, of one video's ``(T, 3, H, W)`` frames in ``[0, 1]``."""
    from vbench.metrics.lpips_alex import lpips_per_frame

    return lpips_per_frame(frames[:-1], frames[1:], model).double().cpu().numpy()


@dataclass
class Profile:
    """What one video set contributes to the temporal scores, per video."""

    mafd: list[float] = field(default_factory=list)
    frame_ssim: list[float] = field(default_factory=list)
    warping_error: list[float] = field(default_factory=list)
    flows: list[list[np.ndarray]] = field(default_factory=list)
    lp: list[np.ndarray] | None = None  #: consecutive LPIPS per video; None without LPIPS weights


def profile(video: Any, device: torch.device | str = "cpu", lpips_model=None, chunk: int = 16) -> Profile:
    """The :class:`Profile` of a uint8 video ``(T, H, W, C)`` or ``(N, T, H, W, C)``.

    Frames go to ``device`` ``chunk + 1`` at a time, so memory stays bounded for long videos.
    """
    videos = as_videos(video)
    if videos.dtype != torch.uint8:
        raise TypeError(f"temporal metrics take uint8 videos, got {videos.dtype}")
    out = Profile(lp=[] if lpips_model is not None else None)
    for one in videos:
        _need_two(one)
        diffs, ssims, lps = [], [], []
        for start in range(0, len(one) - 1, chunk):
            frames = to_frames(one[start:start + chunk + 1], device)  # chunk pairs, one frame shared
            diffs.append(_pair_diffs(frames))
            ssims.append(_pair_ssims(frames))
            if lpips_model is not None:
                lps.append(consecutive_lpips(frames, lpips_model))
        array = one.cpu().numpy()
        flows = forward_flows(array)
        out.mafd.append(float(torch.cat(diffs).mean()))
        out.frame_ssim.append(float(torch.cat(ssims).mean()))
        out.flows.append(flows)
        out.warping_error.append(warping_error(array, flows))
        if out.lp is not None:
            out.lp.append(np.concatenate(lps))
    return out


def scores(run: Profile, reference: Profile | None = None) -> dict[str, Any]:
    """The temporal record of a run: its own scores, and with a reference the gaps, tOF and tLP."""
    out: dict[str, Any] = {
        "mean_abs_frame_diff": _mean(run.mafd),
        "frame_ssim": _mean(run.frame_ssim),
        "warping_error": _mean(run.warping_error),
    }
    if reference is not None:
        if len(reference.mafd) != len(run.mafd):
            raise ValueError(f"run has {len(run.mafd)} videos, its reference {len(reference.mafd)}")
        out["mean_abs_frame_diff_ref"] = _mean(reference.mafd)
        out["mean_abs_frame_diff_gap"] = out["mean_abs_frame_diff"] - out["mean_abs_frame_diff_ref"]
        out["frame_ssim_ref"] = _mean(reference.frame_ssim)
        out["warping_error_ref"] = _mean(reference.warping_error)
        out["tof"] = _mean([tof(a, b) for a, b in zip(run.flows, reference.flows, strict=True)])
        if run.flows and run.flows[0]:
            rows, cols = tof_window(*run.flows[0][0].shape[:2])
            out["tof_window"] = {"y": rows.start, "x": cols.start, "height": rows.stop - rows.start,
                                 "width": cols.stop - cols.start}
        if run.lp is not None and reference.lp is not None:
            out["tlp"] = _mean([float(np.abs(a - b).mean()) for a, b in zip(run.lp, reference.lp, strict=True)])
    return out


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def _need_two(frames: Any) -> None:
    if len(frames) < 2:
        raise ValueError(f"temporal metrics need at least 2 frames, got {len(frames)}")
