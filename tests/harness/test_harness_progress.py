"""Progress from wherever a run executes to the parent's console, and what a run prints into its record."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from harness_cases import TINY_WAN, runs_of
from rich.console import Console

from vbench.harness import progress, run_sweep
from vbench.harness.execute import execute_run
from vbench.harness.progress import ProgressView, describe

pytestmark = pytest.mark.slow
HERE = Path(__file__).parent
QUIET = {"warmup": 0, "repeats": 1, "rel_ci": None, "flops": False}


def plain_console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=10_000), buffer


def test_the_measuring_loop_reports_each_call_and_then_its_precision():
    (run,) = runs_of(TINY_WAN, measure={"warmup": 2, "repeats": 3, "rel_ci": 0.5, "max_repeats": 6, "flops": False})
    events: list[dict] = []
    previous = progress.set_sink(events.append)
    try:
        record = execute_run(run.to_dict())
    finally:
        progress.set_sink(previous)
    assert record["status"] == "ok"
    assert [e["phase"] for e in events[:2]] == ["load", "warm-up"] and events[1]["calls"] == 2
    calls = [e for e in events if e["phase"] == "measuring"]
    assert [e["call"] for e in calls] == list(range(1, len(record["timing"]["e2e"]["samples"]) + 1))
    assert all(e["rel_ci"] is None for e in calls[:3])  # before the minimum: no precision claimed
    assert all(e["rel_ci"] is not None and e["target"] == 0.5 for e in calls[3:])
    assert describe(calls[0]) == "measuring: call 1 (at least 3, then until the median is within ±50.0 %)"


def test_without_a_sink_progress_costs_nothing():
    assert progress.set_sink(None) is None
    progress.measuring([], {"repeats": 1, "rel_ci": 0.02})  # no sink: nothing computed, nothing raised


def test_workers_send_progress_over_their_pipe_and_keep_what_they_print(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))
    runs = runs_of(TINY_WAN, workload={"prompts": ["one", "two"]}, measure={**QUIET, "isolation": "group"})
    console, buffer = plain_console()
    result = run_sweep(runs, out_dir=tmp_path, console=console, hook="noise:noise")
    shown = buffer.getvalue()
    for n, label in ((1, "wan-tiny"), (2, "wan-tiny-2")):  # the second prompt's label is told apart
        lines = [ln for ln in shown.splitlines() if ln.startswith(f"[{n}/2] {label}: ")]
        assert [ln.split(": ", 1)[1][:10] for ln in lines] == ["load", "measuring:", "ok median "], lines
    assert "deprecation" not in shown and "_pytree" not in shown and "torchao" not in shown
    for record in result.records:
        kept = "\n".join(record["env"]["warnings"])
        assert "FutureWarning: a deprecation printed at import" in kept
        assert "a logging line of torch" in kept and "(native write)" in kept


def test_a_dead_worker_leaves_its_last_lines_in_the_record(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))
    runs = runs_of(TINY_WAN, workload={"prompts": ["abort"]}, measure={**QUIET, "isolation": "process"})
    (record,) = run_sweep(runs, out_dir=tmp_path, hook="noise:noise").records
    assert record["status"] == "error" and "SIGABRT" in record["reason"]
    assert "the worker's last output:" in record["traceback"] and "(native write)" in record["traceback"]
    assert record["verdict"]["verdict"] == "not_run"


def test_on_a_terminal_the_phase_is_redrawn_in_place():
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120)
    with ProgressView(console, 2, refresh=False) as view:
        view.begin(1, "wan-tiny-bf16")
        view.event({"phase": "measuring", "call": 7, "repeats": 5, "target": 0.02, "rel_ci": 0.031})
    drawn = buffer.getvalue()
    assert "\x1b[" in drawn or "\r" in drawn  # cursor control: the line is updated, not appended
    assert "[1/2] wan-tiny-bf16: measuring: call 7, median ±3.1 % (target ±2.0 %)" in drawn


def test_plain_output_prints_a_line_per_phase_change_and_a_heartbeat(monkeypatch):
    console, buffer = plain_console()
    clock = iter([0.0, 1.0, 2.0, 40.0])
    monkeypatch.setattr(progress.time, "monotonic", lambda: next(clock))
    view = ProgressView(console, 1)
    with view:
        view.begin(1, "run")
        for k in (1, 2, 3, 4):
            view.event({"phase": "measuring", "call": k, "repeats": 1, "target": 0.02, "rel_ci": 0.1})
    lines = buffer.getvalue().splitlines()
    assert lines == ["[1/1] run: measuring: call 1, median ±10.0 % (target ±2.0 %)",
                     "[1/1] run: measuring: call 4, median ±10.0 % (target ±2.0 %)"]  # 30 s later: still alive
