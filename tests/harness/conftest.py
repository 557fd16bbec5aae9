from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.fixture
def hook_path(monkeypatch):
    """The misbehaving hook, importable in spawned workers (they inherit sys.path)."""
    monkeypatch.syspath_prepend(str(HERE))
    return "misbehave:misbehave"
