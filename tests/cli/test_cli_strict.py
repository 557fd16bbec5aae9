"""``--strict`` means it: a run that could not start because of the setup fails it; a combination this
hardware cannot run does not. ``validate`` checks a ``local`` model directory before anything runs."""

from __future__ import annotations

import json

import pytest
import yaml

from vbench.cli.main import main

pytestmark = pytest.mark.slow

TINY = {"model": {"family": "wan", "source": "tiny"},
        "workload": {"num_frames": 5, "height": 32, "width": 32, "num_inference_steps": 2},
        "measure": {"warmup": 0, "repeats": 1, "rel_ci": None, "isolation": "inline", "flops": False},
        "reference": {"enabled": False}}


def scenario(tmp_path, name="s", **sections) -> str:
    doc = {**TINY, **sections}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def records(out, name: str = "*.jsonl") -> list[dict]:
    (path,) = list(out.rglob(name))
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_a_missing_local_model_directory_fails_strict_at_run_time(tmp_path, capsys):
    missing = tmp_path / "no-such-model"
    path = scenario(tmp_path, model={"family": "wan", "source": "local", "path": str(missing)})
    out = tmp_path / "results"
    assert main(["run", path, "--out", str(out), "--no-quality"]) == 0  # not strict: the record is the result
    assert main(["run", path, "--out", str(out), "--no-quality", "--strict", "--session", "strict"]) == 1
    err = capsys.readouterr().err
    assert "--strict" in err and "could not start" in err and str(missing) in err
    (rec,) = records(out / "s", "strict.jsonl")
    assert rec["status"] == "error" and "model.path" in rec["reason"] and "does not exist" in rec["reason"]
    assert rec["verdict"]["verdict"] == "not_run"


def test_device_cuda_without_cuda_fails_strict(tmp_path, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    out = tmp_path / "results"
    assert main(["run", scenario(tmp_path), "--out", str(out), "--device", "cuda", "--strict"]) == 1
    err = capsys.readouterr().err
    assert "no CUDA device" in err and "--strict" in err and "Traceback" not in err
    (rec,) = records(out)
    assert rec["status"] == "error" and rec["reason"].startswith("could not start: measure.device is 'cuda'")


def test_offload_unsupported_on_cpu_does_not_fail_strict(tmp_path, capsys):
    path = scenario(tmp_path, sweep={"product": {"offload": ["none", "model"]}})
    out = tmp_path / "results"
    assert main(["run", path, "--out", str(out), "--device", "cpu", "--strict"]) == 0
    statuses = sorted(r["status"] for r in records(out))
    assert statuses == ["ok", "unsupported"]  # not on this hardware: a result of the sweep
    assert "--strict" not in capsys.readouterr().err


def test_strict_fails_when_no_run_ended_ok(tmp_path, capsys):
    path = scenario(tmp_path, optimizations={"offload": "model"})
    assert main(["run", path, "--out", str(tmp_path / "r"), "--device", "cpu", "--strict"]) == 1
    assert "no run ended ok (unsupported)" in capsys.readouterr().err


def test_strict_help_states_the_rule(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "could not start because of the setup" in text and "offload on a CPU" in text


@pytest.mark.parametrize("make, expected", [
    (lambda d: d / "nowhere", "does not exist"),
    (lambda d: d, "has no model_index.json"),
    (lambda d: (d / "model_index.json").write_text("{}") and d, "holds no weight files"),
    (lambda d: (d / "f.txt").write_text("x") and d / "f.txt", "is a file, not a directory"),
])
def test_validate_names_the_file_the_field_and_what_is_expected(tmp_path, capsys, make, expected):
    folder = tmp_path / "model"
    folder.mkdir()
    target = make(folder)
    path = scenario(tmp_path, model={"family": "wan", "source": "local", "path": str(target)})
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{path}: model.path: ") and expected in err and str(target) in err
    assert "save_pretrained" in err and "Traceback" not in err
    assert len(err.splitlines()) == 1


def test_validate_accepts_a_saved_pipeline_directory_and_names_relative_paths(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "model"
    (folder / "transformer").mkdir(parents=True)
    (folder / "model_index.json").write_text("{}")
    (folder / "transformer" / "diffusion_pytorch_model.safetensors").write_bytes(b"")
    path = scenario(tmp_path, model={"family": "wan", "source": "local", "path": str(folder)})
    assert main(["validate", path]) == 0
    assert "ok" in capsys.readouterr().out
    monkeypatch.chdir(tmp_path)
    assert main(["validate", path, "--set", "model.path=elsewhere"]) == 2
    err = capsys.readouterr().err
    assert "(with --set model.path=elsewhere): model.path:" in err
    assert f"'elsewhere' (relative to the current directory {tmp_path})" in err
