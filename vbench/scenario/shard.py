"""``vbench run --shard I/N``: a stable part of a sweep, for a CI matrix of machines.

A run belongs to shard ``int(run_id, 16) % N + 1``: the run_id hashes what is run, so every machine
that expands the same scenario picks the same part, whatever the order or the machine. A shard also
runs the references its runs are scored against (a reference may then run in several shards: the
copies have one run_id and ``vbench results merge`` keeps one), so each shard's session is scored
on its own. The N shards together hold every run of the unsharded sweep, each exactly once.

>>> parse_shard("2/3")
(2, 3)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from vbench.errors import Problem, ScenarioError

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` as ``(I, N)`` with ``1 <= I <= N``; a :class:`ScenarioError` on ``--shard`` otherwise."""
    match = _SHARD.match(text or "")
    index, count = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if not match or count < 1 or not 1 <= index <= count:
        raise ScenarioError("--shard", [Problem("", "expected I/N with 1 <= I <= N, e.g. 1/4", text, True)])
    return index, count


def shard_of(run_id: str, count: int) -> int:
    """The shard (1-based) a run_id belongs to among ``count``."""
    return int(run_id, 16) % count + 1


def select_shard(runs: Sequence[Any], index: int, count: int) -> list[Any]:
    """The runs (RunSpecs) of shard ``index`` of ``count``, in their order, with every reference they
    are scored against."""
    mine = {r.run_id for r in runs if shard_of(r.run_id, count) == index}
    needed = {r.reference_id for r in runs if r.run_id in mine and r.reference_id}
    return [r for r in runs if r.run_id in mine or r.run_id in needed]
