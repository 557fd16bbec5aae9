"""The CUDA and NVML paths on a real GPU; every test here skips without CUDA."""

from __future__ import annotations

import json
import time

import pytest
import torch

from vbench import nvml
from vbench.measure import AllocatorMemory, CallTracker, EnergyMeter, NvmlSampler, StageClock

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]

MB = 2**20


def _work(x: torch.Tensor, n: int) -> torch.Tensor:
    for _ in range(n):
        x = x @ x
        x = x / x.norm()
    return x


@pytest.fixture(scope="module")
def matrix():
    x = torch.randn(4096, 4096, device="cuda")
    _work(x, 3)
    torch.cuda.synchronize()
    return x


def _reference_seconds(x: torch.Tensor, n: int) -> float:
    torch.cuda.synchronize()
    t = time.perf_counter()
    _work(x, n)
    torch.cuda.synchronize()
    return time.perf_counter() - t


def test_cuda_events_agree_with_synchronize_and_perf_counter(matrix):
    reference = min(_reference_seconds(matrix, 40) for _ in range(3))
    clock = StageClock("cuda")
    assert clock.uses_events
    clock.start()
    with clock.stage("work"):
        _work(matrix, 40)
    timing = clock.stop()
    assert timing.method == "cuda_events" and timing.device.startswith("cuda:")
    assert timing.stages["work"].seconds == pytest.approx(reference, rel=0.15)
    assert timing.e2e_events_s == pytest.approx(timing.e2e_s, rel=0.05, abs=2e-3)


def test_steps_measure_gpu_time_not_the_hosts_enqueue_time(matrix):
    per_step = min(_reference_seconds(matrix, 10) for _ in range(3))
    clock = StageClock("cuda")
    clock.start()
    host_start = time.perf_counter()
    with clock.stage("denoise"):
        for _ in range(5):
            _work(matrix, 10)
            clock.step()  # no synchronize: the host runs ahead of the GPU
    host_enqueue = time.perf_counter() - host_start
    timing = clock.stop()
    assert len(timing.steps) == 5
    assert sum(timing.steps) == pytest.approx(timing.stages["denoise"].seconds, rel=0.02)
    assert all(s == pytest.approx(per_step, rel=0.3) for s in timing.steps)
    if host_enqueue < 0.5 * sum(timing.steps):  # the GPU work really was asynchronous
        assert timing.stages["denoise"].seconds > host_enqueue


def test_allocator_peaks_per_stage_and_weights_baseline():
    weights = torch.empty(256 * MB, dtype=torch.uint8, device="cuda")
    mem = AllocatorMemory("cuda")
    mem.start()
    with mem.stage("big"):
        big = torch.empty(512 * MB, dtype=torch.uint8, device="cuda")
        del big
    with mem.stage("small"):
        small = torch.empty(64 * MB, dtype=torch.uint8, device="cuda")
        del small
    mem.stop()
    r = mem.result()
    assert r["unavailable"] == {}
    assert r["baseline_allocated_bytes"] >= weights.numel()
    assert r["stages"]["big"]["activation_peak_bytes"] >= 512 * MB
    assert r["stages"]["big"]["peak_allocated_bytes"] >= r["baseline_allocated_bytes"] + 512 * MB
    assert 64 * MB <= r["stages"]["small"]["activation_peak_bytes"] < 512 * MB
    assert r["activation_peak_bytes"] >= 512 * MB
    assert r["peak_reserved_bytes"] >= r["peak_allocated_bytes"]
    json.dumps(r)
    del weights


def _nvml_or_skip():
    module, reason = nvml.nvml()
    if module is None:
        pytest.skip(reason)


def test_nvml_handle_is_the_torch_device():
    _nvml_or_skip()
    index = torch.cuda.current_device()
    handle, how, reason = nvml.handle(index)
    assert reason is None, reason
    uid = nvml.torch_uuid(torch.cuda.get_device_properties(index))
    if how == "uuid" and uid:
        nvml_uuid, _ = nvml.call("nvmlDeviceGetUUID", handle)
        nvml_uuid = nvml_uuid.decode() if isinstance(nvml_uuid, bytes) else nvml_uuid
        assert nvml_uuid.lower().endswith(uid)
    name, _ = nvml.call("nvmlDeviceGetName", handle)
    name = name.decode() if isinstance(name, bytes) else name
    assert name == torch.cuda.get_device_name(index)


def test_nvml_process_and_device_memory_are_positive(matrix):
    _nvml_or_skip()
    sampler = NvmlSampler("cuda", interval_ms=10)
    held = torch.empty(512 * MB, dtype=torch.uint8, device="cuda")
    sampler.start()
    _work(matrix, 20)
    torch.cuda.synchronize()
    time.sleep(0.1)
    sampler.stop()
    r = sampler.result()
    assert r["device_used_peak_bytes"] > 512 * MB
    if r["process_used_peak_bytes"] is None:
        pytest.skip(f"per-process memory unavailable: {r['unavailable']['process_used']}")
    assert r["process_used_peak_bytes"] >= held.numel()
    del held


def test_energy_is_positive(matrix):
    _nvml_or_skip()
    sampler = NvmlSampler("cuda", interval_ms=10)
    meter = EnergyMeter("cuda", power=sampler)
    sampler.start()
    meter.start()
    deadline = time.perf_counter() + 1.5
    while time.perf_counter() < deadline:
        _work(matrix, 20)
        torch.cuda.synchronize()
    meter.stop()
    sampler.stop()
    r = meter.result()
    assert r["energy_j"] is not None, r["unavailable"]
    assert r["energy_j"] > 0 and r["method"] in ("nvml_energy_counter", "power_integral")
    assert 5.0 < r["mean_power_w"] < 3000.0


def test_call_tracker_on_cuda_is_complete_json(matrix):
    tracker = CallTracker("cuda")
    tracker.start()
    with tracker.stage("denoise"):
        for _ in range(3):
            _work(matrix, 5)
            tracker.step()
    data = tracker.stop().to_dict()
    json.dumps(data)
    assert data["timing"]["method"] == "cuda_events"
    assert data["memory"]["allocator"]["peak_allocated_bytes"] > 0
    for source in ("allocator", "nvml", "host"):
        block = data["memory"][source]
        assert all(isinstance(reason, str) and reason for reason in block["unavailable"].values())
