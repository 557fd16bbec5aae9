"""Shared fixtures for the measure tests: a fake NVML that lets the GPU code paths run on a CPU,
and fresh resident pages for the host-memory tests."""

from __future__ import annotations

import mmap
import os
import time
from types import SimpleNamespace

import numpy as np
import pytest

from vbench.measure import nvml


class NVMLError(Exception):
    pass


class FakeNvml:
    """Just enough of pynvml: memory, processes, power, an energy counter, handles by UUID / PCI / index."""

    def __init__(self, n_devices: int = 4):
        self.devices = [SimpleNamespace(index=i, uuid=f"GPU-00000000-0000-0000-0000-00000000000{i}",
                                        pci=SimpleNamespace(domain=0, bus=0x10 + i, device=0))
                        for i in range(n_devices)]
        self.used = 3 * 2**30
        self.processes = [SimpleNamespace(pid=os.getpid(), usedGpuMemory=2 * 2**30),
                          SimpleNamespace(pid=1, usedGpuMemory=2**30)]
        self.watts = 100.0
        self.energy_advances = True
        self.fail: dict[str, Exception] = {}
        self._t0 = time.perf_counter()

    def _maybe_fail(self, name: str) -> None:
        if name in self.fail:
            raise self.fail[name]

    def nvmlDeviceGetHandleByUUID(self, uuid):
        self._maybe_fail("nvmlDeviceGetHandleByUUID")
        for dev in self.devices:
            if dev.uuid == uuid:
                return dev
        raise NVMLError("Not Found")

    def nvmlDeviceGetCount(self):
        return len(self.devices)

    def nvmlDeviceGetHandleByIndex(self, i):
        return self.devices[i]

    def nvmlDeviceGetPciInfo(self, handle):
        return handle.pci

    def nvmlDeviceGetMemoryInfo(self, handle):
        self._maybe_fail("nvmlDeviceGetMemoryInfo")
        return SimpleNamespace(used=self.used, total=80 * 2**30, free=80 * 2**30 - self.used)

    def nvmlDeviceGetComputeRunningProcesses(self, handle):
        self._maybe_fail("nvmlDeviceGetComputeRunningProcesses")
        return list(self.processes)

    def nvmlDeviceGetPowerUsage(self, handle):
        self._maybe_fail("nvmlDeviceGetPowerUsage")
        return int(self.watts * 1000)

    def nvmlDeviceGetTotalEnergyConsumption(self, handle):
        self._maybe_fail("nvmlDeviceGetTotalEnergyConsumption")
        if not self.energy_advances:
            return 123_456
        return int((time.perf_counter() - self._t0) * self.watts * 1000)  # millijoules at constant power

    def nvmlSystemGetDriverVersion(self):
        return "550.54.15"


@pytest.fixture
def fake_nvml(monkeypatch):
    """Install a FakeNvml as the initialised NVML module (restored after the test)."""
    fake = FakeNvml()
    monkeypatch.setattr(nvml, "_state", {"tried": True, "module": fake, "reason": None})
    return fake


@pytest.fixture
def on_fake_gpu(monkeypatch, fake_nvml):
    """Make the NVML-based trackers treat the CPU device as a GPU whose NVML handle is fake device 0."""
    import vbench.measure.energy as energy
    import vbench.measure.nvml_sampler as nvml_sampler

    for module in (energy, nvml_sampler):
        monkeypatch.setattr(module, "nvml_unavailable", lambda dev: None)
    monkeypatch.setattr(nvml, "handle", lambda index: (fake_nvml.devices[0], "uuid", None))
    return fake_nvml


def _resident(nbytes: int) -> mmap.mmap:
    pages = mmap.mmap(-1, nbytes)
    np.frombuffer(pages, dtype=np.uint8).fill(1)
    return pages


@pytest.fixture
def resident_pages():
    """``resident_pages(nbytes)``: an anonymous mapping with every page written, so ``nbytes`` of new
    resident memory, unmapped when closed or freed. A NumPy array may instead reuse heap memory that
    glibc kept resident after an earlier test freed it, which leaves RSS where it was."""
    return _resident
