"""The model zoo: each family's real diffusers pipeline, from four sources.

* ``tiny`` -- small seeded random weights; every family runs on a CPU in about a second.
* ``arch`` -- a published architecture (``ARCH_MODELS``) with seeded random weights, its text
  encoders included unless ``text_encoder: pseudo``, built on the meta device and materialized
  straight onto the target device in the target dtype.
* ``hub`` -- ``DiffusionPipeline.from_pretrained(name, revision=...)`` with the real encoders.
* ``local`` -- ``from_pretrained(path)``; a missing text encoder means pseudo-embeddings.

Importing this package is cheap: torch and diffusers load on first use of
:func:`build_pipeline` or :func:`parameter_counts`.

>>> from vbench.models import FAMILIES
>>> "wan" in FAMILIES
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vbench.scenario.families import ARCH_MODELS
from vbench.scenario.families import FAMILIES as _FAMILY_RULES

if TYPE_CHECKING:
    from vbench.models.build import build_pipeline, parameter_counts, text_encoder_counts
    from vbench.models.pipeline_handle import BuiltPipeline

#: The six model families, in a fixed order.
FAMILIES: tuple[str, ...] = tuple(_FAMILY_RULES)

_LAZY = {
    "BuiltPipeline": "vbench.models.pipeline_handle",
    "build_pipeline": "vbench.models.build",
    "parameter_counts": "vbench.models.build",
    "text_encoder_counts": "vbench.models.build",
}

__all__ = ["ARCH_MODELS", "FAMILIES", "BuiltPipeline", "build_pipeline", "parameter_counts", "text_encoder_counts"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'vbench.models' has no attribute {name!r}")
