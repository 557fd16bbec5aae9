"""Shared fixtures for the measure tests: the fake NVML of ``tests/fakecuda.py`` alone (for the
NVML logic), and fresh resident pages for the host-memory tests."""

from __future__ import annotations

import mmap

import numpy as np
import pytest
from fakecuda import FakeNvml

from vbench import nvml


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
