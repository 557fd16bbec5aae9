"""Turning pydantic's validation errors into vbench problems: field path, bad value, what is allowed."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from vbench.errors import Problem

_FIELD_PREFIX = re.compile(r"^([A-Za-z_][A-Za-z0-9_/]*): (.*)$", re.S)


def problems_from(exc: ValidationError, model: type[BaseModel], prefix: str = "",
                  fields_only: bool = False) -> list[Problem]:
    """One :class:`Problem` per pydantic error, with paths relative to ``model`` under ``prefix``.

    ``fields_only`` keeps the errors of single fields and drops those of cross-field checks.
    """
    out = []
    for err in exc.errors(include_url=False):
        if fields_only and not err["loc"]:
            continue
        loc = [str(p) for p in err["loc"]]
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
            m = _FIELD_PREFIX.match(msg)
            if m and _names_fields(m.group(1), fields_at(model, [p for p in loc if not p.isdigit()])):
                # a model validator naming its field: "name: ..." (not a message that starts "allowed: ")
                loc, msg = [*loc, m.group(1)], m.group(2)
                has_value = False  # the input is the whole section
            else:  # a field validator: the input is the field's own value
                has_value = not isinstance(err.get("input"), (dict, list))
        else:
            has_value = err["type"] not in ("missing",)
        if err["type"] == "extra_forbidden":
            allowed = fields_at(model, loc[:-1])
            guess = difflib.get_close_matches(loc[-1], allowed, n=1)
            hint = f" (did you mean {guess[0]!r}?)" if guess else ""
            msg = f"unknown field{hint}; allowed here: {', '.join(allowed)}"
            has_value = False
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif err["type"] == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            msg = f"not an allowed value; allowed: {expected.replace(' or ', ', ')}"
        path = ".".join(p for p in [prefix, *_clean(loc)] if p)
        out.append(Problem(path, msg, err.get("input"), has_value))
    return out


def _names_fields(prefix: str, fields: list[str]) -> bool:
    """``prefix`` ("name", "vae_tile_size/vae_tile_overlap", "min_quality.psnr") names fields of the model."""
    return bool(fields) and all(part.split(".")[0] in fields for part in prefix.split("/"))


def _clean(loc: list[str]) -> list[str]:
    # pydantic adds the union member names ("str", "int", "function-after[...]") to locations
    return [p for p in loc if not p.startswith(("function-", "literal[")) and p not in ("str", "int", "float",
                                                                                       "bool", "none")]


def fields_at(model: type[BaseModel], loc: list[str]) -> list[str]:
    """The field names of the model found by following ``loc`` from ``model`` (best effort)."""
    current: Any = model
    for part in loc:
        if isinstance(current, _Mapping):  # ``part`` is a key of a mapping of models
            current = current.value
            continue
        sub = _submodel(current, part)
        if sub is None:
            return []
        current = sub
    return list(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []


class _Mapping:
    """A field holding ``dict[str, Model]``: the next part of a location is a key, then ``Model``."""

    def __init__(self, value: type[BaseModel]):
        self.value = value


def _submodel(model: Any, name: str) -> Any:
    if not (isinstance(model, type) and issubclass(model, BaseModel)) or name not in model.model_fields:
        return None
    annotation = model.model_fields[name].annotation
    if typing.get_origin(annotation) is dict:
        value = typing.get_args(annotation)[-1]
        return _Mapping(value) if isinstance(value, type) and issubclass(value, BaseModel) else None
    candidates = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
    for c in candidates:
        if isinstance(c, type) and issubclass(c, BaseModel):
            return c
    return None
