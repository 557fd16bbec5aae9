"""The README's quickstart as a benchmark: tiny Wan, fp32 vs bf16, 2 vs 4 steps, on any machine."""

import pytest
from bench_paths import SCENARIOS


@pytest.mark.vbench(SCENARIOS / "quickstart.yaml", set=["measure.min_seconds=0"])
def test_quickstart(vbench_record):
    timing = vbench_record["timing"]
    assert timing["e2e"]["n"] == len(timing["e2e"]["samples"]) >= 1
    assert timing["steps"]["tracked"]
