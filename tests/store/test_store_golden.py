"""Stored results outlive the code: result files written by earlier vbench versions must keep loading.

The files under ``golden/v<N>/`` are records as vbench wrote them for schema version N (an ok
run with timing, memory and quality, an oom run and an unsupported run). Never edit them; when
the schema changes, add a migration step and a new folder, and this test keeps proving that
every old folder still loads (after ``vbench results migrate`` where the version is older).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vbench.results import load, records
from vbench.store import find_result_files, migrate_file
from vbench.types import SCHEMA_VERSION

GOLDEN = Path(__file__).parent / "golden"
VERSIONS = sorted(p.name for p in GOLDEN.glob("v*") if p.is_dir())


def test_golden_folders_exist_up_to_the_current_version():
    assert f"v{SCHEMA_VERSION}" in VERSIONS


@pytest.mark.parametrize("version", VERSIONS)
def test_golden_files_load(tmp_path, version):
    copy = tmp_path / version
    shutil.copytree(GOLDEN / version, copy)
    for path in find_result_files(copy):
        migrate_file(path)  # a no-op for the current version
    frame = load(copy)
    assert len(frame) == 3 and frame.attrs["problems"] == []
    assert set(frame["schema_version"]) == {SCHEMA_VERSION}
    by_status = frame.set_index("status")
    assert set(by_status.index) == {"ok", "oom", "unsupported"}

    ok = by_status.loc["ok"]
    assert ok["run_id"] == "3f2a9c1b7e04" and ok["scenario"] == "quickstart"
    assert ok["spec.optimizations.precision"] == "bf16"
    assert ok["spec.model.name"] == "Wan2.1-T2V-1.3B"
    assert ok["timing.e2e.median"] == pytest.approx(1.912)
    assert ok["timing.e2e.samples"] == [1.912, 1.904, 1.921]
    assert len(ok["timing.denoise_step.samples"]) == 12
    assert ok["memory.peak_allocated_bytes"] == 5120327680
    assert ok["memory.stages.vae_decode.peak_allocated_bytes"] == 5120327680
    assert ok["quality.psnr.value"] == pytest.approx(34.71)
    assert "vbench weights fetch" in ok["quality.unavailable.lpips"]
    assert ok["spec.metrics"] == ["psnr", "ssim", "lpips", "temporal"]

    assert "out of memory" in by_status.loc["oom", "reason"]
    assert by_status.loc["oom", "spec.workload.num_frames"] == 161
    assert "flash-attn" in by_status.loc["unsupported", "reason"]
    assert all(Path(f).suffix == ".jsonl" for f in frame["source_file"])


def test_golden_records_are_raw_dicts():
    raw = records(GOLDEN / f"v{SCHEMA_VERSION}")
    assert [r["status"] for r in raw] == ["ok", "oom", "unsupported"]
    assert raw[0]["timing"]["e2e"]["unit"] == "s"
