"""Every family's tiny pipeline goes end to end through the harness: built, timed per stage and
per step, stored, and recorded with status ok."""

from __future__ import annotations

from pathlib import Path

import pytest

from vbench.harness import run_sweep
from vbench.scenario import plan

ROOT = Path(__file__).resolve().parents[2]

# the smallest call each family accepts, so every family stays within seconds on 2 cores
SMALL = {"wan": (5, 32), "cogvideox": (9, 32), "ltx": (9, 32), "hunyuan": (5, 32), "hunyuan15": (5, 32), "ltx2": (5, 32), "mochi": (7, 32),
         "svd": (3, 32)}


@pytest.mark.parametrize("family", sorted(SMALL))
def test_family_through_the_harness(family, tmp_path):
    frames, size = SMALL[family]
    _, runs = plan(ROOT / "scenarios" / f"tiny-{family}.yaml", [
        "measure.isolation=inline", "measure.warmup=0", "measure.repeats=1", "measure.rel_ci=null", "measure.flops=false",
        f"workload.num_frames={frames}", f"workload.height={size}", f"workload.width={size}",
        "sweep.product.precision=[bf16]"])
    records = run_sweep(runs, out_dir=tmp_path).records
    by_role = {r["role"]: r for r in records}
    assert set(by_role) == {"run", "reference"}  # the bf16 run brings its fp32 reference
    for record in records:
        assert record["status"] == "ok", record.get("traceback")
        t = record["timing"]
        steps = record["spec"]["workload"]["num_inference_steps"]
        assert t["steps"]["tracked"] and len(t["steps"]["per_call"][0]) == steps
        # HunyuanVideo-1.5's pipeline has no step callback: its steps end at each scheduler.step
        assert t["steps"]["marked_by"] == ("scheduler.step" if family == "hunyuan15" else "callback_on_step_end")
        encode = "image_encode" if record["spec"]["model"]["family"] == "svd" else "text_encode"
        assert {encode, "vae_decode", "denoise"} <= set(t["stages"])
        assert record["outputs"]["shape"][1:4] == [frames, size, size]
        assert record["embeddings"] == "pseudo"
    assert by_role["run"]["reference_id"] == by_role["reference"]["run_id"]
    assert by_role["run"]["applied"]["precision"]["mode"] == "bf16"
