"""Running RunSpecs in worker processes, with timeouts and crash handling.

``process`` isolation starts a fresh worker per run; ``group`` one worker per set of runs that
load the same weights. A worker that times out is killed; one that dies (segfault, abort, the
OOM killer) is reported from its exit code and its last printed lines. Either way the run becomes
a record and the next run gets a fresh worker. Progress events the worker sends are handed to
``on_progress`` as they come. An interruption (Ctrl-C) kills the worker at once.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from vbench.harness.failures import describe_exit
from vbench.harness.output_capture import tail
from vbench.harness.records import failure
from vbench.scenario.ids import weights_key
from vbench.verdicts import judge

_STARTUP_GRACE_S = 120.0  # a fresh worker's imports do not count against the first run's timeout
_STOP_GRACE_S = 3.0  # a worker asked to stop (SIGTERM) is killed (SIGKILL) when still alive after this


#: The environment the forkserver was started with (None: not started by this process yet).
_FORKSERVER_ENV: dict[str, str] | None = None


def worker_context() -> tuple[mp.context.BaseContext, str | None]:
    """How workers start, and why not warm where they cannot.

    Warm: forked from a forkserver that has imported torch and diffusers without touching CUDA
    (:mod:`vbench.harness.warm_imports`). The forkserver keeps the environment it started with,
    and what glibc reads at process start (``MALLOC_*``) cannot be changed in a fork; so once this
    process's environment differs from the forkserver's, workers start as fresh interpreters
    (``spawn``) instead, as they do where there is no forkserver or with
    ``VBENCH_WORKER_START=spawn``.
    """
    global _FORKSERVER_ENV
    if os.environ.get("VBENCH_WORKER_START") == "spawn":
        return mp.get_context("spawn"), "VBENCH_WORKER_START=spawn"
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn"), "no forkserver on this platform"
    now = _environment()
    if _FORKSERVER_ENV is None:
        _FORKSERVER_ENV = now
    elif now != _FORKSERVER_ENV:
        changed = sorted(k for k in set(_FORKSERVER_ENV) | set(now) if _FORKSERVER_ENV.get(k) != now.get(k))
        return mp.get_context("spawn"), f"the environment changed since the forkserver started ({', '.join(changed[:5])})"
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["vbench.harness.warm_imports"])
    return ctx, None


#: Variables that change without changing what a worker does (pytest names the current test).
_VOLATILE = ("PYTEST_CURRENT_TEST",)


def _set_on_import() -> dict[str, str]:
    """Variables a library sets in this process when imported, to the default it would use unset:
    torchvision's import sets ``TORCHINDUCTOR_CACHE_DIR`` (the sweep's scorer imports it here), and a
    worker without it uses the same folder."""
    import getpass
    import re

    try:  # as torch._inductor.runtime.cache_dir_utils.default_cache_dir names it
        user = re.sub(r'[\\/:*?"<>|]', "_", getpass.getuser())
    except (KeyError, OSError):
        return {}
    return {"TORCHINDUCTOR_CACHE_DIR": os.path.join(tempfile.gettempdir(), f"torchinductor_{user}")}


def _environment() -> dict[str, str]:
    defaults = _set_on_import()
    return {k: v for k, v in os.environ.items() if k not in _VOLATILE and defaults.get(k) != v}


class Worker:
    """One spawned worker process and its pipe; what it prints goes to ``options["output_path"]``."""

    def __init__(self, options: dict):
        ctx, cold_because = worker_context()
        self.conn, child = ctx.Pipe()
        self.output_path = options.get("output_path")
        from vbench.harness.worker import worker_main

        options = {**options, "cold_because": cold_because}
        self.process = ctx.Process(target=worker_main, args=(child, options), daemon=True, name="vbench-worker")
        with _sigint_ignored():  # inherited: the worker is never interrupted before it ignores SIGINT itself
            self.process.start()
        child.close()
        self.fresh = True

    def run(self, spec: dict, timeout_s: float, on_progress: Callable[[dict], None] | None = None,
            on_ready: Callable[[float], dict] | None = None) -> tuple[dict | None, str | None]:
        """(record, None) or (None, why it failed: 'timeout' or the worker's death).

        ``on_ready(timeout_s)`` is called when the worker is about to start its clocks (it asks
        only when started with ``gate``); it returns once this process is quiet, or after at most
        ``timeout_s``, with what the worker puts into ``isolation.overlap`` (``waited_s`` does not
        count against the timeout)."""
        try:
            self.conn.send(spec)
        except (BrokenPipeError, OSError):
            self.process.join(5)
            return None, describe_exit(self.process.exitcode)
        started = None
        deadline = time.monotonic() + timeout_s + (_STARTUP_GRACE_S if self.fresh else 0.0)
        self.fresh = False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                return None, "timeout"
            if self.conn.poll(min(remaining, 0.5)):
                try:
                    kind, payload = self.conn.recv()
                except (EOFError, OSError):
                    self.process.join(5)
                    return None, describe_exit(self.process.exitcode)
                if kind == "started" and started is None:
                    started = time.monotonic()
                    deadline = started + timeout_s
                elif kind == "progress" and on_progress is not None:
                    on_progress(payload)
                elif kind == "ready":
                    answer = on_ready(timeout_s) if on_ready is not None else {"paused": True, "waited_s": 0.0}
                    deadline += answer["waited_s"]
                    try:
                        self.conn.send(("go", answer))
                    except (BrokenPipeError, OSError):
                        self.process.join(5)
                        return None, describe_exit(self.process.exitcode)
                elif kind == "record":
                    return payload, None
            elif not self.process.is_alive():
                return None, describe_exit(self.process.exitcode)

    def last_output(self) -> str | None:
        """The last lines the worker printed during its run (after it died or was killed)."""
        return tail(self.output_path)

    def close(self) -> None:
        if self.process.is_alive():
            with contextlib.suppress(BrokenPipeError, OSError):
                self.conn.send(None)
            self.process.join(10)
        self.kill()

    def kill(self, grace_s: float = _STOP_GRACE_S) -> None:
        """Stop the worker: SIGTERM (it exits through Python's cleanup), SIGKILL after ``grace_s``."""
        if self.process.is_alive() and grace_s > 0:
            self.process.terminate()
            self.process.join(grace_s)
        if self.process.is_alive():
            self.process.kill()
        self.process.join(10)
        self.conn.close()


def run_in_workers(specs: list[dict], mode: str, options: dict,
                   on_start: Callable[[dict], None] | None = None,
                   on_progress: Callable[[dict], None] | None = None, gate: Any = None) -> Iterator[dict]:
    """Yield one record per spec, in order, running them in ``process`` or ``group`` workers.

    ``on_start(spec)`` is called as each run is handed to a worker, ``on_progress(event)`` with the
    run's progress events. ``gate`` is work of this process that must not run while a run is timed
    (:class:`~vbench.scoring.overlap.OverlapScorer`): ``gate.start()`` before the first worker,
    ``gate.pause(timeout_s)`` before a run's clocks start, ``gate.resume()`` once its record (or its
    failure) is in."""
    worker: Worker | None = None
    key = None
    folder = Path(tempfile.mkdtemp(prefix="vbench-workers-"))
    if gate is not None and specs:
        worker_context()  # the forkserver's environment, taken before the gate's thread imports anything
        gate.start()
    count = 0
    try:
        for spec in specs:
            spec_key = weights_key(spec) if mode == "group" else object()
            if worker is None or spec_key != key:
                if worker is not None:
                    worker.close()
                count += 1
                worker = Worker({**options, "mode": mode, "output_path": str(folder / f"worker-{count}.log"),
                                 "gate": gate is not None})
                key = spec_key
            if on_start is not None:
                on_start(spec)
            try:
                record, failed = worker.run(spec, spec["limits"]["timeout_s"], on_progress,
                                            gate.pause if gate is not None else None)
            finally:
                if gate is not None:
                    gate.resume()
            if failed is not None:
                last = worker.last_output()
                worker = None  # killed or dead: the next run starts a fresh one
                status = "timeout" if failed == "timeout" else "error"
                reason = (f"the run exceeded limits.timeout_s = {spec['limits']['timeout_s']:g} s and its worker "
                          "was killed") if failed == "timeout" else failed
                record = failure(spec, status, reason, session=options.get("session"),
                                 traceback=f"the worker's last output:\n{last}" if last else None,
                                 isolation={"mode": mode, "worker_pid": None})
                record["verdict"] = judge(record)
            yield record
    except BaseException:  # an interruption (or the consumer stopping): do not wait for the run
        if worker is not None:
            worker.kill()
            worker = None
        raise
    finally:
        if worker is not None:
            worker.close()
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
