"""The worker process: receives RunSpec dicts over a pipe, answers each with a record.

Started with the ``spawn`` method, so it begins from a fresh interpreter: no CUDA context, no
allocator state and no imported module is inherited from the parent.
"""

from __future__ import annotations

import os
import resource
from typing import Any


def worker_main(conn: Any, options: dict) -> None:
    """Loop until the parent sends ``None`` or closes the pipe."""
    position = 0
    while True:
        try:
            spec = conn.recv()
        except (EOFError, OSError):
            return
        if spec is None:
            return
        conn.send(("started", spec["run_id"]))
        isolation = {"mode": options["mode"], "worker_pid": os.getpid(), "position_in_worker": position,
                     "peaks_reset": True}
        if position:
            isolation["note"] = ("this worker ran earlier runs: allocator and host RSS peaks were reset "
                                 "(VmHWM, where /proc/self/clear_refs is writable), but memory earlier runs "
                                 "left allocated stays in the baseline")
        record = _run_limited(spec, options, isolation)
        conn.send(("record", record))
        position += 1


def _run_limited(spec: dict, options: dict, isolation: dict) -> dict:
    from vbench.harness.execute import execute_run

    limit_gb = spec["limits"].get("host_memory_gb")
    previous = None
    if limit_gb:
        import psutil  # imported first: the limit applies to what the run itself allocates
        import torch  # noqa: F401

        extra = int(limit_gb * 1024**3)
        previous = resource.getrlimit(resource.RLIMIT_AS)
        ceiling = psutil.Process().memory_info().vms + extra
        hard = previous[1]
        resource.setrlimit(resource.RLIMIT_AS, (ceiling if hard == resource.RLIM_INFINITY else min(ceiling, hard),
                                                hard))
        isolation["host_memory_limit_bytes"] = extra
    try:
        return execute_run(spec, session=options.get("session"), outputs_dir=options.get("outputs_dir"),
                           isolation=isolation, hook=options.get("hook"))
    finally:
        if previous is not None:
            resource.setrlimit(resource.RLIMIT_AS, previous)
