"""The conditioning image of an image-to-video run (``workload.image``), as the pipeline gets it.

``generated`` makes a seeded picture (:func:`vbench.models.embeddings.generated_image`); a file is
read with Pillow and checked against the digest the scenario loader took, so a file changed after
validation is an error, not a silently different run. The record's ``image`` section says which.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from vbench.errors import UnsupportedError

GENERATED = "generated"


def conditioning_image(workload: dict[str, Any]) -> tuple[Any, dict[str, Any]] | None:
    """``(PIL image, record section)`` of the workload's image, or None for text-to-video."""
    value = workload.get("image")
    if value is None:
        return None
    if value == GENERATED:
        from vbench.models.embeddings import generated_image

        height, width = int(workload["height"]), int(workload["width"])
        image = generated_image(str(workload.get("prompt") or ""), int(workload.get("seed") or 0), height, width)
        return image, {"source": "generated", "size": [width, height],
                       "seeded_by": "sha256 of the prompt and the seed"}
    return _from_file(Path(value), workload.get("image_sha256"))


def _from_file(path: Path, expected: str | None) -> tuple[Any, dict[str, Any]]:
    import io

    from PIL import Image

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnsupportedError(f"workload.image {str(path)!r} cannot be read ({exc.strerror or exc})") from None
    digest = hashlib.sha256(raw).hexdigest()
    if expected is not None and digest != expected:
        raise UnsupportedError(f"workload.image {str(path)!r} changed after the scenario was validated (sha256 "
                               f"{digest[:12]}…, expected {expected[:12]}…); validate the scenario again")
    with Image.open(io.BytesIO(raw)) as opened:
        mode = opened.mode
        image = opened.convert("RGB")
    return image, {"source": "file", "path": str(path), "sha256": digest, "size": list(image.size), "mode": mode}
