"""The record contract, writer to reader: every metric a record holds reaches the report and compare.

Readers find metrics only through ``vbench.record.METRICS``. These tests feed real records -- a
fresh session written and scored by the harness (tiny Wan, inline), every golden session of every
schema version (migrated), and the report's golden results -- through ``results.load``,
``report.data.prepare``, ``build_report`` and ``compare``, and require that every metric of the
table present in a record gives a non-empty report column and a compared row. A writer that
renames a key the table points at makes the fresh record lose that metric, and the first test says
which.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

from vbench.compare import compare_records, parse_rule
from vbench.record import BY_NAME, METRICS, QUALITY, SCHEMA_VERSION, value
from vbench.report import build_report
from vbench.report.data import prepare
from vbench.results import load, records
from vbench.store import find_result_files, migrate_file

HERE = Path(__file__).parent
SCENARIO = HERE / "store" / "golden" / "golden.yaml"
GOLDEN_FOLDERS = sorted(p for p in (HERE / "store" / "golden").glob("v*") if p.is_dir()) + sorted(
    p for p in (HERE / "report" / "golden").iterdir() if p.is_dir())

#: What a scored CPU run of the tiny Wan holds (no GPU: no allocator, NVML or energy; one clip per
#: set: no FVD).
CPU_METRICS = {"latency", "fps", "step_time", "text_encode", "denoise", "vae_decode", "load_time", "first_call",
               "peak_memory", "host_rss_peak", "weights_memory", "achieved_tflops", "psnr", "ssim", "lpips",
               "mean_abs_frame_diff_gap", "tof", "tlp", "warping_error", "mean_abs_frame_diff", "frame_ssim"}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """A session written by the harness and scored, as ``vbench run`` does."""
    from vbench.harness import run_sweep
    from vbench.scenario import plan
    from vbench.scoring import score_session

    out = tmp_path_factory.mktemp("fresh")
    _, runs = plan(str(SCENARIO))
    result = run_sweep(runs, out_dir=out)
    score_session(result.path)
    return out


def every_rule() -> list:
    """One rule per metric of the table, in its worse direction."""
    return [parse_rule(f"{m.name}:{'-' if m.higher_is_better else '+'}1%") for m in METRICS]


def held(recs: list[dict]) -> set[str]:
    """The metrics of the table that at least one ok record holds a number for."""
    return {m.name for m in METRICS for r in recs if r["status"] == "ok" and value(r, m.name) is not None}


def assert_readers_see(recs: list[dict], folder: Path) -> None:
    names = held(recs)
    assert names, f"{folder}: no metric of the table in any record"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = prepare(load(folder))
    empty = [n for n in names if n not in data.runs or data.runs[n].isna().all()]
    assert not empty, f"{folder}: report columns empty for {empty}"
    assert set(data.quality) == {n for n in names if BY_NAME[n].group == "quality"}
    compared = compare_records(recs, recs, every_rule())
    seen = {r.metric for r in compared.rows if r.base is not None and r.new is not None}
    assert names <= seen, f"{folder}: compare found no value for {sorted(names - seen)}"
    assert compared.regressions == []  # a result set never regresses against itself
    page = build_report(folder)
    for name in names:
        if BY_NAME[name].group == "quality":
            assert BY_NAME[name].title in page, f"{folder}: no report column headed {BY_NAME[name].title!r}"


def test_a_fresh_record_holds_the_metrics_the_table_names(fresh):
    recs = records(fresh)
    assert {r["schema_version"] for r in recs} == {SCHEMA_VERSION}
    bf16 = next(r for r in recs if r["status"] == "ok" and r["spec"]["optimizations"]["precision"] == "bf16")
    assert held([bf16]) == CPU_METRICS, "a writer moved or renamed a key that vbench.record.METRICS points at"
    assert set(bf16["quality"]["scores"]) <= set(BY_NAME), "a score name the table does not know"
    for name, entry in bf16["quality"]["scores"].items():
        assert (entry["unit"], entry["higher_is_better"]) == (BY_NAME[name].unit, BY_NAME[name].higher_is_better)
    assert set(bf16["quality"]["unavailable"]) <= {m.name for m in QUALITY} | {"temporal", "all"}
    unsupported = next(r for r in recs if r["status"] == "unsupported")
    # a run refused after the model was built holds its load time and nothing measured
    assert held([{**unsupported, "status": "ok"}]) <= {"load_time"}


def test_a_fresh_record_reaches_report_and_compare(fresh):
    assert_readers_see(records(fresh), fresh)


@pytest.mark.parametrize("folder", GOLDEN_FOLDERS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_golden_folder_renders_and_compares(tmp_path, folder):
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    for path in find_result_files(copy):
        migrate_file(path)
    assert_readers_see(records(copy), copy)


def test_a_fresh_record_holds_the_verdict_and_precision_the_contract_names(fresh):
    """The sections added with the budget verdicts and adaptive sampling are written with the keys
    vbench.record declares, and read back by vbench.verdicts as they were written."""
    import typing

    from vbench.record import VERDICTS, Precision, Verdict
    from vbench.verdicts import judge

    recs = records(fresh)
    for rec in recs:
        verdict = rec["verdict"]
        assert set(verdict) <= set(typing.get_type_hints(Verdict)) and verdict["verdict"] in VERDICTS
        assert judge(rec) == verdict, "a reader judges a stored record differently than its writer did"
    ok = [r for r in recs if r["status"] == "ok"]
    assert ok and all(set(r["timing"]["precision"]) == set(typing.get_type_hints(Precision)) for r in ok)
    assert all(r["timing"]["precision"]["n"] == r["timing"]["e2e"]["n"] for r in ok)
