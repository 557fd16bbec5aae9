"""Every precision mode on the tiny model (scenarios/precision.yaml): speed next to the relative
error against fp32 that the record states; modes this machine cannot run are skips with the reason."""

import pytest
from bench_paths import SCENARIOS


@pytest.mark.vbench(SCENARIOS / "precision.yaml", set=["measure.repeats=2", "measure.rel_ci=null", "reference.enabled=false"])
def test_precision(vbench_record):
    precision = vbench_record["applied"]["precision"]
    assert precision["mode"] == vbench_record["spec"]["optimizations"]["precision"]
