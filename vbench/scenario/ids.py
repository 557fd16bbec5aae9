"""Stable identities of runs: short hashes of canonical JSON.

The same settings give the same id in any process, on any Python version and whatever the key
order, because the JSON is canonical (sorted keys, no whitespace, ASCII only) and floats are
written by ``repr`` (the shortest round-tripping form, stable since Python 3.1).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

ID_LENGTH = 12


def canonical_json(data: Any) -> str:
    """Canonical JSON text of plain data."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def short_hash(data: Any, length: int = ID_LENGTH) -> str:
    """The first ``length`` hex digits of the sha256 of ``canonical_json(data)``.

    >>> short_hash({"b": 1, "a": 2.0}) == short_hash({"a": 2.0, "b": 1})
    True
    """
    return hashlib.sha256(canonical_json(data).encode("ascii")).hexdigest()[:length]


def _content(workload: dict) -> dict:
    """The workload as identified: an image file by its digest, not by where it lies."""
    if workload.get("image_sha256"):
        return {k: v for k, v in workload.items() if k != "image"}
    return workload


def run_identity(model: dict, workload: dict, optimizations: dict) -> str:
    """The run id: what is run (model, workload, optimizations), not how it is measured."""
    return short_hash({"model": model, "workload": _content(workload), "optimizations": optimizations})


def config_identity(model: dict, workload: dict, optimizations: dict) -> str:
    """The configuration id: the run id without the prompt and the seed (groups a run set for FVD)."""
    settings = {k: v for k, v in _content(workload).items() if k not in ("prompt", "seed")}
    return short_hash({"model": model, "workload": settings, "optimizations": optimizations})


def weights_key(spec: Mapping[str, Any]) -> str:
    """Runs (RunSpec dicts) with the same key load the same weights: ``group`` isolation runs them
    in one worker. An image-to-video run builds its family's image-to-video pipeline."""
    return canonical_json({"model": spec["model"], "i2v": bool((spec.get("workload") or {}).get("image"))})
