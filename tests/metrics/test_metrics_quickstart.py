"""``vbench run scenarios/quickstart.yaml`` scores its runs by default and fills ``quality``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vbench.cli.main import main
from vbench.results import load

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--set", "workload.num_frames=9", "--set", "workload.height=32", "--set", "workload.width=32",
         "--set", "measure.isolation=inline", "--set", "measure.warmup=0", "--set", "measure.repeats=1", "--set", "measure.rel_ci=null",
         "--set", "measure.min_seconds=0", "--set", "measure.flops=false"]


@pytest.mark.slow
def test_quickstart_fills_quality_for_every_run(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "results"
    assert main(["run", "scenarios/quickstart.yaml", "--out", str(out), *SMALL,
                 "--set", "sweep.product.num_inference_steps=[2]"]) == 0  # fp32 and bf16 at 2 steps
    df = load(out)
    assert len(df) == 3 and (df["status"] == "ok").all()  # and the gold reference: fp32 at 4 steps
    assert df["quality.scored_at"].notna().all()
    gold = df[df["role"] == "reference"]
    assert len(gold) == 1 and gold["spec.workload.num_inference_steps"].tolist() == [4]
    assert gold["quality.reference"].all() and gold["quality.scores.ssim.value"].tolist() == pytest.approx([1.0])
    runs = df[df["reference_id"].notna()]
    assert len(runs) == 2 and set(runs["reference_id"]) == set(gold["run_id"])  # both steps against one gold run
    for _, row in runs.iterrows():
        assert row["quality.reference_run_id"] == row["reference_id"]
        assert np.isfinite(row["quality.scores.psnr.value"]) and 0 < row["quality.scores.ssim.value"] <= 1
        assert np.isfinite(row["quality.scores.mean_abs_frame_diff_gap.value"])
        assert np.isfinite(row["quality.scores.tof.value"])
        lpips = row.get("quality.scores.lpips.value")
        assert (lpips is not None and np.isfinite(lpips)) or "vbench weights fetch" in row["quality.unavailable.lpips"]


def test_no_quality_switch_leaves_records_unscored(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "results"
    assert main(["run", "scenarios/quickstart.yaml", "--out", str(out), "--no-quality", *SMALL,
                 "--set", "sweep.product.precision=[fp32]", "--set", "sweep.product.num_inference_steps=[2]"]) == 0
    df = load(out)
    assert len(df) == 2 and not any(c.startswith("quality.") for c in df.columns)  # the run and the gold run
