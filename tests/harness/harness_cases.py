"""Scenario snippets shared by the harness tests (a module with its own name, not conftest, so test
folders never import each other's helpers)."""

from __future__ import annotations

from vbench.scenario import expand, validate_document

TINY_WAN = {"model": {"family": "wan", "source": "tiny"},
            "workload": {"num_frames": 5, "height": 32, "width": 32, "num_inference_steps": 2},
            "measure": {"warmup": 1, "repeats": 2, "rel_ci": None, "isolation": "inline", "flops": True},
            "reference": {"enabled": False}}


def runs_of(doc: dict, **sections) -> list:
    merged = {**doc}
    for key, value in sections.items():
        merged[key] = {**merged.get(key, {}), **value} if isinstance(value, dict) else value
    return expand(validate_document(merged, source="test"))
