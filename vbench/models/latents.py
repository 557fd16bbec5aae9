"""The latent a denoiser sees: its shape and how many tokens one forward attends over.

The memory of the denoising loop grows with the token count of one denoiser forward (linearly for
activations, quadratically where attention materialises its scores), so the planner
(:mod:`vbench.plan`) fits memory against it. It is read from the tensor the denoiser was actually
called with (batch, classifier-free-guidance doubling and the VAE's compression included), not
derived from the workload. Plain Python: no torch.

>>> latent_info("wan", [2, 16, 5, 8, 8], {"patch_size": [1, 2, 2]})["tokens"]
320
>>> latent_info("ltx", [1, 96, 128], {"patch_size": 1, "patch_size_t": 1})["tokens"]  # packed (B, seq, C)
96
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

#: How each family's denoiser takes its latent: channels before frames (``BCFHW``), frames before
#: channels (``BFCHW``: CogVideoX's transformer and SVD's UNet) or already patchified (``packed``,
#: LTX-Video: batch, sequence, channels).
LAYOUTS = {"wan": "BCFHW", "hunyuan": "BCFHW", "hunyuan15": "BCFHW", "mochi": "BCFHW", "cogvideox": "BFCHW", "svd": "BFCHW",
           "ltx": "packed", "ltx2": "packed"}


def _patch(config: Mapping[str, Any]) -> tuple[int, int, int]:
    """(t, h, w) patch of a denoiser config: Wan's (1, 2, 2); an int and ``patch_size_t`` elsewhere."""
    size = config.get("patch_size") or 1
    if isinstance(size, Sequence) and not isinstance(size, str):
        t, h, w = (int(x) for x in size) if len(size) == 3 else (1, *(int(x) for x in size))
        return t, h, w
    return int(config.get("patch_size_t") or 1), int(size), int(size)


def latent_info(family: str, shape: Sequence[int], config: Mapping[str, Any]) -> dict[str, Any]:
    """``{"shape", "layout", "batch", "tokens", "patch"}`` of one denoiser input; ``tokens`` is the
    batch times the sequence length (None where the layout is not known)."""
    layout = LAYOUTS.get(family)
    shape = [int(x) for x in shape]
    out: dict[str, Any] = {"shape": shape, "layout": layout, "batch": shape[0] if shape else None,
                           "tokens": None}
    if layout == "packed" and len(shape) == 3:
        out["tokens"] = shape[0] * shape[1]
    elif layout in ("BCFHW", "BFCHW") and len(shape) == 5:
        b, f, h, w = (shape[0], shape[2], shape[3], shape[4]) if layout == "BCFHW" else (
            shape[0], shape[1], shape[3], shape[4])
        pt, ph, pw = (1, 1, 1) if family == "svd" else _patch(config)
        out["patch"] = [pt, ph, pw]
        out["tokens"] = b * math.ceil(f / pt) * (h // ph) * (w // pw)
    return out
