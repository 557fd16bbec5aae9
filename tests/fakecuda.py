"""A fake CUDA device and a fake NVML, so the GPU code paths run on a CPU in CI.

:class:`FakeCuda` stands in for the parts of ``torch.cuda`` that vbench reads: device properties,
the caching allocator's counters (allocated, reserved, their peaks and resets), ``mem_get_info``,
events and synchronize. Its allocator is scripted by the test (:meth:`FakeCuda.allocate`,
:meth:`FakeCuda.free`), so a test knows the exact peaks the trackers must report. :class:`FakeNvml`
stands in for ``pynvml``: device memory, this process's memory, power and an energy counter.
Tensors stay on the CPU; only what vbench *reads about* the device is faked. The ``fake_gpu``
fixture (``tests/conftest.py``) installs both for one test.
"""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

GIB = 2**30


class NVMLError(Exception):
    pass


def uuid_of(index: int) -> str:
    return f"GPU-00000000-0000-0000-0000-{index:012d}"


class FakeNvml:
    """Just enough of pynvml: memory, processes, power, an energy counter, handles by UUID / PCI / index."""

    def __init__(self, n_devices: int = 4):
        self.devices = [SimpleNamespace(index=i, uuid=uuid_of(i), pci=SimpleNamespace(domain=0, bus=0x10 + i, device=0))
                        for i in range(n_devices)]
        self.used = 3 * GIB
        self.processes = [SimpleNamespace(pid=os.getpid(), usedGpuMemory=2 * GIB),
                          SimpleNamespace(pid=1, usedGpuMemory=GIB)]
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
        return SimpleNamespace(used=self.used, total=80 * GIB, free=80 * GIB - self.used)

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


class FakeEvent:
    """``torch.cuda.Event(enable_timing=True)``: records the host clock; elapsed time in ms."""

    def __init__(self, enable_timing: bool = False):
        self.t: float | None = None

    def record(self, stream=None) -> None:
        self.t = time.perf_counter()

    def synchronize(self) -> None:
        pass

    def elapsed_time(self, end: FakeEvent) -> float:
        return (end.t - self.t) * 1000.0


class FakeCuda:
    """The ``torch.cuda`` functions vbench calls, over devices whose allocator the test scripts."""

    def __init__(self, n_devices: int = 1, name: str = "NVIDIA H100 80GB HBM3", total: int = 80 * GIB):
        self.name, self.total, self.n = name, total, n_devices
        self.allocated = [0] * n_devices
        self.reserved = [0] * n_devices
        self.peak_allocated = [0] * n_devices
        self.peak_reserved = [0] * n_devices
        self.other_processes = 5 * GIB  #: what mem_get_info counts as used by others
        self.current = 0
        self.synchronized = 0

    # the test's script
    def allocate(self, nbytes: int, device: int = 0) -> None:
        """Allocate: the allocator reserves in 2 MiB segments and never returns them unless emptied."""
        self.allocated[device] += nbytes
        segment = 2 * 2**20
        need = -(-self.allocated[device] // segment) * segment
        self.reserved[device] = max(self.reserved[device], need)
        self.peak_allocated[device] = max(self.peak_allocated[device], self.allocated[device])
        self.peak_reserved[device] = max(self.peak_reserved[device], self.reserved[device])

    def free(self, nbytes: int, device: int = 0) -> None:
        self.allocated[device] -= nbytes

    # torch.cuda
    def _index(self, device=None) -> int:
        if device is None:
            return self.current
        if isinstance(device, int):
            return device
        index = getattr(device, "index", None)
        if index is None and isinstance(device, str):
            index = int(device.split(":")[1]) if ":" in device else None
        return self.current if index is None else index

    def is_available(self) -> bool:
        return True

    def device_count(self) -> int:
        return self.n

    def current_device(self) -> int:
        return self.current

    def get_device_properties(self, device=None):
        i = self._index(device)
        return SimpleNamespace(name=self.name, total_memory=self.total, major=9, minor=0, multi_processor_count=132,
                               uuid=uuid_of(i), pci_domain_id=0, pci_bus_id=0x10 + i, pci_device_id=0)

    def get_device_name(self, device=None) -> str:
        return self.name

    def mem_get_info(self, device=None) -> tuple[int, int]:
        i = self._index(device)
        return self.total - self.reserved[i] - self.other_processes, self.total

    def memory_allocated(self, device=None) -> int:
        return self.allocated[self._index(device)]

    def memory_reserved(self, device=None) -> int:
        return self.reserved[self._index(device)]

    def max_memory_allocated(self, device=None) -> int:
        return self.peak_allocated[self._index(device)]

    def max_memory_reserved(self, device=None) -> int:
        return self.peak_reserved[self._index(device)]

    def reset_peak_memory_stats(self, device=None) -> None:
        i = self._index(device)
        self.peak_allocated[i], self.peak_reserved[i] = self.allocated[i], self.reserved[i]

    def memory_stats(self, device=None) -> dict[str, int]:
        return {"num_alloc_retries": 0, "num_ooms": 0}

    def synchronize(self, device=None) -> None:
        self.synchronized += 1

    def empty_cache(self) -> None:
        for i in range(self.n):
            self.reserved[i] = self.allocated[i]

    def current_stream(self, device=None):
        return SimpleNamespace(device=device)

    def _get_nvml_device_index(self, index: int) -> int:
        return index

    Event = FakeEvent


#: The torch.cuda attributes a FakeCuda replaces.
PATCHED = ("is_available", "device_count", "current_device", "get_device_properties", "get_device_name",
           "mem_get_info", "memory_allocated", "memory_reserved", "max_memory_allocated", "max_memory_reserved",
           "reset_peak_memory_stats", "memory_stats", "synchronize", "empty_cache", "current_stream",
           "_get_nvml_device_index", "Event")


def install(monkeypatch, cuda: FakeCuda | None = None, nvml_fake: FakeNvml | None = None) -> SimpleNamespace:
    """Put a FakeCuda in place of ``torch.cuda``'s functions and a FakeNvml behind ``vbench.nvml``."""
    import torch

    from vbench import nvml

    cuda = cuda or FakeCuda()
    nvml_fake = nvml_fake or FakeNvml()
    for name in PATCHED:
        monkeypatch.setattr(torch.cuda, name, getattr(cuda, name))
    monkeypatch.setattr(nvml, "_state", {"tried": True, "module": nvml_fake, "reason": None})
    return SimpleNamespace(cuda=cuda, nvml=nvml_fake)
