"""Fixtures for every test folder: ``fake_gpu``, a scripted CUDA device and NVML (tests/fakecuda.py)."""

from __future__ import annotations

import pytest
from fakecuda import install


@pytest.fixture
def fake_gpu(monkeypatch):
    """``torch.cuda`` and NVML faked for one test: ``.cuda`` (a FakeCuda) and ``.nvml`` (a FakeNvml)."""
    return install(monkeypatch)
