"""A worker hook for the progress tests: prints the way third-party imports do (the prompt says how)."""

from __future__ import annotations

import os
import sys
import warnings


def noise(spec: dict) -> None:
    warnings.warn("a deprecation printed at import", FutureWarning, stacklevel=1)
    print("W1203 torch/utils/_pytree.py:630] a logging line of torch", file=sys.stderr)
    os.write(2, b"Unable to import `torchao` Tensor objects (native write)\n")
    if spec["workload"]["prompt"] == "abort":
        sys.stderr.flush()
        os.abort()
