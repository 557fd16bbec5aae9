"""The pipeline is frozen out of the collector while a run measures (so the collection before each
call scans only new objects), and given back afterwards, whatever happened."""

from __future__ import annotations

import gc

from tests.harness.harness_cases import TINY_WAN, runs_of
from vbench.harness.execute import execute_run, repeat_loop


def test_the_pipeline_is_frozen_while_measuring_and_released_after():
    [run] = runs_of(TINY_WAN, measure={"repeats": 1, "warmup": 0, "flops": False})
    seen = {}

    def probe(runner, measure, on_warm):
        seen["frozen"] = gc.get_freeze_count()
        return repeat_loop(runner, measure, on_warm)

    record = execute_run(run.model_dump(mode="json"), loop=probe)
    assert record["status"] == "ok", record.get("reason")
    assert seen["frozen"] > 10_000  # torch, diffusers and the pipeline sit in the permanent generation
    assert gc.get_freeze_count() == 0  # handed back to the collector


def test_a_failing_run_unfreezes_too():
    [run] = runs_of(TINY_WAN, measure={"repeats": 1, "warmup": 0, "flops": False})

    def boom(runner, measure, on_warm):
        assert gc.get_freeze_count() > 0
        raise RuntimeError("a call failed")

    record = execute_run(run.model_dump(mode="json"), loop=boom)
    assert record["status"] == "error" and "a call failed" in record["reason"]
    assert gc.get_freeze_count() == 0
