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
    """Streams PSNR and SSIM over videos: ``update`` per video, ``compute`` at the end.

    Identical frames have infinite PSNR; they are counted in ``identical_frames`` and the PSNR
    value becomes ``inf`` (recorded as unavailable with that reason, never as a made-up number).
    """

    def __init__(self, metrics: tuple[str, ...] = ("psnr", "ssim")):
        self.metrics = metrics
        self.means = {name: VideoMean() for name in metrics}
        self.identical_frames = 0

    def update(self, preds: torch.Tensor, target: torch.Tensor) -> None:
        """Add one video: ``(F, C, H, W)`` frames and their reference frames in ``[0, 1]``."""
        if "psnr" in self.metrics:
            psnr = psnr_per_frame(preds, target)
            self.identical_frames += int(torch.isinf(psnr).sum())
            self.means["psnr"].update(psnr)
        if "ssim" in self.metrics:
            self.means["ssim"].update(ssim_per_frame(preds, target))

    def compute(self) -> dict[str, dict[str, Any]]:
        return {name: mean.compute() for name, mean in self.means.items()}
