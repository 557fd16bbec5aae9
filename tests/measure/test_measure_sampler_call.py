"""The sampling thread, peak-keeping decimation, integration, and CallTracker around a whole call."""

from __future__ import annotations

import gc
import json
import time

import numpy as np
import pytest
import torch

from vbench.measure import CallTracker
from vbench.measure.sampler import ThreadSampler, decimate, integrate_window, trapezoid


def test_sampler_reads_at_start_during_and_at_stop():
    counter = iter(range(10_000))
    sampler = ThreadSampler(lambda: {"n": next(counter), "missing": None}, interval_ms=5)
    sampler.start()
    time.sleep(0.1)
    sampler.stop()
    times, values = sampler.series("n")
    assert 8 <= len(values) <= 40
    assert values == sorted(values) and times[0] == 0.0
    assert sampler.series("missing") == ([], [])
    with pytest.raises(ValueError):
        ThreadSampler(lambda: {}, interval_ms=0)


@pytest.mark.parametrize("seed", range(5))
def test_decimate_keeps_the_peak(seed):
    rng = np.random.default_rng(seed)
    values = rng.random(5000).tolist()
    times = [i * 0.01 for i in range(5000)]
    out = decimate(times, values, max_points=100)
    assert len(out["values"]) == 100 and out["n_raw"] == 5000
    assert max(out["values"]) == max(values)
    assert out["t_s"] == sorted(out["t_s"])


def test_integration():
    assert trapezoid([0.0, 1.0, 3.0], [10.0, 10.0, 30.0]) == pytest.approx(10.0 + 40.0)
    assert trapezoid([0.0], [1.0]) is None
    times, watts = [0.0, 1.0, 2.0, 3.0], [100.0, 200.0, 200.0, 100.0]
    assert integrate_window(times, watts, 0.0, 3.0) == pytest.approx(trapezoid(times, watts))
    assert integrate_window(times, watts, 0.5, 1.5) == pytest.approx(0.5 * 175.0 + 0.5 * 200.0)
    assert integrate_window(times, watts, -1.0, 2.0) is None  # readings do not span the window


def test_call_tracker_on_cpu(resident_pages):
    tracker = CallTracker("cpu", interval_ms=5)
    tracker.start()
    with tracker.stage("text_encode"):
        time.sleep(0.02)
    with tracker.stage("denoise"):
        for i in range(3):
            x = torch.randn(512, 512)
            (x @ x).sum()
            time.sleep(0.01)
            tracker.step_callback(None, i, 0, {})
    with tracker.stage("vae_decode"):
        buffer = resident_pages(64 * 2**20)
        time.sleep(0.03)
        buffer.close()
    result = tracker.stop()
    data = json.loads(json.dumps(result.to_dict()))
    timing = result.timing
    assert len(timing.steps) == 3
    assert sum(s.seconds for s in timing.stages.values()) == pytest.approx(timing.e2e_s, rel=0.05)
    host = data["memory"]["host"]
    assert host["delta_rss_bytes"] >= 50 * 2**20
    assert host["stages"]["vae_decode"]["delta_rss_bytes"] >= 50 * 2**20
    assert host["stages"]["text_encode"]["delta_rss_bytes"] < 8 * 2**20
    if not torch.cuda.is_available():
        assert data["memory"]["allocator"]["unavailable"] == {"allocator": "no CUDA device"}
        assert data["memory"]["nvml"]["device_used_peak_bytes"] is None
        assert data["energy"]["energy_j"] is None and data["energy"]["unavailable"]["energy"] == "no CUDA device"


def test_call_tracker_without_samplers():
    tracker = CallTracker("cpu", samplers=False)
    tracker.start()
    tracker.step()
    result = tracker.stop()
    assert result.memory["host"] == {"unavailable": {"host": "samplers were off"}}
    assert len(result.timing.steps) == 1


@pytest.mark.parametrize("collect", [True, False])
def test_call_tracker_collects_earlier_garbage_before_its_baseline(collect, resident_pages):
    """Cyclic garbage left by earlier code is freed before the baseline, not inside the call,
    where it would lower RSS under the baseline and hide the call's own rise; ``collect=False``
    leaves that to the caller."""
    import psutil

    class Cycle:
        pass

    gc.collect()
    gc.disable()  # no automatic collection may free the cycle before the tracker starts
    try:
        garbage = Cycle()
        garbage.self, garbage.data = garbage, resident_pages(128 * 2**20)
        del garbage
        with_garbage = psutil.Process().memory_info().rss
        tracker = CallTracker("cpu", interval_ms=5)
        tracker.start(collect=collect)
        result = tracker.stop()
    finally:
        gc.enable()
        gc.collect()
    baseline = result.memory["host"]["baseline_rss_bytes"]
    if collect:
        assert baseline <= with_garbage - 100 * 2**20
    else:
        assert baseline >= with_garbage - 8 * 2**20
