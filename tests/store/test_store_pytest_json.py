"""pytest-benchmark JSON files are results too: the vbench record of each case, plus what
pytest-benchmark measured; a benchmark without a vbench record is a problem, never dropped."""

from __future__ import annotations

import json
import warnings

import pytest

from vbench.errors import ResultsError
from vbench.record import SCHEMA_VERSION
from vbench.results import ResultsWarning, load, records


def _bench(name, record=None):
    extra = {"vbench": record} if record is not None else {}
    return {"name": name, "fullname": f"benchmarks/test_x.py::{name}", "extra_info": extra,
            "stats": {"median": 0.5, "mean": 0.51, "rounds": 3, "iterations": 1, "min": 0.4, "max": 0.6}}


def _record(run_id, **extra):
    return {"schema_version": SCHEMA_VERSION, "run_id": run_id, "status": "ok", "scenario": "s", **extra}


def test_records_come_out_of_extra_info(tmp_path):
    path = tmp_path / "0001_run.json"
    path.write_text(json.dumps({"machine_info": {"node": "box"}, "commit_info": {"id": "abc"},
                                "datetime": "2026-11-22T00:00:00",
                                "benchmarks": [_bench("test_a[x]", _record("r1", timing={"e2e": {"median": 0.49}})),
                                               _bench("test_b[y]", _record("r2"))]}))
    df = load(path)
    assert list(df["run_id"]) == ["r1", "r2"]
    assert list(df["pytest_benchmark.stats.median"]) == [0.5, 0.5]
    assert df.loc[0, "timing.e2e.median"] == 0.49
    assert df.loc[0, "pytest_benchmark.machine_info.node"] == "box"


def test_a_benchmark_without_a_vbench_record_is_reported(tmp_path):
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps({"benchmarks": [_bench("test_plain"), _bench("test_v", _record("r1"))]}))
    with pytest.warns(ResultsWarning, match="test_plain carries no vbench record"):
        got = records(path)
    assert [r["run_id"] for r in got] == ["r1"]


def test_not_pytest_benchmark_json_is_reported_and_other_versions_fail(tmp_path):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": 1}))
    with pytest.warns(ResultsWarning, match="not a pytest-benchmark JSON file"):
        assert records(other) == []
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({"benchmarks": [_bench("t", {**_record("r"), "schema_version": SCHEMA_VERSION + 1})]}))
    with warnings.catch_warnings(), pytest.raises(ResultsError, match="newer vbench"):
        records(newer)
