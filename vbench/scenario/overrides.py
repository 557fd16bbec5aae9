"""``--set a.b=value`` overrides, applied to the raw document before it is validated."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from vbench.errors import Problem, ScenarioError

#: Below these paths the rest of the dotted path is one key (axis names contain dots).
_OPAQUE = (("sweep", "product"),)


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split ``a.b=value`` into its path and its YAML-parsed value.

    >>> parse_override("workload.num_frames=33")
    (['workload', 'num_frames'], 33)
    """
    path, sep, value = text.partition("=")
    path = path.strip()
    if not sep or not path or any(not part for part in path.split(".")):
        raise ScenarioError("--set", [Problem("", "expected KEY.PATH=VALUE, e.g. workload.num_frames=33",
                                              text, True)])
    try:
        parsed = yaml.safe_load(value) if value.strip() else ""
    except yaml.YAMLError as exc:
        raise ScenarioError("--set", [Problem(path, f"value is not valid YAML: {exc}", value, True)]) from None
    parts = path.split(".")
    for prefix in _OPAQUE:
        n = len(prefix)
        if tuple(parts[:n]) == prefix and len(parts) > n + 1:
            parts = [*parts[:n], ".".join(parts[n:])]
    return parts, parsed


def apply_overrides(document: dict[str, Any], overrides: list[str] | tuple[str, ...], *,
                    source: str = "--set") -> dict[str, Any]:
    """A copy of the raw document (a mapping) with every override applied in order; errors name
    ``source`` (the file, with its overrides) and the ``--set`` that failed."""
    if not overrides:
        return document
    if not isinstance(document, dict):
        raise TypeError("overrides apply to a mapping")
    doc = copy.deepcopy(document)
    for text in overrides:
        parts, value = parse_override(text)
        node = doc
        for i, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                where = ".".join(parts[: i + 1])
                raise ScenarioError(source, [Problem(where, f"is not a mapping, so --set {text} has no "
                                                            "sub-key to set", child, True)])
            node = child
        node[parts[-1]] = value
    return doc
