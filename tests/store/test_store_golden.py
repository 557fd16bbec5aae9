"""Stored results outlive the code: sessions written by earlier vbench versions keep loading.

``golden/v<N>/golden/`` is a session as ``vbench run tests/store/golden/golden.yaml`` wrote and
scored it at schema version N (a tiny Wan on the CPU: the fp32 reference, a bf16 run, and an
offload run that is unsupported on a CPU), with its stored videos. Never edit them; when the
schema changes, add a migration step and a new folder, and these tests keep proving that every
old folder still loads after ``vbench results migrate`` and reads the same.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from vbench.cli.main import main
from vbench.record import QUALITY, SCHEMA_VERSION, value
from vbench.results import load, records
from vbench.store import find_result_files

GOLDEN = Path(__file__).parent / "golden"
VERSIONS = sorted(p.name for p in GOLDEN.glob("v*") if p.is_dir())


def migrated(tmp_path: Path, version: str) -> Path:
    """A copy of one golden folder, upgraded with the command a user runs."""
    copy = tmp_path / version
    shutil.copytree(GOLDEN / version, copy)
    for path in find_result_files(copy):
        assert main(["results", "migrate", str(path)]) == 0
    return copy


def test_a_golden_session_for_every_version_up_to_the_current_one():
    assert [f"v{n}" for n in range(1, SCHEMA_VERSION + 1)] == VERSIONS


@pytest.mark.parametrize("version", VERSIONS)
def test_golden_sessions_load(tmp_path, version):
    frame = load(migrated(tmp_path, version))
    assert len(frame) == 3 and frame.attrs["problems"] == []
    assert set(frame["schema_version"]) == {SCHEMA_VERSION}
    assert sorted(frame["status"]) == ["ok", "ok", "unsupported"]
    ok = frame[frame.status == "ok"].set_index("spec.optimizations.precision")
    assert pd.isna(ok.loc["fp32", "reference_id"]) and ok.loc["bf16", "reference_id"] == ok.loc["fp32", "run_id"]
    assert len(ok.loc["bf16", "timing.e2e.samples"]) == 2 and ok.loc["bf16", "timing.e2e.median"] > 0
    assert ok.loc["bf16", "memory.peak.source"] == "host_rss" and ok.loc["bf16", "memory.peak.bytes"] > 0
    assert "no CUDA device" in ok.loc["bf16", "energy.unavailable.energy"]
    unsupported = frame[frame.status == "unsupported"].iloc[0]
    assert "accelerator" in unsupported["reason"] and unsupported["spec.optimizations.offload"] == "model"


def test_versions_read_the_same_after_migration(tmp_path):
    """Each version's session, migrated, holds the same metrics in the same places with values of the
    same kind: the bf16 run's PSNR against its fp32 reference is ~40 dB in every version."""
    by_version = {}
    for version in VERSIONS:
        recs = records(migrated(tmp_path, version))
        by_version[version] = next(r for r in recs if r["spec"]["optimizations"]["precision"] == "bf16"
                                   and r["status"] == "ok")
    for version, rec in by_version.items():
        assert value(rec, "psnr") == pytest.approx(40.0, abs=1.0), version
        assert 0.9 < value(rec, "ssim") <= 1.0 and 0 <= value(rec, "lpips") < 0.05
        scored = {m.name for m in QUALITY if value(rec, m.name) is not None}
        assert {"psnr", "ssim", "lpips", "tof", "tlp", "mean_abs_frame_diff_gap"} <= scored, version
        assert rec["quality"]["scores"]["psnr"]["unit"] == "dB"
        assert rec["quality"]["details"]["lpips"]["net"] == "alex"
        assert set(rec["quality"]["details"]["temporal"]) >= {"mean_abs_frame_diff_ref", "tof_window"}
        assert "fvd" in rec["quality"]["unavailable"]  # one clip per set: no covariance
    names = [{m.name for m in QUALITY if value(r, m.name) is not None} for r in by_version.values()]
    assert all(n == names[0] for n in names)


def test_v1_quality_moved_under_scores(tmp_path):
    """The v1 → v2 step: scores under quality.scores, the rest under details, reasons merged."""
    raw = [json.loads(line) for path in find_result_files(GOLDEN / "v1")
           for line in Path(path).read_text().splitlines() if line.strip()]
    bf16 = next(r for r in raw if r["spec"]["optimizations"]["precision"] == "bf16" and r["status"] == "ok")
    assert bf16["schema_version"] == 1
    new = next(r for r in records(migrated(tmp_path, "v1")) if r["run_id"] == bf16["run_id"])
    q1, q2 = bf16["quality"], new["quality"]
    assert q2["scores"]["psnr"]["value"] == q1["psnr"]["value"]
    assert q2["scores"]["psnr"]["per_frame"] == q1["psnr"]["per_frame"]
    assert q2["scores"]["tof"]["value"] == q1["temporal"]["tof"]
    assert q2["details"]["temporal"]["tof_window"] == q1["temporal"]["tof_window"]
    assert q2["details"]["fvd"]["n_reference"] == q1["fvd"]["n_reference"]
    assert q2["reference_run_id"] == q1["reference_run_id"]
    assert {k for k in new if k != "quality"} == {k for k in bf16 if k != "quality"}
    assert all(new[k] == bf16[k] for k in new if k not in ("quality", "schema_version"))
