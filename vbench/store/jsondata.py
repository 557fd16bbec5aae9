"""Turning a record into plain JSON data before it is stored."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from enum import Enum
from typing import Any

import numpy as np


def to_json_data(value: Any) -> Any:
    """A copy of ``value`` as plain JSON data: numpy scalars and arrays become Python values,
    tuples become lists, enums their values, paths strings, and non-finite floats ``None`` (noted in the
    enclosing dict's ``unavailable`` mapping)."""
    if isinstance(value, Enum):
        return to_json_data(value.value)
    if isinstance(value, (np.generic, np.ndarray)):
        return to_json_data(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        notes: dict[str, str] = {}
        for key, item in value.items():
            if isinstance(key, Enum):
                key = key.value
            if not isinstance(key, str):
                raise TypeError(f"record keys must be strings, got {key!r}")
            if isinstance(item, (float, np.floating)) and not math.isfinite(item):
                notes[key] = f"non-finite value ({float(item)})"
            out[key] = to_json_data(item)
        if notes:
            unavailable = out.setdefault("unavailable", {})
            if isinstance(unavailable, dict):
                for key, note in notes.items():
                    unavailable.setdefault(key, note)
        return out
    if isinstance(value, (list, tuple)):
        return [to_json_data(item) for item in value]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{type(value).__name__} is not JSON data: {value!r}")
