"""The worker process: receives RunSpec dicts over a pipe, answers each with a record.

Forked from a forkserver that has already imported torch and diffusers
(:mod:`vbench.harness.warm_imports`; ``spawn``, a fresh interpreter, where there is none). Either
way nothing of the parent is inherited, and CUDA was never initialised before the fork: each
worker gets a fresh CUDA context and allocator, and one process per run (``process``) keeps runs'
host memory apart. ``isolation.worker_start`` in the record says how it started. It ignores SIGINT: a Ctrl-C
reaches the whole process group, and the parent, which decides what an interruption means, stops
the worker with SIGTERM (no traceback from here), or SIGKILL when it does not end. Over the same pipe it sends the run's progress events
(:mod:`vbench.harness.progress`); what the run prints goes into a file the parent names
(:mod:`vbench.harness.output_capture`) and into the record's ``env.warnings``.
"""

from __future__ import annotations

import functools
import os
import resource
import signal
import sys
from typing import Any

from vbench.harness import progress
from vbench.harness.failures import setup_failure
from vbench.harness.output_capture import OutputCapture, clean


def worker_main(conn: Any, options: dict) -> None:
    """Loop until the parent sends ``None`` or closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminated)  # the parent stops a run: exit through Python's cleanup
    progress.set_sink(lambda event: conn.send(("progress", event)))
    position = 0
    warm = sys.modules.get("vbench.harness.warm_imports")  # present when forked from the warm forkserver
    # what this process printed so far (the forkserver's imports included), for env.warnings
    printed: list[str] = list(warm.PRINTED) if warm is not None else []
    start = ({"start_method": "forkserver", **warm.STATE} if warm is not None
             else {"start_method": "spawn", "preloaded": False, "why": options.get("cold_because")})
    while True:
        try:
            spec = conn.recv()
        except (EOFError, OSError):
            return
        if spec is None:
            return
        conn.send(("started", spec["run_id"]))
        isolation = {"mode": options["mode"], "worker_pid": os.getpid(), "position_in_worker": position,
                     "peaks_reset": True, "worker_start": start}
        if position:
            isolation["note"] = ("this worker ran earlier runs: allocator and host RSS peaks were reset "
                                 "(VmHWM, where /proc/self/clear_refs is writable), but memory earlier runs "
                                 "left allocated stays in the baseline")
        capture = OutputCapture(options.get("output_path"))
        quiet = (functools.partial(_wait_quiet, conn, spec["run_id"], isolation) if options.get("gate")
                 else None)
        try:
            with capture:
                record = (setup_failure(spec, session=options.get("session"), isolation=isolation)
                          or _run_limited(spec, options, isolation, quiet))
            printed = add_warnings(record, [*printed, *capture.lines()])
        finally:
            capture.close()
        conn.send(("record", record))
        position += 1


def _wait_quiet(conn: Any, run_id: str, isolation: dict) -> None:
    """Before the first timed call: ask the parent to pause its own work (scoring earlier runs)
    and wait until it has; it stays paused until this run's record arrives."""
    conn.send(("ready", run_id))
    kind, waited = conn.recv()
    if kind != "go":
        raise RuntimeError(f"the parent answered {kind!r} to 'ready'")
    isolation["overlap"] = {"paused_before_warmup": True, "waited_s": waited,
                            "note": "the parent's scoring of earlier runs was paused from before this run's "
                                    "warm-up until its record was sent"}


def _terminated(signum, frame) -> None:
    raise SystemExit(128 + signum)  # semaphores and files are released; multiprocessing prints nothing


def add_warnings(record: dict, lines: list[str]) -> list[str]:
    """Put what the run's process printed under ``env.warnings``; returns the lines kept."""
    lines = clean(lines)
    if lines or "env" in record:
        record.setdefault("env", {})["warnings"] = lines
    return lines


def _run_limited(spec: dict, options: dict, isolation: dict, quiet=None) -> dict:
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
                           isolation=isolation, hook=options.get("hook"), before_timing=quiet, keep_frozen=True)
    finally:
        if previous is not None:
            resource.setrlimit(resource.RLIMIT_AS, previous)
