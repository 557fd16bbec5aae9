"""Property tests: any JSON record round-trips; non-finite numbers never break a file."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vbench.record import SCHEMA_VERSION
from vbench.results import flatten
from vbench.store import REQUIRED_KEYS, RecordWriter, read_records

REQUIRED = {"schema_version": SCHEMA_VERSION, "run_id": "r", "status": "ok", "scenario": "s"}


def _json(floats):
    leaves = st.none() | st.booleans() | st.integers() | floats | st.text(max_size=20)
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)


payloads = st.dictionaries(st.text(max_size=10).filter(lambda k: k not in REQUIRED_KEYS),
                           _json(st.floats(allow_nan=False, allow_infinity=False)), max_size=6)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(payloads)
def test_any_json_record_round_trips(tmp_path, payload):
    path = tmp_path / "p.jsonl"
    path.unlink(missing_ok=True)
    record = {**payload, **REQUIRED}
    with RecordWriter(path) as writer:
        writer.write(record)
        writer.write(record)
    result = read_records(path)
    assert result.records == [record, record] and result.problems == []


@SETTINGS
@given(st.dictionaries(st.text(max_size=10).filter(lambda k: k not in REQUIRED_KEYS),
                       _json(st.floats()), max_size=6))
def test_non_finite_numbers_are_stored_as_null(tmp_path, payload):
    path = tmp_path / "p.jsonl"
    path.unlink(missing_ok=True)
    with RecordWriter(path) as writer:
        writer.write({**payload, **REQUIRED})
    result = read_records(path)
    assert len(result.records) == 1 and result.problems == []
    stack = [result.records[0]]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, float):
            assert math.isfinite(item)


KEYS = st.text(alphabet="abcxyz_", min_size=1, max_size=6)  # record keys hold no dots


def _leaves(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    else:
        yield ".".join(path), node


@given(st.dictionaries(KEYS, st.recursive(st.integers() | st.text(max_size=5) | st.lists(st.integers()),
                                          lambda inner: st.dictionaries(KEYS, inner, max_size=3))))
def test_flatten_keeps_every_non_dict_leaf(record):
    assert flatten(record) == dict(_leaves(record))
