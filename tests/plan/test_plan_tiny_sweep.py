"""On real tiny-Wan sweeps (host RSS, CPU): the fit's leave-one-out error is reported, and the
predicted largest num_frames at a budget is confirmed by real runs within one frame step."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing
from pathlib import Path

from vbench.plan.memory_model import fit_group
from vbench.plan.planner import max_frames
from vbench.plan.points import group_records
from vbench.record import Latent
from vbench.results import records

ROOT = Path(__file__).resolve().parents[2]


def _vbench(*args, cwd):
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}
    return subprocess.run([sys.executable, "-m", "vbench", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def test_fit_wan_plan_and_find_max(tmp_path):
    out = tmp_path / "results"
    sweep = _vbench("run", str(ROOT / "scenarios/fit-wan.yaml"), "--out", str(out),
                    "--set", "sweep.product.num_frames=[9,25,41]",
                    "--set", "sweep.zip=[{height: [96, 128], width: [96, 128]}]", cwd=tmp_path)
    assert sweep.returncode == 0, sweep.stderr[-2000:]
    stored = records(out)
    hints = set(typing.get_type_hints(Latent))
    for rec in stored:  # the writer's latent section is the contract's, and its tokens what the planner reads
        assert set(rec["latent"]) <= hints and rec["latent"]["layout"] == "BCFHW"
        w = rec["spec"]["workload"]
        assert rec["latent"]["tokens"] == ((w["num_frames"] - 1) // 4 + 1) * (w["height"] // 16) * (w["width"] // 16)
    (group,) = [g for g in group_records(stored) if g.points]
    model = fit_group(group)
    assert model.peak_loo.max_rel is not None and model.peak_loo.max_rel < 0.02
    # a budget half-way between the predicted peaks of 61 and 65 frames
    gib = round(sum(model.predict_peak(frames=f, height=128, width=128, batch=1) for f in (61, 65)) / 2 / 2**30, 9)
    predicted = max_frames(model, gib * 2**30, height=128, width=128).value
    assert predicted == 61
    plan = _vbench("plan", str(out), "--budget-gb", str(gib), "--height", "128", "--width", "128", "--json",
                   cwd=tmp_path)
    assert plan.returncode == 0, plan.stderr[-2000:]
    (answer,) = json.loads(plan.stdout)
    assert answer["peak_loo"]["rms_bytes"] is not None
    assert answer["answers"][0]["value"] == predicted
    found = _vbench("run", str(ROOT / "scenarios/fit-wan.yaml"), "--out", str(out), "--set", "workload.height=128",
                    "--set", "workload.width=128", "--set", "sweep.product.num_frames=[9]", "--set", "sweep.zip=[]",
                    "--find-max", "num_frames", "--budget-gb", str(gib), cwd=tmp_path)
    assert found.returncode == 0, found.stderr[-3000:]
    (summary,) = json.loads(next((out / "fit-wan").glob("*.find-max.json")).read_text())
    assert summary["predicted"] == predicted and summary["decided"]
    assert abs(summary["found"] - predicted) <= summary["frame_step"], summary
