"""Videos as float frame batches, and the per-video mean that every frame metric aggregates with.

Stored videos are uint8 ``(T, H, W, C)`` or ``(N, T, H, W, C)``; metrics take float frames
``(F, C, H, W)`` in ``[0, 1]``. :class:`VideoMean` is the streaming accumulator shared by the
frame metrics: mean over a video's frames, then mean over videos (DESIGN.md), plus the mean
per-frame curve for the report.

>>> m = VideoMean()
>>> m.update(torch.tensor([1.0, 3.0])); m.update(torch.tensor([5.0, 7.0]))
>>> m.compute()["value"], m.compute()["per_frame"]
(4.0, [3.0, 5.0])
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import torch


def as_videos(video: Any) -> torch.Tensor:
    """A video (numpy or torch, uint8 or float in [0, 1]) as a ``(N, T, H, W, C)`` tensor, no copy if possible."""
    tensor = torch.from_numpy(np.ascontiguousarray(video)) if isinstance(video, np.ndarray) else video
    if tensor.ndim == 4:
        tensor = tensor[None]
    if tensor.ndim != 5 or tensor.shape[-1] not in (1, 3):
        raise ValueError(f"a video is shaped (T, H, W, C) or (N, T, H, W, C) with C in (1, 3), "
                         f"got {tuple(tensor.shape)}")
    return tensor


def to_frames(video: torch.Tensor, device: torch.device | None = None) -> torch.Tensor:
    """``(..., H, W, C)`` uint8 or float video → ``(F, C, H, W)`` float32 in ``[0, 1]`` on ``device``."""
    video = video.to(device) if device is not None else video
    frames = video.reshape(-1, *video.shape[-3:]).permute(0, 3, 1, 2)
    if frames.dtype == torch.uint8:
        return frames.float().div_(255.0)
    return frames.float()


def resize_frames(videos: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """``(N, T, H, W, C)`` uint8 videos with every frame resized to ``height`` x ``width``
    (bicubic, antialiased when shrinking, rounded back to uint8), so a run of another resolution
    is compared with its reference pixel for pixel at the reference's size."""
    n, t, _, _, c = videos.shape
    frames = to_frames(videos)
    out = torch.nn.functional.interpolate(frames, size=(height, width), mode="bicubic", align_corners=False,
                                          antialias=True)
    out = out.clamp_(0.0, 1.0).mul_(255.0).round_().to(torch.uint8)
    return out.permute(0, 2, 3, 1).reshape(n, t, height, width, c)


def chunks(n: int, size: int) -> Iterator[slice]:
    """Slices ``[0, size), [size, 2 size), …`` covering ``range(n)``."""
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


class VideoMean:
    """Mean over each video's frames, then over videos; keeps the mean per-frame curve too."""

    def __init__(self) -> None:
        self.total = 0.0
        self.videos = 0
        self.curve: torch.Tensor | None = None  #: sum of the per-frame values, while lengths agree
        self.ragged = False  #: videos of different lengths were seen: no common curve

    def update(self, per_frame: torch.Tensor) -> None:
        """Add one video's per-frame values (1-d, one per frame)."""
        per_frame = per_frame.detach().double().cpu().reshape(-1)
        self.total += float(per_frame.mean())
        self.videos += 1
        if self.curve is None and not self.ragged:
            self.curve = per_frame.clone()
        elif self.curve is not None and self.curve.shape == per_frame.shape:
            self.curve += per_frame
        else:
            self.curve, self.ragged = None, True

    def compute(self) -> dict[str, Any]:
        """``{"value": mean, "per_frame": [...], "videos": n}``; ``value`` is NaN before any update."""
        if not self.videos:
            return {"value": float("nan"), "per_frame": [], "videos": 0}
        curve = [] if self.curve is None else (self.curve / self.videos).tolist()
        return {"value": self.total / self.videos, "per_frame": curve, "videos": self.videos}
