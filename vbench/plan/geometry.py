"""How a configuration's sizes turn into the denoiser's token count, learnt from its own runs.

A video DiT's sequence is ``batch x latent_frames x (height / s) x (width / s)`` with
``latent_frames = (num_frames - 1) // r + 1`` (the VAE's temporal compression ``r``: 4 for Wan,
HunyuanVideo and CogVideoX, 6 for Mochi, 8 for LTX-Video, 1 for SVD) and ``s`` the spatial
compression times the patch. The planner needs it for sizes nobody ran. It takes ``r`` that
reproduces every recorded token count (the family's published ratio when the runs cannot tell) and
the constant ``tokens / (batch x latent_frames x height x width)`` they share.

>>> g = Geometry(temporal=4, per_pixel=1 / 256, spatial_step=16)
>>> g.tokens(frames=81, height=480, width=832, batch=1)  # Wan2.1 at 480x832: 21 x 30 x 52
32760
>>> g.valid_frames(20), g.frame_step
(17, 4)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vbench.plan.points import Point

#: The VAEs' temporal compression, from each family's published VAE config.
TEMPORAL = {"wan": 4, "hunyuan": 4, "hunyuan15": 4, "cogvideox": 4, "mochi": 6, "ltx": 8, "ltx2": 8, "svd": 1}
#: Height and width multiples each family's pipeline accepts without rounding (VAE x patch).
SPATIAL = {"wan": 16, "hunyuan": 16, "hunyuan15": 16, "cogvideox": 16, "mochi": 16, "ltx": 32, "ltx2": 32, "svd": 64}


@dataclass(frozen=True)
class Geometry:
    temporal: int  #: frames per latent frame (after the first)
    per_pixel: float | None  #: tokens per (batch x latent frame x pixel); None: no token count recorded
    spatial_step: int  #: height and width are multiples of this
    note: str = ""

    @property
    def frame_step(self) -> int:
        return self.temporal

    def latent_frames(self, frames: int) -> int:
        return (frames - 1) // self.temporal + 1

    def tokens(self, *, frames: int, height: int, width: int, batch: int) -> int | None:
        if self.per_pixel is None:
            return None
        return round(self.per_pixel * batch * self.latent_frames(frames) * height * width)

    def valid_frames(self, frames: int) -> int:
        """The largest frame count at most ``frames`` the VAE takes whole (``r k + 1``)."""
        return max(1, (frames - 1) // self.temporal * self.temporal + 1)


def infer(family: str, points: Sequence[Point]) -> Geometry:
    """The geometry that reproduces the points' recorded token counts (within 1 %)."""
    step = SPATIAL.get(family, 16)
    published = TEMPORAL.get(family, 1)
    counted = [p for p in points if p.tokens]
    if not counted:
        return Geometry(published, None, step, "no token count recorded: memory is fitted on pixels x frames")
    frames_vary = len({p.frames for p in counted}) > 1
    best: tuple[float, int, float] | None = None
    for r in dict.fromkeys((published, 1, 2, 3, 4, 5, 6, 7, 8)):
        ratios = [p.tokens / (p.batch * ((p.frames - 1) // r + 1) * p.height * p.width) for p in counted]
        mid = sorted(ratios)[len(ratios) // 2]
        spread = max(abs(x / mid - 1) for x in ratios)
        if best is None or spread < best[0] - 1e-12:
            best = (spread, r, mid)
        if not frames_vary:
            break  # the runs cannot tell r apart: the family's own
    spread, r, per_pixel = best
    note = "" if frames_vary else f"one frame count in the runs: temporal compression {r} is the family's published one"
    if spread > 0.01:
        note = (f"token counts do not follow batch x latent frames x pixels (spread {spread:.1%}): "
                f"predicted token counts are approximate")
    return Geometry(r, per_pixel, step, note)
