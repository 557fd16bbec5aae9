from __future__ import annotations

import pytest
from optim_cases import build


@pytest.fixture
def tiny_wan():
    return build()
