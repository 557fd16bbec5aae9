"""Model-zoo tests run torch on one thread.

On a shared 2-core machine, torch's OpenMP workers spin-wait at every barrier when another
process holds the second core: the tiny SVD test went from 1 s to 19-53 s under load. One
thread keeps these correctness tests fast and makes their bits independent of the core count.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _one_torch_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
