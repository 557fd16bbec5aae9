"""Fixtures of the metric tests: seeded inputs, and the real weights (skipped with the reason when absent)."""

from __future__ import annotations

import pytest

from vbench.metrics.weights import WEIGHTS, WeightsMissing, require


def _weights(name: str) -> None:
    try:
        require(name)
    except WeightsMissing as exc:
        pytest.skip(f"needs the real {name} weights, which this machine has not fetched: {exc} "
                    "(CI fetches them in .ci/run)")


@pytest.fixture
def lpips_weights():
    _weights("lpips")


@pytest.fixture
def i3d_weights():
    _weights("i3d")


@pytest.fixture
def no_weights(tmp_path, monkeypatch):
    """An empty weights cache: every network is missing."""
    monkeypatch.setenv("VBENCH_CACHE", str(tmp_path / "empty-cache"))
    from vbench.metrics import fvd, lpips_alex

    lpips_alex._build.cache_clear()
    fvd._builtin.cache_clear()
    yield WEIGHTS
    lpips_alex._build.cache_clear()
    fvd._builtin.cache_clear()
