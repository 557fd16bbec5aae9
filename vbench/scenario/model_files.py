"""Whether a ``local`` model directory is there: checked by ``vbench validate`` and, before anything
is built, by the harness (a run whose model files are missing could not start: a setup failure).

A scenario stays data (:mod:`vbench.scenario.schema` does no I/O); this module is the one place
that looks at the disk for it: here too ``family: auto`` (or no family) of a ``local`` or ``hub``
model is read from its ``model_index.json`` (:func:`family_from_model_index`). Paths are read as the loader reads them: a relative ``model.path``
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


def family_from_model_index(model: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(family, None)`` from the pipeline class a ``local`` or ``hub`` model's ``model_index.json``
    names, or ``(None, why not)``. A hub model's file is read from the local cache, else fetched
    (a few hundred bytes)."""
    import json

    from vbench.scenario.families import FAMILIES, GENERIC, family_of_pipeline

    source = model.get("source")
    if source == "local":
        problem = local_model_problem(model.get("path"))
        if problem is not None:
            return None, problem
        index = Path(model["path"]) / "model_index.json"
    elif source == "hub":
        if not model.get("name") or not model.get("revision"):
            return None, "family: auto of a hub model needs its name and a pinned revision"
        try:
            index = Path(_hub_index(model["name"], model["revision"]))
        except Exception as exc:  # noqa: BLE001 -- offline, gated, missing: all say the same
            return None, (f"family: auto could not read model_index.json of {model['name']}@{model['revision']} "
                          f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]}); give model.family")
    else:
        return None, (f"no family (or family: auto) is read from model_index.json, which sources local and hub have; source "
                      f"{source!r} needs one of {', '.join(FAMILIES)}")
    try:
        name = json.loads(index.read_text(encoding="utf-8")).get("_class_name")
    except (OSError, ValueError, AttributeError) as exc:
        return None, f"{index}: not a readable model_index.json ({exc})"
    family = family_of_pipeline(name)
    if family is not None:
        return family, None
    if isinstance(name, str) and name.endswith("Pipeline"):  # another diffusers pipeline: timed generically
        return GENERIC, None
    known = ", ".join(f"{cls} ({key})" for key, f in FAMILIES.items()
                      for cls in dict.fromkeys((f.pipeline, f.i2v_pipeline)) if cls)
    return None, (f"{index}: _class_name {name!r} is not a diffusers pipeline class (a name ending in 'Pipeline'); "
                  f"the known families' pipelines: {known}; any other pipeline is family '{GENERIC}'")


def _hub_index(name: str, revision: str) -> str:
    from huggingface_hub import hf_hub_download, try_to_load_from_cache

    cached = try_to_load_from_cache(name, "model_index.json", revision=revision)
    if isinstance(cached, str):
        return cached
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):  # read now, not at import
        raise FileNotFoundError("not in the local cache and HF_HUB_OFFLINE is set")
    return hf_hub_download(name, "model_index.json", revision=revision)
