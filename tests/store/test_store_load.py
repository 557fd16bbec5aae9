"""vbench.results.load: one flat row per run, dotted columns, raw samples kept whole."""

from __future__ import annotations

import sys
import warnings

import numpy as np

from vbench.results import flatten, load, records
from vbench.store import OutputStore, RecordWriter, outputs_dir, session_path


def test_flat_dotted_columns_and_raw_samples(tmp_path, make_record):
    with RecordWriter(session_path(tmp_path, "sc", "s1")) as writer:
        writer.write(make_record(run_id="a"))
        writer.write(make_record(run_id="b", status="oom", reason="CUDA out of memory",
                                 timing={}, extra={"only": {"here": 1}}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no problems, no warning
        frame = load(tmp_path)
    assert list(frame.columns[:4]) == ["schema_version", "run_id", "status", "scenario"]
    assert list(frame.columns[-2:]) == ["source_file", "source_line"]
    assert list(frame["run_id"]) == ["a", "b"]
    assert list(frame["source_line"]) == [1, 2]
    assert set(frame["source_file"]) == {str(session_path(tmp_path, "sc", "s1"))}
    a = frame.iloc[0]
    assert a["spec.optimizations.precision"] == "bf16"
    assert a["spec.model.family"] == "wan"
    assert a["timing.e2e.median"] == 1.25
    assert a["timing.e2e.samples"] == [1.25, 1.5, 1.0]
    assert a["memory.unavailable.nvml_process_used_bytes"] == "no PID namespace access"
    assert np.isnan(a["extra.only.here"])
    b = frame.iloc[1]
    assert b["extra.only.here"] == 1 and b["reason"] == "CUDA out of memory"
    assert not isinstance(b["timing.e2e.samples"], list)  # absent, not an empty list
    assert frame.attrs["problems"] == []


def test_load_skips_outputs_and_reads_several_paths(tmp_path, make_record):
    for scenario in ("one", "two"):
        with RecordWriter(session_path(tmp_path, scenario, "s1")) as writer:
            writer.write(make_record(scenario=scenario, run_id=f"{scenario}-r"))
        OutputStore(outputs_dir(tmp_path, scenario)).put(np.zeros((1, 2, 2, 3), np.uint8))
    (outputs_dir(tmp_path, "one") / "stray.jsonl").write_text("not records\n")
    assert sorted(load(tmp_path)["scenario"]) == ["one", "two"]
    assert list(load([tmp_path / "two", tmp_path / "one"])["scenario"]) == ["two", "one"]
    assert [r["run_id"] for r in records(tmp_path / "one")] == ["one-r"]


def test_empty_folder_gives_an_empty_frame(tmp_path):
    frame = load(tmp_path)
    assert frame.empty
    assert list(frame.columns[:4]) == ["schema_version", "run_id", "status", "scenario"]


def test_flatten():
    assert flatten({"a": {"b": {"c": 1}, "d": []}, "e": {}, "f": [{"g": 1}]}) == \
        {"a.b.c": 1, "a.d": [], "f": [{"g": 1}]}


def test_reading_never_imports_torch(tmp_path, make_record):
    import subprocess

    with RecordWriter(session_path(tmp_path, "sc", "s1")) as writer:
        writer.write(make_record())
    code = ("import sys, vbench.results as r, vbench.store; r.load(sys.argv[1]); "
            "bad = [m for m in ('torch', 'diffusers') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)
