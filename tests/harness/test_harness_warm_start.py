"""Workers start warm: forked from a forkserver that imported torch and diffusers but never
initialised CUDA, one process per run, with the parent's environment as it is at the run."""

from __future__ import annotations

from tests.harness.harness_cases import TINY_WAN, runs_of
from vbench.harness import run_sweep

MEASURE = {"repeats": 1, "warmup": 0, "flops": False, "isolation": "process"}


def test_process_isolation_forks_warm_workers_without_cuda(tmp_path):
    runs = runs_of(TINY_WAN, workload={"seeds": [0, 1]}, measure={**MEASURE, "rel_ci": None},
                   reference={"enabled": False})
    records = run_sweep(runs, out_dir=tmp_path).records
    assert [r["status"] for r in records] == ["ok", "ok"], [r.get("reason") for r in records]
    starts = [r["isolation"]["worker_start"] for r in records]
    if starts[0]["start_method"] == "spawn":  # an earlier test changed this process's environment
        assert "environment changed" in starts[0]["why"]
        return
    assert all(s["start_method"] == "forkserver" and s["preloaded"] and s["cuda_initialized"] is False
               for s in starts), starts
    assert "torch" in starts[0]["modules"] and "diffusers" in starts[0]["modules"]
    assert len({r["isolation"]["worker_pid"] for r in records}) == 2  # one process per run
    assert all(r["isolation"]["position_in_worker"] == 0 for r in records)


def test_a_changed_environment_starts_fresh_interpreters_that_see_it(tmp_path, monkeypatch):
    """The forkserver keeps the environment it started with (MALLOC_* cannot change in a fork):
    after a change, workers are spawned and see the environment as it is now."""
    from vbench.harness import launcher

    launcher.worker_context()  # the forkserver's environment is the current one
    monkeypatch.setenv("VBENCH_TEST_MARK", "set-after-the-forkserver-started")
    runs = runs_of(TINY_WAN, measure={**MEASURE, "rel_ci": None}, reference={"enabled": False})
    [record] = run_sweep(runs[:1], out_dir=tmp_path, hook="tests.harness.test_harness_warm_start:_see_env").records
    assert record["status"] == "ok", record.get("reason")
    start = record["isolation"]["worker_start"]
    assert start["start_method"] == "spawn" and "VBENCH_TEST_MARK" in start["why"]


def _see_env(spec):
    import os

    assert os.environ.get("VBENCH_TEST_MARK") == "set-after-the-forkserver-started"


def test_spawn_is_kept_as_the_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv("VBENCH_WORKER_START", "spawn")
    runs = runs_of(TINY_WAN, measure={**MEASURE, "rel_ci": None}, reference={"enabled": False})
    [record] = run_sweep(runs[:1], out_dir=tmp_path).records
    assert record["status"] == "ok"
    assert record["isolation"]["worker_start"] == {"start_method": "spawn", "preloaded": False,
                                                   "why": "VBENCH_WORKER_START=spawn"}
