"""Frame chunking of the denoiser: a sliding temporal window over the latent video.

Each denoiser call is split into windows of ``chunk_frames`` latent frames that share
``chunk_overlap`` frames with their neighbours; the denoiser runs once per window and the
predictions are blended with linear ramps across each overlap (weights sum to one on every frame).
Positional information stays that of the full video: the family's rotary-embedding module is
computed for the whole video and the window's frames are sliced out of it, so frame 7 of the video
gets the position of frame 7 whatever window it is in. With ``chunk_frames`` at least the number
of latent frames the original forward runs untouched (bit-identical output).

Families: Wan, HunyuanVideo and Mochi (frames on dim 2, rotary positions computed from the input's
shape by a ``rope`` submodule). CogVideoX, LTX and SVD bake positions into their patch embedding,
token packing or temporal layers in ways this transform does not re-index yet: ``unsupported``.
"""

from __future__ import annotations

from typing import Any

from vbench.errors import UnsupportedError
from vbench.optim.wrapping import note_effect, wrap_method

#: family -> how the rope module learns the full frame count: "shape" (first arg is the hidden
#: states, frames on dim 2) or "num_frames" (second arg is the frame count).
ROPE_INPUT = {"wan": "shape", "hunyuan": "shape", "mochi": "num_frames"}
FRAME_DIM = 2


def wanted(optimizations: dict) -> bool:
    return optimizations["chunk_frames"] is not None


