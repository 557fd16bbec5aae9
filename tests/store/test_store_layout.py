"""Where results live, how sessions are named, and which files a folder holds."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from vbench.errors import ResultsError
from vbench.store import find_result_files, new_session_name, session_path
from vbench.store.layout import outputs_dir


def test_session_path(tmp_path):
    assert session_path(tmp_path, "quickstart", "s1") == tmp_path / "quickstart" / "s1.jsonl"
    assert outputs_dir(tmp_path, "quickstart") == tmp_path / "quickstart" / "outputs"


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "a\\b", "outputs"])
def test_unsafe_names_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match="cannot name"):
        session_path(tmp_path, name, "s1")
    with pytest.raises(ValueError, match="cannot name"):
        session_path(tmp_path, "ok", name)


def test_session_names_sort_in_time_order_and_differ():
    start = datetime(2025, 1, 1, 23, 59, 59, 999999, tzinfo=timezone.utc)
    times = [start + timedelta(microseconds=k) for k in (0, 1, 10**6, 10**9)]
    names = [new_session_name(t) for t in times]
    assert names == sorted(names)
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{6}", names[0])
    assert names[0].startswith("20250101T235959.999999Z-")
    local = datetime(2025, 1, 2, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    assert new_session_name(local).startswith("20250101T230000.000000Z")
    assert len({new_session_name(start) for _ in range(50)}) == 50


def test_find_result_files(tmp_path):
    for rel in ["a/s1.jsonl", "a/s2.jsonl", "a/outputs/ab/x.jsonl", "b/deep/s.jsonl",
                "a/.s1.jsonl.tmp.jsonl", "a/.hidden/s.jsonl", "a/notes.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    found = [p.relative_to(tmp_path).as_posix() for p in find_result_files(tmp_path)]
    assert found == ["a/s1.jsonl", "a/s2.jsonl", "b/deep/s.jsonl"]
    # files as given (any name), folders searched, duplicates dropped
    again = find_result_files([tmp_path / "a" / "notes.txt", tmp_path / "a", str(tmp_path / "a/s1.jsonl")])
    assert [p.name for p in again] == ["notes.txt", "s1.jsonl", "s2.jsonl"]
    assert find_result_files(tmp_path / "a" / "outputs") == [tmp_path / "a/outputs/ab/x.jsonl"]


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(ResultsError, match="no such results file or folder"):
        find_result_files(tmp_path / "nope")
