"""A worker hook for the harness tests: the run's prompt says how it misbehaves."""

from __future__ import annotations

import os
import time


def misbehave(spec: dict) -> None:
    prompt = spec["workload"]["prompt"]
    if prompt == "raise":
        raise RuntimeError("deliberate failure from the test hook")
    if prompt == "oom":
        import numpy as np

        np.ones((16 * 1024**3,), dtype=np.uint8)  # 16 GiB under a 2 GiB address-space limit
    if prompt == "abort":
        os.abort()
    if prompt == "hang":
        time.sleep(3600)