def windows(frames: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """(start, end) of each window covering ``frames``, spread evenly, neighbours sharing >= ``overlap``.

    >>> windows(9, 4, 1)
    [(0, 4), (2, 6), (5, 9)]
    """
    if size >= frames:
        return [(0, frames)]
    stride = size - overlap
    count = -(-(frames - size) // stride) + 1
    starts = [round(i * (frames - size) / (count - 1)) for i in range(count)]
    return [(s, s + size) for s in starts]


def ramp_weights(frames: int, spans: list[tuple[int, int]]) -> list[list[float]]:
    """Per window, a weight per frame: linear ramps across each overlap with a neighbour, normalized
    so that every frame's weights sum to one."""
    raw = []
    for i, (s, e) in enumerate(spans):
        left = spans[i - 1][1] - s if i > 0 else 0
        right = e - spans[i + 1][0] if i + 1 < len(spans) else 0
        w = []
        for k in range(e - s):
            up = (k + 1) / (left + 1) if k < left else 1.0
            down = (e - s - k) / (right + 1) if k >= e - s - right else 1.0
            w.append(min(up, down))
        raw.append(w)
    total = [0.0] * frames
    for (s, _e), w in zip(spans, raw, strict=True):
        for k, v in enumerate(w):
            total[s + k] += v
    return [[v / total[s + k] for k, v in enumerate(w)] for (s, _e), w in zip(spans, raw, strict=True)]


class FrameChunker:
    """Wraps ``denoiser.forward``; counts windows run (``calls``), denoiser calls (``forwards``) and
    those too short to split (``passthrough``), and keeps ``record`` (the run's
    ``applied.chunking``) up to date with them: what chunking did, not only what was asked."""

    def __init__(self, denoiser: Any, family: str, size: int, overlap: int, record: dict | None = None):
        self.denoiser, self.family, self.size, self.overlap = denoiser, family, size, overlap
        self.record = record if record is not None else {}
        self.calls = self.forwards = self.passthrough = 0
        self._note()
        self._window: tuple[int, int, int] | None = None  # (start, end, full frames)
        self._rope_cache: dict[Any, Any] = {}
        self._weights_cache: dict[tuple, list[Any]] = {}
        self._rope = denoiser.rope
        self._original = wrap_method(denoiser, "forward", self.forward)
        self._rope_forward = wrap_method(self._rope, "forward", self.rope_forward)

    def remove(self) -> None:
        del self.denoiser.forward
        del self._rope.forward

    def rope_forward(self, *args, **kwargs):
        if self._window is None:
            return self._rope_forward(*args, **kwargs)
        start, end, full = self._window
        chunk_out = self._rope_tables(args, kwargs)
        args = list(args)
        if ROPE_INPUT[self.family] == "shape":
            x = args[0]
            shape = list(x.shape)
            shape[FRAME_DIM] = full
            args[0] = x.new_empty(shape)
        else:
            args[1] = full
        full_out = self._rope_tables(args, kwargs)
        return tuple(_slice_frames(f, c, start, end, full) for f, c in zip(full_out, chunk_out, strict=True))

    def _weights(self, frames: int, spans: list[tuple[int, int]], like: Any) -> list[Any]:
        """The ramp weights of each window as tensors of ``like``'s dtype, shaped to broadcast over
        the frame dim; made once per window layout, not at every step."""
        import torch

        key = (frames, tuple(spans), like.dtype, like.device, like.ndim)
        if key not in self._weights_cache:
            out = []
            for (s, e), w in zip(spans, ramp_weights(frames, spans), strict=True):
                shape = [1] * like.ndim
                shape[FRAME_DIM] = e - s
                out.append(torch.tensor(w, dtype=like.dtype, device=like.device).view(shape))
            self._weights_cache[key] = out
        return self._weights_cache[key]

    def _rope_tables(self, args: Any, kwargs: dict) -> Any:
        """The rope module's output, computed once per input signature: the tables depend on the
        inputs' shapes, dtypes and devices only, and every window of every step asks again."""
        import torch

        def sig(v: Any) -> Any:
            return ("tensor", tuple(v.shape), v.dtype, v.device) if isinstance(v, torch.Tensor) else repr(v)

        key = (tuple(sig(a) for a in args), tuple(sorted((k, sig(v)) for k, v in kwargs.items())))
        if key not in self._rope_cache:
            self._rope_cache[key] = self._rope_forward(*args, **kwargs)
        return self._rope_cache[key]

    def forward(self, hidden_states, *args, **kwargs):
        import torch

        self.forwards += 1
        frames = hidden_states.shape[FRAME_DIM]
        if self.size >= frames:
            self.passthrough += 1
            self._note(frames)
            return self._original(hidden_states, *args, **kwargs)
        timestep = kwargs.get("timestep", args[1] if len(args) > 1 else None)
        if isinstance(timestep, torch.Tensor) and timestep.ndim > 1:
            raise UnsupportedError("frame chunking: per-token timesteps (Wan 2.2 TI2V) are not chunked")
        return_dict = kwargs.pop("return_dict", True)
        spans = windows(frames, self.size, self.overlap)
        total = None
        for i, (s, e) in enumerate(spans):
            self._window = (s, e, frames)
            try:
                out = self._original(hidden_states.narrow(FRAME_DIM, s, e - s), *args, return_dict=False, **kwargs)[0]
            finally:
                self._window = None
            self.calls += 1
            self._note(frames)
            weight = self._weights(frames, spans, out)[i]
            if total is None:
                total_shape = list(out.shape)
                total_shape[FRAME_DIM] = frames
                total = out.new_zeros(total_shape)
            total.narrow(FRAME_DIM, s, e - s).add_(out * weight)
        if not return_dict:
            return (total,)
        from diffusers.models.modeling_outputs import Transformer2DModelOutput

        return Transformer2DModelOutput(sample=total)

    def _note(self, frames: int | None = None) -> None:
        """Write the counts into ``record``: ``effect`` is ``chunked`` once a window has run, ``no
        effect`` (with the reason) while every denoiser call was whole."""
        self.record.update(forwards=self.forwards, forwards_chunked=self.forwards - self.passthrough,
                           windows_run=self.calls)
        note_effect(self.record, split=self.calls > 0, called=self.forwards > 0,
                    whole=f"chunk_frames {self.size} >= the {frames} latent frames of the denoiser's input: "
                          "every call ran whole",
                    idle="the denoiser has not been called")


def _slice_frames(full: Any, chunk: Any, start: int, end: int, frames: int) -> Any:
    """The rows of ``full`` (rotary table of the whole video, frame-major tokens) for frames [start, end)."""
    dim = next(d for d in range(full.ndim) if full.shape[d] != chunk.shape[d])
    per_frame = full.shape[dim] // frames
    return full.narrow(dim, start * per_frame, (end - start) * per_frame)


def apply(built: Any, optimizations: dict, ctx: Any) -> dict[str, Any]:
    size, overlap = optimizations["chunk_frames"], optimizations["chunk_overlap"]
    if built.family not in ROPE_INPUT:
        raise UnsupportedError(f"frame chunking is implemented for {', '.join(ROPE_INPUT)}; {built.family} keeps "
                               f"positions in its patch embedding or token packing, which it does not re-index yet")
    record = {"chunk_frames": size, "chunk_overlap": overlap, "frame_dim": FRAME_DIM,
              "positions": "rotary table of the full video, sliced per window", "blend": "linear ramps",
              "counts": "over every denoiser call of the run: warmup, timed calls and the FLOP probe"}
    FrameChunker(built.denoiser, built.family, size, overlap, record)  # lives on in the wrapped forward
    return record
