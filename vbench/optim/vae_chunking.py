"""Chunked VAE decode: the latent video decoded ``vae_chunk_frames`` latent frames at a time.

Video VAEs decode causally (the first latent frame gives one frame, each later one ``r`` frames),
so every chunk after the first is decoded with the latent frame before it prepended as context,
and the one frame that context produces is dropped: the frame count is that of a whole decode and
each chunk sees the frame before it. 4-D latents (SVD: frames folded into the batch) are split
along the batch with ``num_frames`` set per chunk.
"""

from __future__ import annotations

from typing import Any

from vbench.optim.wrapping import note_effect, wrap_method


def wanted(optimizations: dict) -> bool:
    return optimizations["vae_chunk_frames"] is not None


class ChunkedDecode:
    """Wraps ``vae.decode``; counts the VAE calls made (``calls``: one per chunk) and keeps
    ``record`` (the run's ``applied.vae_chunking``) up to date with what was done."""

    def __init__(self, vae: Any, size: int, record: dict | None = None):
        self.vae, self.size = vae, size
        self.record = record if record is not None else {}
        self.calls = self.decodes = self.decodes_chunked = 0
        self._note()
        self._original = wrap_method(vae, "decode", self.decode)

    def remove(self) -> None:
        del self.vae.decode

    def decode(self, z, *args, return_dict: bool = True, **kwargs):
        import torch

        dim = 0 if z.ndim == 4 else 2
        frames = z.shape[dim]
        self.decodes += 1
        if self.size >= frames:
            self.calls += 1
            self._note(frames)
            return self._original(z, *args, return_dict=return_dict, **kwargs)
        self.decodes_chunked += 1
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
        self._note(frames)
        if not return_dict:
            return (sample,)
        from diffusers.models.autoencoders.vae import DecoderOutput

        return DecoderOutput(sample=sample)

    def _note(self, frames: int | None = None) -> None:
        self.record.update(decodes=self.decodes, decodes_chunked=self.decodes_chunked, vae_calls=self.calls)
        note_effect(self.record, split=self.decodes_chunked > 0, called=self.decodes > 0,
                    whole=f"vae_chunk_frames {self.size} >= the {frames} latent frames decoded: every decode ran whole",
                    idle="the VAE has not decoded anything")


def apply(built: Any, optimizations: dict, ctx: Any) -> dict[str, Any]:
    size = optimizations["vae_chunk_frames"]
    record = {"vae_chunk_frames": size, "context_frames": 1, "vae": type(built.vae).__name__,
              "counts": "over every decode of the run: warmup and timed calls"}
    ChunkedDecode(built.vae, size, record)  # lives on in the wrapped decode
    return record
