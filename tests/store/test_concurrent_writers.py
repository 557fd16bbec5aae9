"""No finished record is lost, whatever runs concurrently: writers in other processes append while
the file is rescored (renamed over), and two writers share one session."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pytest

from vbench.record import SCHEMA_VERSION
from vbench.store import read_records
from vbench.store.jsonl import read_content, replace_lines

WRITER = textwrap.dedent("""
    import sys, time
    from vbench.record import SCHEMA_VERSION
    from vbench.store import RecordWriter
    path, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with RecordWriter(path) as w:
        for i in range(n):
            w.write({"schema_version": SCHEMA_VERSION, "run_id": f"{tag}{i}", "status": "ok", "scenario": "s"})
            time.sleep(0.003)
""")


def writer(path, tag, n):
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), tag, str(n)])


def _rescore_while(procs, path) -> int:
    """Rescore the first record again and again, as `vbench score` does (a new file renamed over
    the session), until every writer has finished; returns how many rewrites were made."""
    rewrites = 0
    while any(p.poll() is None for p in procs):
        if path.exists():
            original = path.read_bytes()
            read = read_content(original, str(path))
            if read.records:
                first = {**read.records[0], "quality": {"scored_at": str(rewrites)}}
                replace_lines(path, original, {read.sources[0][1]: first})
                rewrites += 1
        time.sleep(0.005)
    return rewrites


@pytest.mark.parametrize("attempt", range(3))
def test_records_appended_while_the_file_is_rescored_are_all_kept(tmp_path, attempt):
    path = tmp_path / "s" / "session.jsonl"
    proc = writer(path, "w", 150)
    rewrites = _rescore_while([proc], path)
    assert proc.returncode == 0 and rewrites > 5
    ids = [r["run_id"] for r in read_records(path).records]
    assert sorted(ids) == sorted(f"w{i}" for i in range(150))  # every record, once
    assert json.loads(path.read_text().splitlines()[0])["quality"]["scored_at"] == str(rewrites - 1)


@pytest.mark.parametrize("attempt", range(3))
def test_two_runs_into_one_session_while_it_is_scored_both_land_completely(tmp_path, attempt):
    """Two `vbench run --session shared` at once, each scoring the session as it goes."""
    path = tmp_path / "s" / "shared.jsonl"
    procs = [writer(path, tag, 80) for tag in ("a", "b")]
    rewrites = _rescore_while(procs, path)
    assert [p.wait(timeout=120) for p in procs] == [0, 0] and rewrites > 5
    read = read_records(path)
    assert read.problems == []
    assert sorted(r["run_id"] for r in read.records) == sorted([f"a{i}" for i in range(80)] + [f"b{i}" for i in range(80)])


def test_the_lock_is_a_hidden_sidecar_that_readers_do_not_see(tmp_path):
    from vbench.store import RecordWriter, read_all

    path = tmp_path / "s" / "one.jsonl"
    with RecordWriter(path) as w:
        w.write({"schema_version": SCHEMA_VERSION, "run_id": "x", "status": "ok", "scenario": "s"})
    assert (tmp_path / "s" / ".one.jsonl.lock").exists()
    assert [r["run_id"] for r in read_all([tmp_path]).records] == ["x"]


def test_a_removed_sidecar_is_locked_again_on_the_new_file(tmp_path):
    import fcntl
    import os
    import threading

    from vbench.store.session_lock import lock_path, session_lock

    path = tmp_path / "s.jsonl"
    entered = []
    with session_lock(path):

        def second():
            with session_lock(path):
                entered.append(lock_path(path).exists())  # locked on the file at the path, not the removed one

        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.1)
        assert entered == []  # it waits for the holder
        lock_path(path).unlink()  # someone removes the sidecar while it is held
    t.join(5)
    assert entered == [True]
    fd = os.open(lock_path(path), os.O_RDONLY)
    try:  # and nobody holds that one any more
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)


SCORER = textwrap.dedent("""
    import sys, time
    from vbench.store.jsonl import read_content, replace_records
    path, tag, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    done = 0
    while done < rounds:  # rescore every record again and again, as `vbench score --force` does
        raw = open(path, "rb").read()
        read = read_content(raw, path)
        lines = raw.split(b"\\n")
        replace_records(path, {lines[n - 1]: {**r, "quality": {"scorer": tag, "round": done}}
                               for r, (_, n) in zip(read.records, read.sources)})
        done += 1
        time.sleep(0.002)
""")


@pytest.mark.parametrize("attempt", range(3))
def test_two_scorers_and_a_writer_on_one_session_lose_nothing(tmp_path, attempt):
    path = tmp_path / "s" / "busy.jsonl"
    first = writer(path, "w", 1)
    assert first.wait(timeout=60) == 0
    procs = [writer(path, "w", 120)] + [subprocess.Popen([sys.executable, "-c", SCORER, str(path), tag, "40"])
                                        for tag in ("x", "y")]
    assert [p.wait(timeout=180) for p in procs] == [0, 0, 0]
    read = read_records(path)
    assert read.problems == []
    assert sorted(r["run_id"] for r in read.records) == sorted(["w0"] + [f"w{i}" for i in range(120)])
    assert {r["quality"]["scorer"] for r in read.records if "quality" in r} <= {"x", "y"}
