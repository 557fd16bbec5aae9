"""A worker's record crosses the pipe as plain JSON types only: unpickling one in the parent must
not import torch (a ``TorchVersion`` in ``env`` once cost the parent 1.1 s of imports per sweep,
and made a torch-free reader of the pipe impossible)."""

from __future__ import annotations

import pickle
import pickletools

from tests.harness.harness_cases import TINY_WAN, runs_of
from vbench.harness.execute import execute_run

PLAIN = (dict, list, str, int, float, bool, type(None))


def _odd_values(value, path="record"):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _odd_values(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _odd_values(item, f"{path}[{i}]")
    elif type(value) not in PLAIN:
        yield f"{path}: {type(value).__module__}.{type(value).__qualname__}"


def test_a_record_holds_plain_json_types_only():
    [run] = runs_of(TINY_WAN, measure={"repeats": 1, "warmup": 0, "flops": True})
    record = execute_run(run.model_dump(mode="json"))
    assert record["status"] == "ok", record.get("reason")
    assert list(_odd_values(record)) == []
    globals_ = [arg for op, arg, _ in pickletools.genops(pickle.dumps(record)) if "GLOBAL" in op.name]
    assert globals_ == []  # nothing for the unpickler to import
