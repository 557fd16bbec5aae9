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
import gc
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
        frozen = gc.get_freeze_count()  # the worker's imports (and what earlier runs left frozen)
        try:
            spec = conn.recv()
        except (EOFError, OSError):
            return
        if spec is None:
            return
        leftovers: dict = {}
        printed = _serve(conn, spec, options, position, start, printed, leftovers)
        del spec  # the run's objects are gone now, unless a reference cycle holds them
        position += 1
        if options["mode"] != "process":  # a process worker ends after its run: its exit frees all
            from vbench.harness.execute import settle_frozen

            settle_frozen(frozen, leftovers)


def _serve(conn: Any, spec: dict, options: dict, position: int, start: dict, printed: list[str],
           leftovers: dict) -> list[str]:
    """Run one spec and send its record; returns the lines printed so far."""
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
                      or _run_limited(spec, options, isolation, quiet, leftovers))
        printed = add_warnings(record, [*printed, *capture.lines()])
    finally:
        capture.close()
    conn.send(("record", record))
    return printed


def _wait_quiet(conn: Any, run_id: str, isolation: dict) -> None:
    """Before the first clock starts: ask the parent to pause its own work (scoring earlier runs)
    and wait until it has; it stays paused until this run's record arrives."""
    conn.send(("ready", run_id))
    kind, answer = conn.recv()
    if kind != "go":
        raise RuntimeError(f"the parent answered {kind!r} to 'ready'")
    isolation["overlap"] = answer


def _terminated(signum, frame) -> None:
    raise SystemExit(128 + signum)  # semaphores and files are released; multiprocessing prints nothing


def add_warnings(record: dict, lines: list[str]) -> list[str]:
    """Put what the run's process printed under ``env.warnings``; returns the lines kept."""
    lines = clean(lines)
    if lines or "env" in record:
        record.setdefault("env", {})["warnings"] = lines
    return lines


def _run_limited(spec: dict, options: dict, isolation: dict, quiet=None, leftovers: dict | None = None) -> dict:
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
                           isolation=isolation, hook=options.get("hook"), before_timing=quiet, keep_frozen=True,
                           leftovers=leftovers)
    finally:
        if previous is not None:
            resource.setrlimit(resource.RLIMIT_AS, previous)
