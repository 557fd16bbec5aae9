"""On a CUDA device the harness times with CUDA events and reads allocator peaks, NVML and energy.

These run only where a GPU is present; elsewhere they skip with the reason.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from harness_cases import TINY_WAN, runs_of  # noqa: E402

from vbench.harness import run_sweep  # noqa: E402

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    runs = runs_of(TINY_WAN, workload={"height": 64, "width": 64, "num_frames": 9},
                   measure={"device": "cuda", "repeats": 3})
    rec = run_sweep(runs, out_dir=tmp_path_factory.mktemp("gpu")).records[0]
    assert rec["status"] == "ok", rec.get("traceback")
    return rec


def test_cuda_events_time_the_call(record):
    t = record["timing"]
    assert t["clock"] == "cuda_events" and record["device"].startswith("cuda")
    for i, e2e in enumerate(t["e2e"]["samples"]):
        assert sum(t["steps"]["per_call"][i]) < e2e


def test_allocator_peaks_are_read_and_weights_are_apart(record):
    alloc = record["memory"]["allocator"]
    assert alloc["peak_allocated_bytes"] >= alloc["baseline_allocated_bytes"] > 0
    assert alloc["activation_peak_bytes"] == alloc["peak_allocated_bytes"] - alloc["baseline_allocated_bytes"]
    assert alloc["peak_reserved_bytes"] >= alloc["peak_allocated_bytes"]
    assert "vae_decode" in alloc["stages"]


def test_nvml_memory_and_energy_are_read_or_say_why(record):
    mem, energy = record["memory"], record["energy"]
    if mem["nvml"] is not None:
        assert mem["nvml"]["device_used_peak_bytes"] > 0
    else:
        assert mem["unavailable"]["device_used"]
    if energy["joules_per_call"] is not None:
        assert energy["joules_per_call"]["median"] > 0
    else:
        assert energy["unavailable"]["energy"]
