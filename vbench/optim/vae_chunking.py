"""Chunked VAE decode: the latent video decoded ``vae_chunk_frames`` latent frames at a time.

Video VAEs decode causally (the first latent frame gives one frame, each later one ``r`` frames),
so every chunk after the first is decoded with the latent frame before it prepended as context,
and the one frame that context produces is dropped: the frame count is that of a whole decode and
each chunk sees the frame before it. 4-D latents (SVD: frames folded into the batch) are split
along the batch with ``num_frames`` set per chunk.
"""

from __future__ import annotations

import functools
from typing import Any


def wanted(optimizations: dict) -> bool:
    return optimizations["vae_chunk_frames"] is not None


class ChunkedDecode:
    def __init__(self, vae: Any, size: int):
        self.vae, self.size = vae, size
        self.calls = 0
        self._original = vae.decode
        vae.decode = functools.wraps(self._original)(lambda *a, **k: self.decode(*a, **k))

    def remove(self) -> None:
        del self.vae.decode

    def decode(self, z, *args, return_dict: bool = True, **kwargs):
        import torch

        dim = 0 if z.ndim == 4 else 2
        frames = z.shape[dim]
        if self.size >= frames:
            self.calls += 1
            return self._original(z, *args, return_dict=return_dict, **kwargs)
        pieces = []
        for s in range(0, frames, self.size):
            e = min(s + self.size, frames)
            if dim == 0:
                if "num_frames" in kwargs:
                    kwargs["num_frames"] = e - s
                out = self._original(z[s:e], *args, return_dict=False, **kwargs)[0]
            else:
                ctx = 1 if s > 0 else 0
                out = self._original(z.narrow(2, s - ctx, e - s + ctx), *args, return_dict=False, **kwargs)[0]
                out = out.narrow(2, ctx, out.shape[2] - ctx)
            self.calls += 1
            pieces.append(out)
        sample = torch.cat(pieces, dim=dim)
        if not return_dict:
            return (sample,)
        from diffusers.models.autoencoders.vae import DecoderOutput

        return DecoderOutput(sample=sample)


def apply(built: Any, optimizations: dict, ctx: Any) -> dict[str, Any]:
    size = optimizations["vae_chunk_frames"]
    ctx.vae_chunker = ChunkedDecode(built.vae, size)
    return {"vae_chunk_frames": size, "context_frames": 1, "vae": type(built.vae).__name__}
