"""Host RSS, the CUDA allocator and NVML memory: real on the CPU, GPU paths through a fake NVML."""

from __future__ import annotations

import json
import time

import pytest
import torch

from vbench.measure import AllocatorMemory, HostMemory, NvmlSampler

MB = 2**20
needs_no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA path")


def test_host_peak_sees_a_200mb_buffer_and_baseline_excludes_it(resident_pages):
    host = HostMemory(interval_ms=5)
    host.start()
    buffer = resident_pages(200 * MB)
    time.sleep(0.1)
    buffer.close()
    host.stop()
    r = host.result()
    assert r["unavailable"] == {}
    assert r["delta_rss_bytes"] >= 180 * MB
    assert r["peak_rss_bytes"] - r["baseline_rss_bytes"] == r["delta_rss_bytes"]
    assert r["n_samples"] >= 5
    assert r["peak_source"] in ("VmHWM (reset at start)", "sampled", "ru_maxrss")
    assert r["ru_maxrss_bytes"] >= r["peak_rss_bytes"] - 16 * MB
    assert "lifetime" in r["ru_maxrss_note"]
    assert max(r["timeline"]["values"]) >= r["baseline_rss_bytes"] + 180 * MB
    json.dumps(r)


def test_host_memory_not_started_is_unavailable_not_zero():
    r = HostMemory().result()
    assert r["peak_rss_bytes"] is None and "rss" in r["unavailable"]


@needs_no_cuda
@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_allocator_on_cpu_is_unavailable_with_a_reason(device):
    mem = AllocatorMemory(device)
    mem.start()
    with mem.stage("denoise"):
        pass
    mem.stop()
    r = mem.result()
    for key in ("baseline_allocated_bytes", "peak_allocated_bytes", "peak_reserved_bytes", "activation_peak_bytes"):
        assert r[key] is None
    assert r["unavailable"]["allocator"] == "no CUDA device"
    assert r["stages"] == {}


@needs_no_cuda
def test_nvml_sampler_on_cpu_is_unavailable_with_reasons():
    sampler = NvmlSampler("cpu", interval_ms=5)
    sampler.start()
    time.sleep(0.02)
    sampler.stop()
    r = sampler.result()
    assert set(r["unavailable"]) == {"device_used", "process_used", "power"}
    assert all(reason == "no CUDA device" for reason in r["unavailable"].values())
    assert r["device_used_peak_bytes"] is None and r["process_used_peak_bytes"] is None and r["power_w"] is None
    assert r["n_samples"] == 0


def _sample(sampler: NvmlSampler, seconds: float = 0.05) -> dict:
    sampler.start()
    time.sleep(seconds)
    sampler.stop()
    return sampler.result()


def test_nvml_sampler_reads_device_process_memory_and_power(on_fake_gpu):
    on_fake_gpu.used = 5 * 2**30
    sampler = NvmlSampler("cpu", interval_ms=5)
    sampler.start()
    on_fake_gpu.used = 7 * 2**30  # the peak, seen by the thread
    time.sleep(0.05)
    on_fake_gpu.used = 5 * 2**30
    sampler.stop()
    r = sampler.result()
    assert r["unavailable"] == {}
    assert r["device_used_baseline_bytes"] == 5 * 2**30
    assert r["device_used_peak_bytes"] == 7 * 2**30
    assert r["device_used_delta_bytes"] == 2 * 2**30
    assert r["process_used_peak_bytes"] == 2 * 2**30  # only this PID's entry
    assert r["power_w"]["mean"] == pytest.approx(100.0) and r["power_w"]["unit"] == "W"
    assert r["n_samples"] >= 5 and r["handle_via"] == "uuid"
    json.dumps(r)


def test_process_memory_in_a_container_is_unavailable_with_the_reason(on_fake_gpu):
    on_fake_gpu.processes = [type(p)(pid=p.pid + 10_000_000, usedGpuMemory=p.usedGpuMemory)
                             for p in on_fake_gpu.processes]
    r = _sample(NvmlSampler("cpu", interval_ms=2), 0.15)
    assert r["process_used_peak_bytes"] is None
    assert "container" in r["unavailable"]["process_used"]
    assert r["device_used_peak_bytes"] == on_fake_gpu.used  # the other sources go on


def test_process_memory_not_reported_and_power_not_supported(on_fake_gpu):
    on_fake_gpu.processes[0].usedGpuMemory = None
    on_fake_gpu.fail["nvmlDeviceGetPowerUsage"] = RuntimeError("Not Supported")
    r = _sample(NvmlSampler("cpu", interval_ms=5))
    assert "per-process memory" in r["unavailable"]["process_used"]
    assert "Not Supported" in r["unavailable"]["power"] and r["power_w"] is None
    assert r["device_used_peak_bytes"] is not None


class FakeAllocator:
    """torch.cuda's allocator statistics, driven by the test."""

    def __init__(self, allocated: int):
        self.allocated = self.peak = allocated
        self.reserved = self.peak_reserved = allocated
        self.resets = 0

    def alloc(self, n: int) -> None:
        self.allocated += n
        self.reserved = max(self.reserved, self.allocated)
        self.peak = max(self.peak, self.allocated)
        self.peak_reserved = max(self.peak_reserved, self.reserved)

    def memory_allocated(self, dev):
        return self.allocated

    def memory_reserved(self, dev):
        return self.reserved

    def max_memory_allocated(self, dev):
        return self.peak

    def max_memory_reserved(self, dev):
        return self.peak_reserved

    def reset_peak_memory_stats(self, dev):
        self.resets += 1
        self.peak, self.peak_reserved = self.allocated, self.reserved

    def memory_stats(self, dev):
        return {"num_alloc_retries": self.resets // 100, "num_ooms": 0}


def test_allocator_peaks_per_stage_nested_and_repeated(monkeypatch):
    weights = 1000 * MB
    fake = FakeAllocator(weights)
    mem = AllocatorMemory("cpu")
    monkeypatch.setattr(mem, "_reason", None)
    monkeypatch.setattr(mem, "_torch", lambda: fake)
    fake.alloc(50 * MB)  # a peak before the call must not count
    fake.alloc(-50 * MB)
    mem.start()
    with mem.stage("text_encode"):
        fake.alloc(200 * MB)
        fake.alloc(-200 * MB)
    with mem.stage("denoise"):
        fake.alloc(100 * MB)
        with mem.stage("attention"):
            fake.alloc(400 * MB)  # denoise's peak lies inside the nested stage
            fake.alloc(-400 * MB)
        fake.alloc(-100 * MB)
    for size in (300, 100):
        with mem.stage("vae_decode"):
            fake.alloc(size * MB)
            fake.alloc(-size * MB)
    fake.alloc(30 * MB)  # outside any stage, still the call's
    mem.stop()
    r = mem.result()
    assert r["unavailable"] == {}
    assert r["baseline_allocated_bytes"] == weights
    assert r["peak_allocated_bytes"] == weights + 500 * MB
    assert r["activation_peak_bytes"] == 500 * MB
    stages = r["stages"]
    assert stages["text_encode"]["activation_peak_bytes"] == 200 * MB
    assert stages["attention"]["activation_peak_bytes"] == 500 * MB
    assert stages["denoise"]["activation_peak_bytes"] == 500 * MB
    assert stages["vae_decode"] == {"peak_allocated_bytes": weights + 300 * MB,
                                    "peak_reserved_bytes": weights + 500 * MB, "count": 2,
                                    "activation_peak_bytes": 300 * MB}
    assert r["peak_reserved_bytes"] == weights + 500 * MB
    assert r["alloc_retries"] == 0
    json.dumps(r)
