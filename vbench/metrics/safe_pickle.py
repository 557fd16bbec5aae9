"""Reading downloaded checkpoints that are pickles, allowing nothing but numpy arrays.

``pickle.load`` on a downloaded file runs whatever callable the file names. The checkpoints of
FACTS.md are nested dicts of numpy arrays, whose pickles reference only numpy's array
reconstruction (``_reconstruct``, ``ndarray``, ``dtype``); :class:`ArrayUnpickler` resolves
exactly those globals and refuses every other one.

>>> import io, pickle, numpy as np
>>> blob = pickle.dumps({"a": {"w": np.arange(3, dtype=np.float32)}})
>>> load_arrays(io.BytesIO(blob))["a"]["w"].tolist()
[0.0, 1.0, 2.0]
>>> load_arrays(io.BytesIO(pickle.dumps(print)))
Traceback (most recent call last):
...
_pickle.UnpicklingError: refusing to load builtins.print: only numpy arrays are allowed in a checkpoint
"""

from __future__ import annotations

import functools
import pickle
from typing import IO, Any

import numpy as np


@functools.cache
def _allowed() -> dict[tuple[str, str], Any]:
    try:
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy before 1.26.1 has only numpy.core
        from numpy.core.multiarray import _reconstruct, scalar

    return {
        ("numpy.core.multiarray", "_reconstruct"): _reconstruct,  # numpy 1.x pickles
        ("numpy._core.multiarray", "_reconstruct"): _reconstruct,  # numpy 2.x pickles
        ("numpy.core.multiarray", "scalar"): scalar,
        ("numpy._core.multiarray", "scalar"): scalar,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
    }


class ArrayUnpickler(pickle.Unpickler):
    """An unpickler whose only importable globals are numpy's array-reconstruction functions."""

    def find_class(self, module: str, name: str) -> Any:
        found = _allowed().get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: only numpy arrays are "
                                         "allowed in a checkpoint")
        return found


def load_arrays(fh: IO[bytes]) -> Any:
    """Unpickle ``fh`` with :class:`ArrayUnpickler`; then check it is nested dicts of arrays.

    Raises:
        pickle.UnpicklingError: the pickle names a global other than numpy's array functions,
            or holds something other than string-keyed dicts of numpy arrays.
    """
    data = ArrayUnpickler(fh).load()
    _check(data, "")
    return data


def flatten(tree: dict, prefix: str = "") -> dict[str, np.ndarray]:
    """Nested dicts of arrays to ``{"a/b/c": array}``."""
    out: dict[str, np.ndarray] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "/"))
        else:
            out[path] = value
    return out


def _check(node: Any, where: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                raise pickle.UnpicklingError(f"checkpoint key {key!r} at {where or '/'} is not a string")
            _check(value, f"{where}/{key}")
    elif not isinstance(node, np.ndarray) or node.dtype == object:
        raise pickle.UnpicklingError(f"checkpoint entry {where or '/'} is a {type(node).__name__}, "
                                     "not a numeric numpy array")
