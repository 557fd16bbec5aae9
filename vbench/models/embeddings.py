"""Pseudo conditioning: deterministic stand-ins for text embeddings and SVD's input image.

Without a text encoder (``tiny``, ``arch`` with ``text_encoder: pseudo``, a ``local`` directory
without one) the prompt is turned into seeded random embeddings of the real shape and dtype. The
seed is the sha256 of the text, so the same prompt always gives the same tensors, in any process,
and different prompts give different videos. The number of "tokens" marked valid grows with the prompt's word count,
the way a tokenizer's attention mask would.
"""

from __future__ import annotations

import hashlib
from typing import Any

#: side of the coarse random grid the pseudo image is smoothly upsampled from
IMAGE_GRID = 8


def text_seed(text: str, salt: str = "") -> int:
    """A 63-bit seed from the sha256 of ``salt`` and ``text``."""
    digest = hashlib.sha256(f"{salt}\x00{text}".encode()).digest()
    return int.from_bytes(digest[:8], "little") & ((1 << 63) - 1)


def valid_tokens(text: str, seq_len: int) -> int:
    """How many leading positions count as the prompt's tokens: words + 1 (end token), at most ``seq_len``."""
    return max(1, min(seq_len, len(text.split()) + 1))


def pseudo_text(text: str, *, seq_len: int, dim: int, dtype: Any, device: Any, batch: int = 1,
                mask: str | None = None, pooled_dim: int | None = None, zero_pad: bool = False,
                left: bool = False) -> dict[str, Any]:
    """Seeded pseudo-embeddings of ``text``.

    Args:
        text: the prompt.
        seq_len: sequence length (the tokenizer's padded length).
        dim: embedding width.
        dtype: dtype of the embeddings (masks are ``bool`` or ``long`` as the pipeline's encoder makes them).
        device: where the tensors go.
        batch: rows (the same embedding repeated, e.g. for several videos per prompt).
        mask: ``"bool"`` or ``"long"`` to also return an attention mask (1 for the prompt's tokens).
        pooled_dim: width of a pooled vector to return too (HunyuanVideo's CLIP embedding).
        zero_pad: zero the positions after the prompt's tokens (Wan's handling of umT5 output).
        left: the prompt's tokens are the last positions, the padding first (Gemma's left padding).

    Returns:
        ``{"embeds": (batch, seq_len, dim)}`` plus ``"mask"`` (batch, seq_len) and ``"pooled"``
        (batch, pooled_dim) when asked for.

    >>> out = pseudo_text("a fox", seq_len=4, dim=2, dtype=None, device="cpu", mask="bool")
    >>> out["mask"].tolist()
    [[True, True, True, False]]
    """
    import torch

    generator = torch.Generator(device="cpu").manual_seed(text_seed(text, "text"))
    embeds = torch.randn(seq_len, dim, generator=generator, dtype=torch.float32)
    n = valid_tokens(text, seq_len)
    if zero_pad:
        embeds[n:] = 0.0
    out: dict[str, Any] = {"embeds": _rows(embeds, batch, dtype, device)}
    if mask is not None:
        m = torch.zeros(seq_len, dtype=torch.long)
        if left:
            m[seq_len - n:] = 1
        else:
            m[:n] = 1
        out["mask"] = _rows(m.bool() if mask == "bool" else m, batch, None, device)
    if pooled_dim:
        pooled = torch.randn(pooled_dim, generator=generator, dtype=torch.float32)
        out["pooled"] = _rows(pooled, batch, dtype, device)
    return out


def pseudo_image(text: str, size: int) -> Any:
    """A smooth deterministic RGB image in [0, 1], shape (1, 3, size, size), seeded from ``text``.

    SVD is conditioned on an image; this stands in for one so that prompts still select
    reproducible, distinct videos.
    """
    import torch

    generator = torch.Generator(device="cpu").manual_seed(text_seed(text, "image"))
    grid = torch.rand(1, 3, IMAGE_GRID, IMAGE_GRID, generator=generator)
    image = torch.nn.functional.interpolate(grid, size=(size, size), mode="bilinear", align_corners=False)
    return image.clamp_(0.0, 1.0)


def generated_image(text: str, seed: int, height: int, width: int) -> Any:
    """``workload.image: generated``: a smooth deterministic RGB ``PIL.Image`` of ``width`` x ``height``,
    seeded from the prompt and the seed (the same run always sees the same picture).

    >>> generated_image("a fox", 0, 16, 24).size
    (24, 16)
    """
    import torch
    from PIL import Image

    generator = torch.Generator(device="cpu").manual_seed(text_seed(f"{text}\x00{int(seed)}", "generated-image"))
    grid = torch.rand(1, 3, IMAGE_GRID, IMAGE_GRID, generator=generator)
    image = torch.nn.functional.interpolate(grid, size=(height, width), mode="bicubic", align_corners=False)
    pixels = (image.clamp(0.0, 1.0)[0].permute(1, 2, 0) * 255.0).round().to(torch.uint8).numpy()
    return Image.fromarray(pixels, mode="RGB")


def _rows(tensor: Any, batch: int, dtype: Any, device: Any) -> Any:
    out = tensor.unsqueeze(0).expand(batch, *tensor.shape).contiguous()
    if dtype is not None:
        out = out.to(dtype)
    return out.to(device)
