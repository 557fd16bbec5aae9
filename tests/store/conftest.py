"""Shared helpers for the results-store tests."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from vbench.record import SCHEMA_VERSION, summarize

_BASE: dict[str, Any] = {
    "schema_version": SCHEMA_VERSION,
    "run_id": "3f2a9c1b7e04",
    "status": "ok",
    "scenario": "quickstart",
    "reason": None,
    "spec": {"model": {"family": "wan", "source": "tiny"},
             "optimizations": {"precision": "bf16", "vae_tiling": True}},
    "timing": {"e2e": summarize([1.25, 1.5, 1.0], "s")},
    "memory": {"peak_allocated_bytes": 123456789, "nvml_process_used_bytes": None,
               "unavailable": {"nvml_process_used_bytes": "no PID namespace access"}},
}


def record(**changes: Any) -> dict[str, Any]:
    """A valid ok record, with top-level keys replaced by ``changes``."""
    out = copy.deepcopy(_BASE)
    out.update(changes)
    return out


@pytest.fixture
def make_record():
    return record
