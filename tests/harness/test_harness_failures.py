"""A run that raises, exhausts host memory, aborts or hangs becomes a record with the right status,
and the other runs of the same sweep still succeed."""

from __future__ import annotations

import json

import pytest
from harness_cases import TINY_WAN, runs_of

from vbench.harness import run_sweep
from vbench.results import load

pytestmark = pytest.mark.slow


def test_every_failure_becomes_a_record_and_the_sweep_goes_on(tmp_path, hook_path):
    prompts = ["fine", "raise", "oom", "abort", "hang", "also fine"]
    runs = runs_of(TINY_WAN, workload={"prompts": prompts},
                   measure={"isolation": "group", "warmup": 0, "repeats": 1, "rel_ci": None, "flops": False},
                   limits={"timeout_s": 30, "host_memory_gb": 2})
    result = run_sweep(runs, out_dir=tmp_path, session="s1", hook=hook_path)
    by_prompt = {r["spec"]["workload"]["prompt"]: r for r in result.records}
    assert [by_prompt[p]["status"] for p in prompts] == ["ok", "error", "oom", "error", "timeout", "ok"]
    assert "deliberate failure" in by_prompt["raise"]["reason"]
    assert "RuntimeError" in by_prompt["raise"]["traceback"]
    assert "SIGABRT" in by_prompt["abort"]["reason"]
    assert "timeout_s = 30" in by_prompt["hang"]["reason"]
    assert by_prompt["oom"]["reason"]  # MemoryError under the RLIMIT
    # after each dead worker a fresh one ran the next run
    assert by_prompt["also fine"]["isolation"]["worker_pid"] != by_prompt["fine"]["isolation"]["worker_pid"]
    # and every record is on disk, one line each, loadable
    lines = result.path.read_text().splitlines()
    assert len(lines) == len(prompts)
    assert [json.loads(line)["status"] for line in lines] == [by_prompt[p]["status"] for p in prompts]
    df = load(result.path)
    assert sorted(df["status"]) == sorted(r["status"] for r in result.records)


def test_group_isolation_shares_a_worker_and_says_so(tmp_path):
    runs = runs_of(TINY_WAN, workload={"seeds": [0, 1]},
                   measure={"isolation": "group", "warmup": 0, "repeats": 1, "rel_ci": None, "flops": False})
    records = run_sweep(runs, out_dir=tmp_path).records
    assert [r["status"] for r in records] == ["ok", "ok"]
    first, second = (r["isolation"] for r in records)
    assert first["worker_pid"] == second["worker_pid"]
    assert (first["position_in_worker"], second["position_in_worker"]) == (0, 1)
    assert second["peaks_reset"] and "stays in the baseline" in second["note"]


def test_unsupported_combination_is_a_record_not_a_crash(tmp_path):
    runs = runs_of(TINY_WAN, optimizations={"offload": "model"}, measure={"device": "cpu"})
    record = run_sweep(runs, out_dir=tmp_path).records[0]
    assert record["status"] == "unsupported"  # not on this hardware: a result of the sweep
    assert "requires accelerator" in record["reason"]


def test_cuda_asked_for_but_absent_is_a_setup_error_not_a_crash(tmp_path):
    runs = runs_of(TINY_WAN, measure={"device": "cuda"})
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    record = run_sweep(runs, out_dir=tmp_path).records[0]
    assert record["status"] == "error"  # the run could not start: `vbench run --strict` fails on it
    assert "could not start" in record["reason"] and "no CUDA device" in record["reason"]
    assert record["verdict"]["verdict"] == "not_run"
