"""Readers that never hang or show wrong data: a FIFO named like a session is skipped with a note,
a record whose video is not a hash is a note, and a stored video that does not match its hash is
never shown as that run's."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np

from vbench.report import build_report
from vbench.store import read_all


def _copy(golden, tmp_path):
    root = tmp_path / "results"
    shutil.copytree(golden / "cpu-box", root)
    return root


def _rewrite(path, change):
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    path.write_text("".join(json.dumps(change(rec)) + "\n" for rec in lines))


def test_a_fifo_named_jsonl_is_skipped_with_a_note(golden, tmp_path):
    root = _copy(golden, tmp_path)
    fifo = root / "quickstart" / "zz-pipe.jsonl"
    os.mkfifo(fifo)  # opening it for reading would block forever
    read = read_all([root])
    assert read.records and [p.message for p in read.problems if p.path == str(fifo)] == [
        "a FIFO; skipped (only regular files are read as results)"]
    assert str(read.problems[-1]) == f"{fifo}: a FIFO; skipped (only regular files are read as results)"


def test_a_video_reference_that_is_not_a_hash_is_a_note_not_a_crash(golden, tmp_path):
    root = _copy(golden, tmp_path)
    session = next((root / "quickstart").glob("*.jsonl"))
    _rewrite(session, lambda r: {**r, "outputs": {**r["outputs"], "video": "../../etc/passwd"}} if r.get("outputs") else r)
    page = build_report([root])
    assert "could not be shown" in page and "is not a sha256 hex digest" in page


def test_a_video_that_does_not_match_its_hash_is_not_shown_as_the_runs(golden, tmp_path):
    from vbench.store import OutputStore

    root = _copy(golden, tmp_path)
    outputs = root / "quickstart" / "outputs"
    shas = [p.stem for p in outputs.rglob("*.npz")]
    assert shas
    store = OutputStore(outputs)
    for sha in shas:  # swap in other frames under the same names
        other = np.zeros_like(store.get(sha))
        np.savez_compressed(store.path(sha), frames=other)
    page = build_report([root])
    assert "stored video does not match its hash" in page
    assert "animated preview" not in page
