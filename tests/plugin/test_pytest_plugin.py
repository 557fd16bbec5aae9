"""The pytest plugin as CI uses it: cases from a scenario, pytest-benchmark JSON holding vbench's
record, a regression failing --benchmark-compare-fail, unsupported and gpu cases skipped with reasons."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CASE = """
import pytest

SCENARIO = {"name": "plugin", "model": {"family": "wan", "source": "tiny"},
            "workload": {"num_frames": 5, "height": 32, "width": 32, "num_inference_steps": 2},
            "measure": {"warmup": 1, "repeats": 3, "rel_ci": None, "flops": False}, "reference": {"enabled": False}}

@pytest.mark.vbench(SCENARIO)
def test_case(vbench_record):
    assert vbench_record["status"] == "ok"
"""


def _run(pytester, *args):
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", *args, timeout=600)


def test_cases_json_and_pytest_benchmark_compare(pytester):
    pytester.makepyfile(test_case=CASE)
    result = _run(pytester, "--benchmark-json=out.json")
    result.assert_outcomes(passed=1)
    data = json.loads((pytester.path / "out.json").read_text())
    bench = data["benchmarks"][0]
    assert bench["name"] == "test_case[wan-tiny]"
    record = bench["extra_info"]["vbench"]
    assert record["status"] == "ok" and record["timing"]["e2e"]["n"] == 3 == bench["stats"]["rounds"]
    assert "vbench" in data["machine_info"] and "torch" in data["machine_info"]["vbench"]
    metrics = bench["extra_info"]["vbench_metrics"]  # the record table's names, values and units
    assert metrics["latency"] == {"value": record["timing"]["e2e"]["median"], "unit": "s", "higher_is_better": False}
    assert metrics["peak_memory"]["value"] == record["memory"]["peak"]["bytes"]
    # pytest-benchmark's own CLI reads the file
    cli = Path(sys.executable).with_name("pytest-benchmark")
    shown = subprocess.run([str(cli), "compare", str(pytester.path / "out.json")], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    assert "test_case[wan-tiny]" in shown.stdout
    # and vbench reads it as results: load() and the HTML report
    from vbench.cli.main import main
    from vbench.results import load

    df = load(pytester.path / "out.json")
    assert list(df["run_id"]) == [record["run_id"]]
    assert df.loc[0, "pytest_benchmark.stats.rounds"] == 3
    assert main(["report", str(pytester.path / "out.json"), "-o", str(pytester.path / "r.html")]) == 0
    assert record["run_id"] in (pytester.path / "r.html").read_text()


def test_a_2x_slowdown_fails_the_compare(pytester):
    pytester.makepyfile(test_case=CASE)
    storage = f"file://{pytester.path / 'bench'}"
    _run(pytester, f"--benchmark-storage={storage}", "--benchmark-save=base").assert_outcomes(passed=1)
    # the same case on 16x the pixels: far more than twice as slow, whatever else the machine is doing
    slower = _run(pytester, f"--benchmark-storage={storage}", "--benchmark-compare=0001",
                  "--benchmark-compare-fail=median:20%", "--vbench-set", "workload.height=128",
                  "--vbench-set", "workload.width=128")
    assert slower.ret != 0
    assert "Performance has regressed" in slower.stdout.str() + slower.stderr.str()


def test_unsupported_and_gpu_cases_skip_with_reasons(pytester):
    pytester.makepyfile(test_case="""
import pytest

BASE = {"model": {"family": "wan", "source": "tiny"},
        "workload": {"num_frames": 5, "height": 32, "width": 32, "num_inference_steps": 1},
        "measure": {"warmup": 0, "repeats": 1, "rel_ci": None, "flops": False}, "reference": {"enabled": False}}

@pytest.mark.vbench({**BASE, "name": "offload", "optimizations": {"offload": "model"}})
def test_offload(vbench_record):
    pass

@pytest.mark.vbench({**BASE, "name": "on-gpu", "measure": {**BASE["measure"], "device": "cuda"}})
def test_on_gpu(vbench_record):
    pass

@pytest.mark.gpu
def test_marked_gpu():
    pass
""")
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = _run(pytester, "-rs")
    result.assert_outcomes(skipped=3)
    out = result.stdout.str()
    assert "unsupported:" in out
    assert out.count("needs a CUDA device") == 2


def test_a_scenario_error_is_a_usage_error(pytester):
    pytester.makepyfile(test_case="""
import pytest

@pytest.mark.vbench({"model": {"family": "wan"}, "workload": {"num_frames": 16}})
def test_bad(vbench_record):
    pass
""")
    result = _run(pytester)
    assert result.ret != 0
    assert "workload.num_frames" in result.stderr.str() + result.stdout.str()


def test_unknown_marker_keywords_are_a_usage_error(pytester):
    pytester.makepyfile(test_case=CASE.replace("@pytest.mark.vbench(SCENARIO)",
                                               "@pytest.mark.vbench(SCENARIO, sets=['workload.num_frames=9'])"))
    result = _run(pytester)
    assert result.ret != pytest.ExitCode.OK  # refused at collection, before anything runs
    result.stdout.fnmatch_lines(["*UsageError*@pytest.mark.vbench got unknown keyword argument(s) sets; "
                                 "it takes: set*"])
    assert "passed" not in result.stdout.str()
