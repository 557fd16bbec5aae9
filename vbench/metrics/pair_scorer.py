"""Scoring one video against its reference with the metrics a scenario names (no FVD: that is per set).

:class:`PairScorer` holds what is loaded once (the device, the LPIPS network or the reason it is
unavailable) and the reference currently in use, whose temporal profile is computed once and
shared by every run that points at it. Frames move to the device a chunk at a time.

The quality it returns is the ``scores`` / ``details`` / ``unavailable`` part of the record's
:class:`~vbench.record.Quality`, every score built by :func:`vbench.record.score`::

    {"scores": {"psnr": {"value": 34.7, "unit": "dB", "higher_is_better": True, "per_frame": [...]},
                "ssim": {...}, "lpips": {...}, "mean_abs_frame_diff_gap": {...}, "tof": {...}, "tlp": {...}},
     "details": {"lpips": {"videos": 1, "net": "alex"}, "temporal": {"tof_window": {...}, ...}},
     "unavailable": {"lpips": "lpips weights are missing ...; run: vbench weights fetch lpips"}}
"""

from __future__ import annotations

import math
from typing import Any

import torch

from vbench.env import pick_device
from vbench.errors import UnsupportedError
from vbench.metrics import temporal
from vbench.metrics.frame_fidelity import FidelityMeter
from vbench.metrics.frames import as_videos, chunks, resize_frames, to_frames
from vbench.metrics.lpips_alex import build_lpips
from vbench.metrics.weights import WeightsMissing
from vbench.record import BY_NAME, SCORERS, score

#: Metric names a scenario may list (the scorers of vbench.record's quality metrics).
METRICS = SCORERS
FIDELITY = ("psnr", "ssim", "lpips")
#: Frames per device transfer.
CHUNK = 16
#: Temporal scores of the run alone (not against its reference).
OWN_TEMPORAL = ("mean_abs_frame_diff", "frame_ssim", "warping_error")
RESIZE_METHOD = "bicubic, antialiased (torch.nn.functional.interpolate), rounded to uint8"


