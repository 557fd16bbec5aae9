"""Running RunSpecs in worker processes, with timeouts and crash handling.

``process`` isolation starts a fresh worker per run; ``group`` one worker per set of runs that
load the same weights. A worker that times out is killed; one that dies (segfault, abort, the
OOM killer) is reported from its exit code. Either way the run becomes a record and the next run
gets a fresh worker.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import time
from collections.abc import Iterator

from vbench.harness.failures import describe_exit
from vbench.harness.records import failure
from vbench.scenario.ids import weights_key

_STARTUP_GRACE_S = 120.0  # a fresh worker's imports do not count against the first run's timeout


class Worker:
    """One spawned worker process and its pipe."""

    def __init__(self, options: dict):
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        from vbench.harness.worker import worker_main

        self.process = ctx.Process(target=worker_main, args=(child, options), daemon=True, name="vbench-worker")
        self.process.start()
        child.close()
        self.fresh = True

    def run(self, spec: dict, timeout_s: float) -> tuple[dict | None, str | None]:
        """(record, None) or (None, why it failed: 'timeout' or the worker's death)."""
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
                elif kind == "record":
                    return payload, None
            elif not self.process.is_alive():
                return None, describe_exit(self.process.exitcode)

    def close(self) -> None:
        if self.process.is_alive():
            with contextlib.suppress(BrokenPipeError, OSError):
                self.conn.send(None)
            self.process.join(10)
        self.kill()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(10)
        self.conn.close()


def run_in_workers(specs: list[dict], mode: str, options: dict) -> Iterator[dict]:
    """Yield one record per spec, in order, running them in ``process`` or ``group`` workers."""
    worker: Worker | None = None
    key = None
    try:
        for spec in specs:
            spec_key = weights_key(spec) if mode == "group" else object()
            if worker is None or spec_key != key:
                if worker is not None:
                    worker.close()
                worker = Worker({**options, "mode": mode})
                key = spec_key
            record, failed = worker.run(spec, spec["limits"]["timeout_s"])
            if failed is not None:
                worker = None  # killed or dead: the next run starts a fresh one
                status = "timeout" if failed == "timeout" else "error"
                reason = (f"the run exceeded limits.timeout_s = {spec['limits']['timeout_s']:g} s and its worker "
                          "was killed") if failed == "timeout" else failed
                record = failure(spec, status, reason, session=options.get("session"),
                                 isolation={"mode": mode, "worker_pid": None})
            yield record
    finally:
        if worker is not None:
            worker.close()
