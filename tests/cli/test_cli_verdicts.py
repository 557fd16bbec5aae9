"""The ``vbench run`` summary: every run with its budget verdict when the scenario sets a budget, and a
line naming the fastest run that fits (or why none does); memory in one unit family."""

from __future__ import annotations

import re

import pytest
import yaml

from vbench.cli.main import main
from vbench.cli.run_summary import answer

pytestmark = pytest.mark.slow

TINY = {"model": {"family": "wan", "source": "tiny"},
        "workload": {"num_frames": 5, "height": 32, "width": 32, "num_inference_steps": 2},
        "sweep": {"product": {"precision": ["fp32", "bf16"]}},
        "measure": {"warmup": 0, "repeats": 1, "rel_ci": None, "isolation": "inline", "flops": False}}


def run(tmp_path, capsys, **sections) -> list[str]:
    path = tmp_path / "budget.yaml"
    path.write_text(yaml.safe_dump({**TINY, **sections}))
    assert main(["run", str(path), "--out", str(tmp_path / "r")]) == 0
    return capsys.readouterr().out.splitlines()


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("│")[1:-1]]


def test_verdict_column_and_the_fastest_run_that_fits(tmp_path, capsys):
    # the fp32 run is the quality reference (its floors hold); bf16 cannot reach a PSNR of 200 dB
    out = run(tmp_path, capsys, limits={"memory_budget_gb": 64, "min_quality": {"psnr": 200}}, metrics=["psnr"])
    header = [c.strip() for c in next(ln for ln in out if ln.startswith("┃")).split("┃")[1:-1]]
    assert header == ["run", "status", "median", "fps", "peak memory", "psnr", "verdict"]
    rows = {cells(ln)[0]: cells(ln) for ln in out if ln.startswith("│")}
    fp32, bf16 = rows["wan-tiny-fp32 (reference)"], rows["wan-tiny-bf16"]
    assert fp32[-2:] == ["reference", "fits"]
    assert bf16[-1].startswith("below_quality: PSNR ") and bf16[-1].endswith("is not >= 200")
    assert re.fullmatch(r"\d+(\.\d+)? (MiB|GiB)", fp32[4]), fp32[4]  # vbench.units, not MB or raw bytes
    (line,) = [ln for ln in out if ln.startswith("fastest")]
    assert line.startswith("fastest within the budget (memory 64.0 GiB, psnr >= 200): wan-tiny-fp32 (reference) — ")


def test_no_run_fits_says_why(tmp_path, capsys):
    out = run(tmp_path, capsys, limits={"memory_budget_gb": 0.001})  # 1 MiB: nothing fits
    (line,) = [ln for ln in out if ln.startswith("no run fits")]
    assert line.startswith("no run fits the budget (memory 1.02 MiB): 2 over_memory_budget; the fastest, wan-tiny-")
    assert "is over the 1.02 MiB budget" in line


def test_without_a_budget_the_verdict_column_is_left_out(tmp_path, capsys):
    out = run(tmp_path, capsys)
    header = next(ln for ln in out if ln.startswith("┃"))
    assert "verdict" not in header and "peak memory" in header
    (line,) = [ln for ln in out if ln.startswith("fastest: ")]
    assert "no budget set" in line


def test_answer_counts_every_kind_of_miss():
    ok = {"status": "ok", "run_id": "a", "label": "fast", "timing": {"e2e": {"median": 1.0}}}
    slow = {**ok, "run_id": "b", "label": "slow", "timing": {"e2e": {"median": 2.0}}}
    failed = {"status": "oom", "run_id": "c", "label": "big", "reason": "CUDA out of memory"}
    verdicts = [{"verdict": "over_memory_budget", "reasons": ["peak memory 30.0 GiB is over the 24.0 GiB budget"]},
                {"verdict": "unknown", "reasons": ["PSNR unknown (not scored yet), floor >= 30"]},
                {"verdict": "not_run", "reasons": ["status oom: CUDA out of memory"]}]
    text = answer([ok, slow, failed], verdicts, {"memory_budget_gb": 24, "min_quality": {"psnr": 30}})
    assert text == ("[red]no run fits the budget[/] (memory 24.0 GiB, psnr >= 30): 1 not_run, 1 over_memory_budget, "
                    "1 unknown; the fastest, fast: peak memory 30.0 GiB is over the 24.0 GiB budget")
