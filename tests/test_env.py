"""The environment fingerprint, machine ids, git state and GPU memory (real without CUDA, faked CUDA paths)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from types import SimpleNamespace

import pytest

from vbench import env, nvml

torch = pytest.importorskip("torch")
needs_no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA path")
GiB = 2**30


def test_fingerprint_is_plain_json_with_the_expected_fields():
    fp = env.fingerprint()
    json.dumps(fp)
    for key in ("host", "os", "python", "cpu", "ram_total_bytes", "gpu", "cuda", "cudnn", "versions", "git"):
        assert key in fp
    assert fp["cpu"]["logical_cores"] >= 1 and fp["cpu"]["model"]
    assert fp["ram_total_bytes"] > 2**28
    assert set(env.PACKAGES) <= set(fp["versions"])
    assert fp["versions"]["torch"] and fp["versions"]["vbench"]
    for key, value in fp.items():
        if value is None:
            assert key in fp["unavailable"], f"{key} is None without a reason"


@needs_no_cuda
def test_without_cuda_gpu_is_none_with_the_reason():
    fp = env.fingerprint()
    assert fp["gpu"] is None and fp["unavailable"]["gpu"] == "no CUDA device"
    assert env.gpu_memory() == []
    assert env.gpu_memory_report() == "no CUDA device"


def test_fingerprint_without_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    fp = env.fingerprint()
    assert fp["gpu"] is None and fp["unavailable"]["gpu"] == "torch is not installed"
    assert fp["cuda"] is None and fp["unavailable"]["cuda"] == "torch is not installed"
    assert env.gpu_memory() == [] and env.gpu_memory_report() == "no CUDA device"


def test_git_state_outside_a_repository(tmp_path):
    state, reason = env.git_state(tmp_path)
    assert state is None and reason
    fp = env.fingerprint(tmp_path)
    assert fp["git"] is None and fp["unavailable"]["git"] == reason


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_state_reports_commit_and_dirty_flag(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")

    def git(*args):
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                               "-c", "commit.gpgsign=false", *args],
                              cwd=tmp_path, check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q")
    (tmp_path / "a.txt").write_text("one")
    git("add", "a.txt")
    git("commit", "-q", "-m", "first")
    state, reason = env.git_state(tmp_path)
    assert reason is None
    assert state == {"commit": git("rev-parse", "--short=12", "HEAD"), "dirty": False}
    (tmp_path / "untracked.txt").write_text("not counted")
    assert env.git_state(tmp_path)[0]["dirty"] is False
    (tmp_path / "a.txt").write_text("two")
    assert env.git_state(tmp_path)[0]["dirty"] is True


def test_machine_id_is_short_stable_and_separates_gpus():
    a = {"host": "box", "gpu": {"name": "NVIDIA H100 80GB HBM3"}, "versions": {"torch": "2.4"}}
    b = {**a, "versions": {"torch": "2.14.1"}}
    c = {**a, "gpu": {"name": "NVIDIA L4"}}
    assert env.machine_id(a) == env.machine_id(b)  # software changes do not move the machine
    assert env.machine_id(a) != env.machine_id(c)
    assert env.machine_id({"host": "box", "gpu": None}) != env.machine_id(a)
    mid = env.machine_id(env.fingerprint())
    assert len(mid) == 12 and int(mid, 16) >= 0
    assert mid == env.machine_id(env.fingerprint())


@pytest.fixture
def fake_cuda(monkeypatch):
    """torch.cuda answering as one 80 GiB card with 5 GiB free."""
    state = SimpleNamespace(free=5 * GiB, total=80 * GiB)
    props = SimpleNamespace(name="NVIDIA H100 80GB HBM3", total_memory=80 * GiB, major=9, minor=0,
                            multi_processor_count=132)
    for name, value in {
        "is_available": lambda: True, "device_count": lambda: 1, "current_device": lambda: 0,
        "get_device_properties": lambda i: props, "get_device_name": lambda i: props.name,
        "mem_get_info": lambda i: (state.free, state.total),
        "memory_reserved": lambda i: 70 * GiB, "memory_allocated": lambda i: 60 * GiB,
    }.items():
        monkeypatch.setattr(torch.cuda, name, value)
    monkeypatch.setattr(env, "_driver_version", lambda: ("550.54.15", None))
    return state


def test_gpu_fields_from_torch(fake_cuda):
    fp = env.fingerprint()
    gpu = fp["gpu"]
    assert gpu["name"] == "NVIDIA H100 80GB HBM3" and gpu["memory_bytes"] == 80 * GiB
    assert gpu["compute_capability"] == "9.0" and gpu["driver"] == "550.54.15"
    assert gpu["count"] == 1 and len(gpu["devices"]) == 1 and "gpu" not in fp["unavailable"]
    json.dumps(fp)


def test_gpu_memory_warns_when_the_card_is_nearly_full(fake_cuda):
    rows = env.gpu_memory()
    assert rows[0]["free_bytes"] == 5 * GiB and rows[0]["reserved_bytes"] == 70 * GiB
    assert "5.0 of 80.0 GiB free" in rows[0]["warning"]
    assert "warning:" in env.gpu_memory_report()
    fake_cuda.free = 40 * GiB
    assert env.gpu_memory()[0]["warning"] is None
    assert "warning" not in env.gpu_memory_report()


@pytest.mark.parametrize("text", [
    "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\n",
    "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.54.15  Release Build  (dvs-builder@U16)\n",
])
def test_driver_version_falls_back_to_proc(monkeypatch, text):
    monkeypatch.setitem(sys.modules, "pynvml", None)
    monkeypatch.setattr(nvml, "_state", {"tried": False, "module": None, "reason": None})
    monkeypatch.setattr(env, "Path", lambda p: SimpleNamespace(read_text=lambda: text))
    assert env._driver_version() == ("550.54.15", None)


def test_driver_version_without_nvml_or_proc_gives_the_reason(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)
    monkeypatch.setattr(nvml, "_state", {"tried": False, "module": None, "reason": None})

    def missing(p):
        raise OSError("no such file")

    monkeypatch.setattr(env, "Path", lambda p: SimpleNamespace(read_text=lambda: missing(p)))
    assert env._driver_version() == (None, "nvidia-ml-py is not installed (pip install nvidia-ml-py)")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_real_gpu_fingerprint_and_memory():
    fp = env.fingerprint()
    assert fp["gpu"]["name"] == torch.cuda.get_device_name(fp["gpu"]["index"])
    assert fp["gpu"]["memory_bytes"] > GiB and fp["cuda"]
    assert fp["gpu"]["driver"] or "gpu.driver" in fp["unavailable"]
    rows = env.gpu_memory([torch.cuda.current_device()])
    assert len(rows) == 1 and 0 < rows[0]["free_bytes"] <= rows[0]["total_bytes"]
    assert env.gpu_memory_report([torch.cuda.current_device()]).startswith("cuda:")
