"""A conditioning image file named by ``workload.image``: checked when the scenario is loaded (it
opens as an image) and identified by the sha256 of its bytes, so a run's id follows the picture,
not where it lies. Pillow only (no torch).

>>> read_image_file(Path("/no/such.png"))
(None, 'file not found')
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from vbench.scenario.textfile import read_bytes

#: the largest conditioning image file read (a 4096 x 4096 RGB PNG is under 50 MiB)
MAX_IMAGE_BYTES = 64 << 20


def read_image_file(path: Path) -> tuple[str | None, str | None]:
    """``(sha256 hex digest, None)`` of an image file that Pillow opens, or ``(None, why)``."""
    raw, why = read_bytes(path, MAX_IMAGE_BYTES)
    if raw is None:
        return None, why
    problem = image_problem(raw)
    if problem is not None:
        return None, problem
    return hashlib.sha256(raw).hexdigest(), None


def image_problem(raw: bytes) -> str | None:
    """Why ``raw`` is not an image Pillow can decode, or None."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(raw)) as image:
            image.load()
    except UnidentifiedImageError:
        return "not an image file Pillow can read"
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        return f"the image does not decode ({exc})"
    return None
