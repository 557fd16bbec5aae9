"""RecordWriter and read_records: one fsynced line per record, damage reported by file and line."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest

from vbench.errors import ResultsError
from vbench.record import SCHEMA_VERSION, Status
from vbench.store import RecordWriter, read_records
from vbench.store.jsonl import parse_lines, record_line, replace_lines


def test_round_trip_and_parent_dirs(tmp_path, make_record):
    path = tmp_path / "a" / "b" / "s.jsonl"
    written = [make_record(run_id=f"r{i}") for i in range(5)]
    with RecordWriter(path) as writer:
        for rec in written:
            writer.write(rec)
    result = read_records(path)
    assert result.records == written
    assert result.problems == []
    assert result.sources == [(str(path), i + 1) for i in range(5)]
    assert path.read_text().count("\n") == 5


def test_each_record_is_flushed_and_fsynced(tmp_path, make_record, monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    path = tmp_path / "s.jsonl"
    with RecordWriter(path) as writer:
        for i in range(3):
            writer.write(make_record(run_id=f"r{i}"))
            # visible to another reader before the writer closes
            assert len(read_records(path).records) == i + 1
    assert len(synced) == 3


def test_appends_to_existing_file(tmp_path, make_record):
    path = tmp_path / "s.jsonl"
    for run_id in ("a", "b"):
        with RecordWriter(path) as writer:
            writer.write(make_record(run_id=run_id))
    assert [r["run_id"] for r in read_records(path).records] == ["a", "b"]


@pytest.mark.parametrize(("change", "match"), [
    ({"run_id": ...}, "lacks required keys"),
    ({"status": "crashed"}, "not one of"),
    ({"status": "oom"}, "needs a non-empty 'reason'"),
    ({"status": "error", "reason": ""}, "needs a non-empty 'reason'"),
    ({"schema_version": 99}, f"writes version {SCHEMA_VERSION}"),
    ({"schema_version": True}, f"writes version {SCHEMA_VERSION}"),
])
def test_writer_rejects_invalid_records(tmp_path, make_record, change, match):
    rec = {k: v for k, v in make_record(**change).items() if v is not ...}  # ... deletes the key
    with RecordWriter(tmp_path / "s.jsonl") as writer, pytest.raises(ValueError, match=match):
        writer.write(rec)
    assert read_records(tmp_path / "s.jsonl").records == []


def test_writer_outside_with_block_fails(tmp_path, make_record):
    with pytest.raises(ValueError, match="not open"):
        RecordWriter(tmp_path / "s.jsonl").write(make_record())


def test_non_finite_floats_become_null_with_a_reason(tmp_path, make_record):
    rec = make_record(energy={"joules": math.nan, "power_w": np.float32("inf"), "n": 3},
                      samples=[1.0, math.inf, -math.inf])
    with RecordWriter(tmp_path / "s.jsonl") as writer:
        writer.write(rec)
    line = (tmp_path / "s.jsonl").read_text()
    assert "NaN" not in line and "Infinity" not in line
    got = read_records(tmp_path / "s.jsonl").records[0]
    assert got["energy"]["joules"] is None and got["energy"]["power_w"] is None
    assert got["energy"]["unavailable"] == {"joules": "non-finite value (nan)",
                                            "power_w": "non-finite value (inf)"}
    assert got["samples"] == [1.0, None, None]
    assert rec["energy"]["n"] == 3 and "unavailable" not in rec["energy"]  # input left alone


def test_numpy_enums_tuples_and_paths_become_json(tmp_path, make_record):
    rec = make_record(status=Status.OK, shape=(1, 17, 64, 64, 3), n=np.int64(7),
                      x=np.float64(0.5), arr=np.arange(3), where=tmp_path)
    with RecordWriter(tmp_path / "s.jsonl") as writer:
        writer.write(rec)
    got = read_records(tmp_path / "s.jsonl").records[0]
    assert got["status"] == "ok" and got["shape"] == [1, 17, 64, 64, 3]
    assert (got["n"], got["x"], got["arr"], got["where"]) == (7, 0.5, [0, 1, 2], str(tmp_path))


def test_non_json_values_are_refused(tmp_path, make_record):
    with RecordWriter(tmp_path / "s.jsonl") as writer, pytest.raises(TypeError, match="not JSON"):
        writer.write(make_record(obj=object()))
    with RecordWriter(tmp_path / "s.jsonl") as writer, pytest.raises(TypeError, match="keys"):
        writer.write(make_record(bad={1: 2}))


def test_damaged_lines_are_problems_not_fatal(tmp_path, make_record):
    path = tmp_path / "s.jsonl"
    good = json.dumps(make_record())
    path.write_text("\n".join([good, "{not json", "", "[1, 2]",
                               json.dumps({"schema_version": SCHEMA_VERSION, "hello": 1}), good]) + "\n")
    result = read_records(path)
    assert len(result.records) == 2
    assert [r.line for r in result.problems] == [2, 4, 5]
    assert all(p.path == str(path) for p in result.problems)
    assert "not valid JSON" in result.problems[0].message
    assert "JSON list, not an object" in result.problems[1].message
    assert "lacks ['run_id', 'status', 'scenario']" in result.problems[2].message
    assert str(result.problems[0]).startswith(f"{path}:2: ")


def test_invalid_utf8_is_a_problem(tmp_path, make_record):
    path = tmp_path / "s.jsonl"
    path.write_bytes(json.dumps(make_record()).encode() + b"\n\xff\xfe{}\n")
    result = read_records(path)
    assert len(result.records) == 1 and result.problems[0].line == 2


def test_last_record_without_newline_is_kept(tmp_path, make_record):
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(make_record()))
    assert len(read_records(path).records) == 1


def test_empty_file(tmp_path):
    (tmp_path / "s.jsonl").write_bytes(b"")
    assert list(parse_lines(tmp_path / "s.jsonl")) == []


def test_replace_lines_keeps_other_lines_and_appended_bytes(tmp_path, make_record):
    path = tmp_path / "s.jsonl"
    with RecordWriter(path) as writer:
        for i in range(3):
            writer.write(make_record(run_id=f"r{i}"))
    with open(path, "ab") as fh:
        fh.write(b'{"cut sh')  # a killed writer's line
    original = path.read_bytes()
    with RecordWriter(path) as writer:  # appended after the content was read
        writer.write(make_record(run_id="late"))
    replace_lines(path, original, {2: make_record(run_id="new", e2e=float("nan"))})
    lines = path.read_bytes().split(b"\n")
    before = original.split(b"\n")
    assert lines[0] == before[0] and lines[2] == before[2] and lines[3] == b'{"cut sh'
    assert lines[1] == record_line(make_record(run_id="new", e2e=float("nan")))
    assert json.loads(lines[1])["e2e"] is None
    assert [r["run_id"] for r in read_records(path).records] == ["r0", "new", "r2", "late"]


def test_replace_lines_refuses_a_file_changed_otherwise(tmp_path, make_record):
    path = tmp_path / "s.jsonl"
    with RecordWriter(path) as writer:
        writer.write(make_record(run_id="a"))
    original = path.read_bytes()
    path.write_bytes(original.replace(b'"a"', b'"b"'))
    with pytest.raises(ResultsError, match="changed since it was read"):
        replace_lines(path, original, {1: make_record(run_id="c")})
    assert b'"b"' in path.read_bytes()
