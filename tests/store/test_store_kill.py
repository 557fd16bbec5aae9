"""A sweep killed at any moment leaves every finished record intact, and a cut line is reported.

DESIGN.md: "write + flush + fsync per record; a killed sweep leaves every finished record intact".
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import vbench
from vbench.record import SCHEMA_VERSION
from vbench.results import ResultsWarning, load
from vbench.store import RecordWriter, completed_run_ids, read_records

REPO = Path(vbench.__file__).resolve().parent.parent

WRITER = textwrap.dedent("""
    import sys, time
    from vbench.record import SCHEMA_VERSION
    from vbench.store import RecordWriter
    with RecordWriter(sys.argv[1]) as writer:
        for i in range(1000):
            writer.write({"schema_version": SCHEMA_VERSION, "run_id": f"run{i:04d}", "status": "ok",
                          "scenario": "kill", "seq": i,
                          "timing": {"e2e": {"unit": "s", "samples": [i + k / 7 for k in range(400)]}}})
            time.sleep(0.003)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_sigkill_mid_sweep_leaves_every_finished_record(tmp_path):
    path = tmp_path / "kill" / "session.jsonl"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not (path.exists() and path.read_bytes().count(b"\n") >= 40):
            assert proc.poll() is None, "writer exited early"
            assert time.monotonic() < deadline, "writer too slow"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    result = read_records(path)
    seqs = [r["seq"] for r in result.records]
    assert len(seqs) >= 40 and seqs == list(range(len(seqs)))  # every finished record, in order
    assert len(seqs) < 1000, "the writer finished before it was killed"
    # a kill can cut the last line at most; it is then a problem at the next line number
    assert len(result.problems) <= 1
    for problem in result.problems:
        assert (problem.path, problem.line) == (str(path), len(seqs) + 1)
    assert len(completed_run_ids(tmp_path)) == len(seqs)

    # a resumed sweep appends to the same file and its records stay whole
    with RecordWriter(path) as writer:
        writer.write({"schema_version": SCHEMA_VERSION, "run_id": "after", "status": "ok", "scenario": "kill"})
    assert read_records(path).records[-1]["run_id"] == "after"


def _three_records(path: Path) -> None:
    with RecordWriter(path) as writer:
        for i in range(3):
            writer.write({"schema_version": SCHEMA_VERSION, "run_id": f"r{i}", "status": "ok", "scenario": "cut",
                          "timing": {"e2e": {"samples": [0.1 * i] * 50}}})


def test_line_cut_mid_record_is_reported_with_file_and_line(tmp_path):
    path = tmp_path / "cut" / "s.jsonl"
    _three_records(path)
    raw = path.read_bytes()
    path.write_bytes(raw[: raw.rindex(b"\n", 0, -1) + 40])  # the third line cut after 40 bytes

    result = read_records(path)
    assert [r["run_id"] for r in result.records] == ["r0", "r1"]
    [problem] = result.problems
    assert (problem.path, problem.line) == (str(path), 3)
    assert "cut short" in problem.message

    with pytest.warns(ResultsWarning, match=rf"{path}:3: line is cut short"):
        frame = load(tmp_path)
    assert list(frame["run_id"]) == ["r0", "r1"]
    assert frame.attrs["problems"] == [str(problem)]

    with_problems = load(tmp_path, include_problems=True)
    assert len(with_problems) == 3
    row = with_problems.iloc[2]
    assert (row["source_file"], row["source_line"]) == (str(path), 3)
    assert "cut short" in row["problem"] and with_problems["problem"].iloc[:2].isna().all()

    # appending after the cut line keeps the new record whole and the cut one reported
    with RecordWriter(path) as writer:
        writer.write({"schema_version": SCHEMA_VERSION, "run_id": "r3", "status": "ok", "scenario": "cut"})
    result = read_records(path)
    assert [r["run_id"] for r in result.records] == ["r0", "r1", "r3"]
    assert [p.line for p in result.problems] == [3]
    assert json.loads(path.read_text().splitlines()[-1])["run_id"] == "r3"


def test_every_cut_point_of_a_line_is_reported(tmp_path):
    path = tmp_path / "s.jsonl"
    _three_records(path)
    raw = path.read_bytes()
    start = raw.rindex(b"\n", 0, -1) + 1
    for end in range(start + 1, len(raw) - 1, 7):
        path.write_bytes(raw[:end])
        result = read_records(path)
        assert len(result.records) == 2
        assert [(p.line, "cut short" in p.message) for p in result.problems] == [(3, True)]
