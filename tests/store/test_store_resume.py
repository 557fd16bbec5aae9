"""completed_run_ids: what `vbench run --resume` may skip."""

from __future__ import annotations

from vbench import results
from vbench.store import RecordWriter, completed_run_ids, session_path


def test_only_ok_runs_count(tmp_path, make_record):
    with RecordWriter(session_path(tmp_path, "sc", "s1")) as writer:
        writer.write(make_record(run_id="ok1"))
        writer.write(make_record(run_id="oom1", status="oom", reason="CUDA out of memory"))
        writer.write(make_record(run_id="err1", status="error", reason="Traceback ..."))
        writer.write(make_record(run_id="late", status="timeout", reason="exceeded 900 s"))
        writer.write(make_record(run_id="flash", status="unsupported", reason="no flash-attn"))
    with RecordWriter(session_path(tmp_path, "sc", "s2")) as writer:
        writer.write(make_record(run_id="oom1"))  # retried and succeeded in a later session
        writer.write(make_record(run_id="err2", status="error", reason="boom"))
    assert completed_run_ids(tmp_path) == {"ok1", "oom1"}
    assert completed_run_ids(session_path(tmp_path, "sc", "s1")) == {"ok1"}
    assert results.completed_run_ids is completed_run_ids


def test_nothing_stored_yet(tmp_path):
    assert completed_run_ids(tmp_path / "results" / "new-scenario") == set()
    assert completed_run_ids([]) == set()
    assert completed_run_ids(tmp_path) == set()


def test_cut_last_line_is_not_completed(tmp_path, make_record):
    path = session_path(tmp_path, "sc", "s1")
    with RecordWriter(path) as writer:
        writer.write(make_record(run_id="done"))
        writer.write(make_record(run_id="cut"))
    path.write_bytes(path.read_bytes()[:-20])
    assert completed_run_ids(tmp_path) == {"done"}
