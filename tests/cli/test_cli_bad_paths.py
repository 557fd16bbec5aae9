"""Bad paths and names on the command line: one message naming the option or file, exit 2, nothing
written, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from vbench.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = str(ROOT / "scenarios" / "quickstart.yaml")


@pytest.mark.parametrize("session", ["../elsewhere", "a/b", ".hidden", "outputs", ""])
def test_a_session_with_path_parts_is_refused(tmp_path, capsys, session):
    assert main(["run", QUICKSTART, "--out", str(tmp_path), "--session", session, "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --session: ") and "allowed: a plain name" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_out_naming_an_existing_file_is_refused(tmp_path, capsys):
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    assert main(["run", QUICKSTART, "--out", str(target), "--dry-run"]) == 2
    assert capsys.readouterr().err == f"error: --out: is not a folder; give a results folder (it is created if missing) (got {str(target)!r})\n"
    assert target.read_text() == "keep me"


def test_results_migrate_on_folders_and_missing_paths(tmp_path, capsys):
    assert main(["results", "migrate", str(tmp_path / "nope.jsonl")]) == 2
    assert "no such results file or folder" in capsys.readouterr().err
    assert main(["results", "migrate", str(tmp_path)]) == 2  # a folder holding no session
    assert "no session .jsonl file found" in capsys.readouterr().err
    other = tmp_path / "notes.txt"
    other.write_text("x")
    assert main(["results", "migrate", str(other)]) == 2
    assert "not a session .jsonl file" in capsys.readouterr().err
    assert other.read_text() == "x"
    golden = ROOT / "tests" / "store" / "golden" / "v1" / "golden"
    copy = tmp_path / "old" / "golden"
    copy.mkdir(parents=True)
    for f in golden.glob("*.jsonl"):
        (copy / f.name).write_bytes(f.read_bytes())
    assert main(["results", "migrate", str(tmp_path / "old")]) == 0  # a folder: every session under it
    out = capsys.readouterr().out
    assert "records migrated" in out and "0 records migrated" not in out
