"""The ``vbench`` command as a user runs it: list, env, run --dry-run, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vbench.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = str(ROOT / "scenarios" / "quickstart.yaml")


def test_console_script_runs_as_a_module():
    out = subprocess.run([sys.executable, "-m", "vbench", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("vbench ")


def test_list_shows_families_sources_scenarios_and_optimizations(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["list", "--no-params"]) == 0
    out = capsys.readouterr().out
    for word in ("wan", "cogvideox", "ltx", "svd", "hunyuan", "mochi", "WanPipeline", "6k+1",
                 "tiny", "arch", "hub", "local", "Wan2.1-T2V-14B", "SVD-XT",
                 "quickstart.yaml", "precision", "int8-dynamic", "chunk_frames", "psnr"):
        assert word in out, word


def test_env_on_a_machine_without_cuda(capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert main(["env"]) == 0
    out = capsys.readouterr().out
    assert "no CUDA device" in out and "torch" in out
    assert main(["env", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["gpu_memory"] == [] and data["fingerprint"]["python"]


def test_dry_run_prints_the_expanded_runs(capsys):
    assert main(["run", QUICKSTART, "--dry-run", "--set", "workload.seeds=[0,1]"]) == 0
    out = capsys.readouterr().out
    assert "8 runs" in out
    assert out.count("wan-tiny-bf16-steps4") == 2  # one per seed; the labels stay readable
    assert "(itself)" in out


def test_run_rejects_bad_overrides_before_running_anything(capsys, tmp_path):
    assert main(["run", QUICKSTART, "--out", str(tmp_path), "--set", "workload.num_frames=16"]) == 2
    err = capsys.readouterr().err
    assert "workload.num_frames" in err and "4k+1" in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())


def test_device_option_becomes_an_override(capsys):
    assert main(["run", QUICKSTART, "--dry-run", "--device", "gpu"]) == 2
    assert "measure.device" in capsys.readouterr().err


def test_quickstart_scenario_is_valid_and_small():
    from vbench.scenario import plan

    scenario, runs = plan(QUICKSTART)
    assert scenario.model.family == "wan" and scenario.model.source == "tiny"
    assert {r.optimizations.precision for r in runs} == {"fp32", "bf16"}
    assert {r.workload.num_inference_steps for r in runs} == {2, 4}


@pytest.mark.parametrize("family", ["wan", "cogvideox", "ltx", "svd", "hunyuan", "mochi"])
def test_every_family_has_a_valid_tiny_scenario(family):
    from vbench.scenario import plan

    scenario, runs = plan(ROOT / "scenarios" / f"tiny-{family}.yaml")
    assert scenario.model.family == family and runs
