"""Whether a ``local`` model directory is there: checked by ``vbench validate`` and, before anything
is built, by the harness (a run whose model files are missing could not start: a setup failure).

A scenario stays data (:mod:`vbench.scenario.schema` does no I/O); this module is the one place
that looks at the disk for it. Paths are read as the loader reads them: a relative ``model.path``
from the current directory.

>>> local_model_problem("/no/such/dir").split(";")[0]
"the local model directory '/no/such/dir' does not exist"
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from vbench.errors import Problem

#: Files that hold weights, as ``save_pretrained`` and the Hub write them.
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".gguf")
EXPECTED = ("expected a directory written by `pipeline.save_pretrained(...)` (model_index.json and a folder of "
            "weights per component)")


def local_model_problem(path: str | os.PathLike[str] | None) -> str | None:
    """What is wrong with a ``local`` model directory, or None when it holds a saved pipeline."""
    if not path:
        return f"source 'local' needs model.path; {EXPECTED}"
    folder = Path(path)
    shown = repr(str(path)) + ("" if folder.is_absolute() else f" (relative to the current directory {os.getcwd()})")
    if not folder.exists():
        return f"the local model directory {shown} does not exist; {EXPECTED}"
    if not folder.is_dir():
        return f"the local model path {shown} is a file, not a directory; {EXPECTED}"
    if not (folder / "model_index.json").is_file():
        return f"the local model directory {shown} has no model_index.json; {EXPECTED}"
    if not _has_weights(folder):
        return (f"the local model directory {shown} holds no weight files ({', '.join(WEIGHT_SUFFIXES)}) in its "
                f"component folders; {EXPECTED}")
    return None


def local_path_problems(models: Iterable[Any]) -> list[Problem]:
    """One :class:`~vbench.errors.Problem` on ``model.path`` per distinct missing local directory among
    ``models`` (ModelSpecs or dicts, e.g. of every expanded run)."""
    problems, seen = [], set()
    for model in models:
        data = model if isinstance(model, dict) else model.model_dump()
        path = data.get("path")
        if data.get("source") != "local" or path in seen:
            continue
        seen.add(path)
        problem = local_model_problem(path)
        if problem is not None:
            problems.append(Problem("model.path", problem))  # the message names the path
    return problems


def _has_weights(folder: Path) -> bool:
    """A weight file in the folder or one level below (``<component>/diffusion_pytorch_model.safetensors``)."""
    for entry in (*folder.iterdir(), *(p for d in folder.iterdir() if d.is_dir() for p in d.iterdir())):
        if entry.is_file() and entry.name.endswith(WEIGHT_SUFFIXES):
            return True
    return False
