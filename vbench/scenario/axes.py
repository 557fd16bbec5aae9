"""Sweep axis names: ``precision`` or ``optimizations.precision`` both name the same field."""

from __future__ import annotations

import difflib

from vbench.errors import Problem
from vbench.scenario.schema import ModelSpec, Optimizations, WorkloadSettings

#: The sections whose fields can be swept, and the model holding each section's fields.
SWEEPABLE = {"model": ModelSpec, "workload": WorkloadSettings, "optimizations": Optimizations}
_NOT_AXES = {"workload.prompts": "prompts", "workload.seeds": "seeds", "workload.prompt_file": "prompt_file",
             "workload.image": "image", "workload.image_sha256": "image_sha256"}


def all_axes() -> list[str]:
    return [f"{section}.{field}" for section, model in SWEEPABLE.items() for field in model.model_fields]


def resolve_axis(name: str, where: str) -> tuple[str | None, list[Problem]]:
    """The canonical ``section.field`` path of an axis name, or a problem naming what is allowed."""
    if not isinstance(name, str):
        return None, [Problem(where, "axis names must be strings", name, True)]
    if _NOT_AXES.get(name, name) in ("image", "image_sha256"):
        return None, [Problem(where, "the conditioning image is not an axis: a scenario gives one "
                                     "workload.image (a set of images is a scenario each)", name, True)]
    if name in _NOT_AXES or (name in ("prompts", "seeds", "prompt_file")):
        return None, [Problem(where, "prompts and seeds are not axes: every run already crosses all of them",
                              name, True)]
    if "." in name:
        section, _, field = name.partition(".")
        if section in SWEEPABLE and field in SWEEPABLE[section].model_fields:
            return name, []
    else:
        owners = [s for s, model in SWEEPABLE.items() if name in model.model_fields]
        if len(owners) == 1:
            return f"{owners[0]}.{name}", []
    choices = all_axes()
    short = [a.split(".", 1)[1] for a in choices]
    guess = difflib.get_close_matches(name, choices + short, n=1)
    hint = f"did you mean {guess[0]!r}? " if guess else ""
    return None, [Problem(where, f"unknown axis; {hint}allowed: a field of model, workload or optimizations, "
                                 f"e.g. precision, num_inference_steps, height, chunk_frames", name, True)]