class PairScorer:
    """Scores runs against references; ``metrics`` is the scenario's list (``fvd`` is ignored here)."""

    def __init__(self, metrics: list[str] | tuple[str, ...], device: str | torch.device | None = None):
        unknown = sorted(set(metrics) - set(METRICS))
        if unknown:
            raise ValueError(f"unknown metrics {unknown}; known: {list(METRICS)}")
        self.metrics = tuple(metrics)
        self.device = pick_device(device)
        self.lpips_model, self.lpips_missing = None, None
        if "lpips" in self.metrics or "temporal" in self.metrics:
            try:
                self.lpips_model = build_lpips(self.device)
            except WeightsMissing as exc:
                self.lpips_missing = str(exc)
        self._ref_key: str | None = None
        self._ref_profile: temporal.Profile | None = None

    def temporal_profile(self, video: Any, key: str | None = None) -> temporal.Profile:
        """The temporal profile of ``video``; with ``key`` (its hash) the last one is reused."""
        if key is not None and key == self._ref_key and self._ref_profile is not None:
            return self._ref_profile
        prof = temporal.profile(video, self.device, self.lpips_model)
        if key is not None:
            self._ref_key, self._ref_profile = key, prof
        return prof

    def score(self, video: Any, reference: Any | None, reference_key: str | None = None,
              key: str | None = None, *, own_reference: bool = False) -> dict[str, Any]:
        """The quality dict of ``video`` against ``reference``.

        ``reference`` None: with ``own_reference`` the video *is* the quality reference and is
        scored against itself through the same code (SSIM 1, LPIPS 0, gaps 0; PSNR infinite,
        stored as null with ``details.psnr.infinite``), so it appears in every table as the
        reference, never as missing; without it there is no reference (``reference.enabled:
        false``) and only the video's own temporal scores are computed. ``reference_key`` is the
        reference's hash; ``key``, the video's own: a reference scored just before the runs that
        point at it has its temporal profile computed once.

        A reference of another resolution (a resolution sweep against one gold run): each frame
        of the video is resized to the reference's height and width (bicubic, antialiased, back
        to uint8) before any score, and ``details.resize`` says so. Other shape differences
        (frames, videos, channels) leave the frame-by-frame scores unavailable, with the reason.
        """
        videos, native = as_videos(video), None
        quality: dict[str, Any] = {"scores": {}, "details": {}}
        unavailable: dict[str, str] = {}
        wanted = [m for m in FIDELITY if m in self.metrics]
        if reference is None and own_reference:
            reference, reference_key = videos, key
            quality["reference"] = True
        if reference is None:
            for name in wanted:
                unavailable[name] = "there is no reference run (reference.enabled is false)"
        else:
            refs = as_videos(reference)
            if refs.shape != videos.shape and _same_but_size(refs.shape, videos.shape):
                native = videos
                quality["details"]["resize"] = {"from": list(videos.shape[2:4]), "to": list(refs.shape[2:4]),
                                                "method": RESIZE_METHOD}
                videos = resize_frames(videos, refs.shape[2], refs.shape[3])
            if refs.shape != videos.shape:
                for name in wanted:
                    unavailable[name] = (f"the video is shaped {tuple(videos.shape)}, its reference "
                                         f"{tuple(refs.shape)}; frame-by-frame fidelity needs equal shapes")
            elif wanted:
                self._fidelity(videos, refs, wanted, quality, unavailable)
        if "temporal" in self.metrics:
            self._temporal(videos, reference, reference_key if reference is not None else key, quality,
                           unavailable, native=native)
        if quality.get("reference") and "psnr" in quality["scores"]:
            unavailable.pop("psnr", None)  # infinite by definition, not missing
            quality["details"]["psnr"]["infinite"] = True
        quality["unavailable"] = unavailable
        return quality

    def _fidelity(self, videos: torch.Tensor, refs: torch.Tensor, wanted: list[str], quality: dict[str, Any],
                  unavailable: dict[str, str]) -> None:
        if "lpips" in wanted and self.lpips_model is None:
            unavailable["lpips"] = self.lpips_missing or "LPIPS could not be built"
        active = tuple(m for m in wanted if m != "lpips" or self.lpips_model is not None)
        meter = FidelityMeter(active, self.lpips_model)
        for video, ref in zip(videos, refs, strict=True):
            parts = [meter.frame_scores(to_frames(video[s], self.device), to_frames(ref[s], self.device))
                     for s in chunks(video.shape[0], CHUNK)]
            meter.add_video({m: torch.cat([p[m].cpu() for p in parts]) for m in active})
        results = meter.compute()
        for m in active:
            result = results[m]
            per_frame, details = result["per_frame"], {"videos": result["videos"]}
            value = result["value"]
            if m == "lpips":
                details["net"] = "alex"
            if m == "psnr" and meter.identical_frames:
                value, details["identical_frames"] = None, meter.identical_frames
                per_frame = [v if math.isfinite(v) else None for v in per_frame]
                unavailable["psnr"] = (f"{meter.identical_frames} frame(s) equal the reference exactly: PSNR is "
                                       "infinite; see ssim/lpips")
            quality["scores"][m] = score(m, value, per_frame)
            quality["details"][m] = details

    def _temporal(self, videos: torch.Tensor, reference: Any | None, reference_key: str | None,
                  quality: dict[str, Any], unavailable: dict[str, str], native: torch.Tensor | None = None) -> None:
        """Temporal scores; ``native``: the run's frames before they were resized to the reference,
        from which its own scores (frame difference, frame SSIM, warping error) are taken, so a
        run's own numbers do not depend on the size of the reference it is scored against."""
        if videos.shape[1] < 2:
            unavailable["temporal"] = f"temporal metrics need at least 2 frames, got {videos.shape[1]}"
            return
        ref_shape = None if reference is None else tuple(as_videos(reference).shape)
        try:
            if reference is None or reference is videos:  # a reference: its profile is kept for the runs that follow
                run = self.temporal_profile(videos, reference_key)
                ref = None if reference is None else run
            else:
                run = temporal.profile(videos, self.device, self.lpips_model)
                ref = self.temporal_profile(reference, reference_key) if ref_shape == videos.shape else None
        except UnsupportedError as exc:  # OpenCV missing: the other metrics are still computed
            unavailable["temporal"] = str(exc)
            return
        out = temporal.scores(run, ref)
        if native is not None:
            out.update({k: v for k, v in temporal.scores(temporal.profile(native, self.device, None)).items()
                        if k in OWN_TEMPORAL})
        if reference is not None and ref is None:
            why = (f"the video is shaped {tuple(videos.shape)}, its reference {ref_shape}; the scores "
                   "against the reference need equal shapes")
            unavailable.update({name: why for name in ("mean_abs_frame_diff_gap", "tof", "tlp")})
        if ref is not None and self.lpips_model is None:
            out["tlp"] = None
            unavailable["tlp"] = self.lpips_missing or "LPIPS could not be built"
        for name, value in out.items():
            if name in BY_NAME:
                quality["scores"][name] = score(name, value)
            else:  # the reference's own values, tOF's window: not scores of this run
                quality["details"].setdefault("temporal", {})[name] = value


def _same_but_size(a: tuple, b: tuple) -> bool:
    """Two (N, T, H, W, C) shapes that differ in height and width only."""
    return a[:2] == b[:2] and a[-1] == b[-1]
