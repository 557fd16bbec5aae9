"""Frame-by-frame fidelity of a video against its reference: PSNR and SSIM through torchmetrics.

Frames are floats in ``[0, 1]`` (``data_range=1``), shaped ``(F, C, H, W)``.

* PSNR of a frame: ``10 · log10(1 / MSE)`` with MSE over all its pixels and channels (dB).
* SSIM of a frame: Gaussian window 11, σ 1.5, ``K1=0.01``, ``K2=0.03``: torchmetrics' SSIM map,
  averaged over the channels and the pixels at least 5 px from the border, where the window lies
  inside the frame (scikit-image's ``gaussian_weights=True`` settings; frames of 10 px or less
  are averaged whole).

A video's score is the mean over its frames; a set's, the mean over videos (:class:`FidelityMeter`).

>>> a = torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(0))
>>> b = (a + 0.01).clamp(0, 1)
>>> round(float(psnr_per_frame(a, b).mean()), 1) > 39
True
"""

from __future__ import annotations

from typing import Any

import torch

from vbench.metrics.frames import VideoMean, chunks

#: Frames per call to torchmetrics' SSIM (bounds memory on large frames).
SSIM_BATCH = 32
#: Border left out of the SSIM mean: the window radius, where the window would reach past the frame
#: (scikit-image does the same; torchmetrics 1.9 averages its reflect-padded border in too).
SSIM_CROP = 5


def psnr_per_frame(preds: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """PSNR (dB) of each frame; ``inf`` where a frame equals its reference."""
    from torchmetrics.functional.image import peak_signal_noise_ratio

    _check(preds, target)
    return peak_signal_noise_ratio(preds, target, data_range=1.0, reduction="none", dim=(1, 2, 3))


def ssim_per_frame(preds: torch.Tensor, target: torch.Tensor, batch: int = SSIM_BATCH) -> torch.Tensor:
    """SSIM (Gaussian 11, σ 1.5) of each frame, in batches of ``batch`` frames."""
    from torchmetrics.functional.image import structural_similarity_index_measure

    _check(preds, target)
    crop = SSIM_CROP if min(preds.shape[-2:]) > 2 * SSIM_CROP else 0
    out = []
    for s in chunks(preds.shape[0], batch):
        _, full = structural_similarity_index_measure(preds[s], target[s], gaussian_kernel=True, sigma=1.5,
                                                      kernel_size=11, data_range=1.0, reduction="none",
                                                      return_full_image=True)
        if crop:
            full = full[..., crop:-crop, crop:-crop]
        out.append(full.mean(dim=(1, 2, 3)))
    return torch.cat(out).reshape(-1)


def _check(preds: torch.Tensor, target: torch.Tensor) -> None:
    if preds.shape != target.shape or preds.ndim != 4:
        raise ValueError(f"frames must be (F, C, H, W) of equal shapes, got {tuple(preds.shape)} "
                         f"and {tuple(target.shape)}")


class FidelityMeter:
    """Streams PSNR, SSIM and (with an LPIPS network) LPIPS over videos.

    ``update`` adds one video's frames; :class:`~vbench.metrics.pair_scorer.PairScorer` instead scores a
    video chunk by chunk (:meth:`frame_scores`) and adds the joined values (:meth:`add_video`).
    Identical frames have infinite PSNR; they are counted in ``identical_frames`` and the PSNR value
    becomes ``inf`` (the scorer records it as unavailable with that reason, never a made-up number).
    """

    def __init__(self, metrics: tuple[str, ...] = ("psnr", "ssim"), lpips_model: Any = None):
        if "lpips" in metrics and lpips_model is None:
            raise ValueError("LPIPS needs its network (vbench.metrics.lpips_alex.build_lpips)")
        self.metrics, self.lpips_model = tuple(metrics), lpips_model
        self.means = {name: VideoMean() for name in self.metrics}
        self.identical_frames = 0

    def frame_scores(self, preds: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
        """Per-frame values of ``(F, C, H, W)`` frames against their reference frames in ``[0, 1]``."""
        out: dict[str, torch.Tensor] = {}
        if "psnr" in self.metrics:
            out["psnr"] = psnr_per_frame(preds, target)
        if "ssim" in self.metrics:
            out["ssim"] = ssim_per_frame(preds, target)
        if "lpips" in self.metrics:
            from vbench.metrics.lpips_alex import lpips_per_frame

            out["lpips"] = lpips_per_frame(preds, target, self.lpips_model)
        return out

    def add_video(self, per_frame: dict[str, torch.Tensor]) -> None:
        """Add one video's per-frame values, as :meth:`frame_scores` gives them."""
        if "psnr" in per_frame:
            self.identical_frames += int(torch.isinf(per_frame["psnr"]).sum())
        for name, values in per_frame.items():
            self.means[name].update(values)

    def update(self, preds: torch.Tensor, target: torch.Tensor) -> None:
        """Add one video: its ``(F, C, H, W)`` frames and their reference frames in ``[0, 1]``."""
        self.add_video(self.frame_scores(preds, target))

    def compute(self) -> dict[str, dict[str, Any]]:
        return {name: mean.compute() for name, mean in self.means.items()}
