"""The ``ray`` executor: each run of a sweep is a Ray task, on whichever node of a cluster has its
resources (``vbench run … --executor ray [--address auto|ray://…]``).

* A task asks for what its run needs: ``num_gpus`` 1 for a CUDA run (``measure.device`` cuda or
  cuda:N, or auto on a cluster with GPUs), and ``accelerator_type`` when the sweep targets a GPU
  kind, so one heterogeneous cluster gives a hardware comparison. A CPU run asks for all the CPUs of
  a node, so no other run is timed beside it; GPU runs on one node share its host CPUs and links.
* One fresh worker process per run (``max_calls=1``, no retries): isolation means what ``process``
  means locally -- a fresh CUDA context and allocator, nothing left from an earlier run.
* The worker stores the run's video in a folder of its own and sends it back with the record; the
  driver puts it in the scenario's content-addressed store and writes the record as each task ends,
  so a killed driver keeps every finished record and ``--resume`` skips them.
* A task whose worker dies (killed, out of host memory, a crash in native code) becomes a record
  with status ``error`` and Ray's reason; the sweep goes on.
* Ray is an optional extra (``pip install 'vbench[ray]'``). The driver starts a local Ray instance
  when no address is given and none is running, and stops it afterwards; a cluster it joined is
  left as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from vbench.harness.records import failure

#: What a Ray-run record's ``isolation.mode`` says.
MODE = "ray"


def run_on_ray(todo: list[dict], options: dict, *, address: str | None = None,
               accelerator_type: str | None = None, on_start: Callable[[dict], None] | None = None) -> Iterator[dict]:
    """Yield the record of every spec in ``todo`` as its Ray task finishes (not in order)."""
    ray = _ray()
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, runtime_env=_runtime_env())
    task = ray.remote(max_calls=1, max_retries=0)(_run_task)
    gpus_here = float(ray.cluster_resources().get("GPU", 0))
    node_cpus = max((float(n["Resources"].get("CPU", 0)) for n in ray.nodes() if n.get("Alive")), default=1.0)
    pending: dict[Any, dict] = {}
    try:
        for spec in todo:
            gpus = _gpus(spec, gpus_here)
            # a GPU run holds its GPU; a CPU run holds a whole node's CPUs, so no other run is timed beside it
            resources: dict[str, Any] = {"num_cpus": 1 if gpus else node_cpus, "num_gpus": gpus}
            if accelerator_type:
                resources["accelerator_type"] = accelerator_type
            worker_options = {k: options.get(k) for k in ("session", "hook")}
            pending[task.options(**resources).remote(spec, worker_options)] = spec
            if on_start is not None:
                on_start(spec)
        while pending:
            (ready,), _ = ray.wait(list(pending), num_returns=1)
            spec = pending.pop(ready)
            yield _collect(ray, ready, spec, options)
    finally:
        for ref in pending:  # the driver stops (Ctrl-C, killed): no orphan runs left on the cluster
            ray.cancel(ref, force=True)
        if started_here:
            ray.shutdown()


def _collect(ray: Any, ref: Any, spec: dict, options: dict) -> dict:
    """The record a task returned, its video put in the driver's store; a failed task's record."""
    try:
        record, videos = ray.get(ref)
    except ray.exceptions.RayError as exc:
        reason = " ".join(str(exc).split())[:500]
        why = "the Ray worker running it died" if isinstance(exc, ray.exceptions.WorkerCrashedError) else \
            "the Ray task failed"
        return failure(spec, "error", f"{why}: {reason}", session=options.get("session"),
                       isolation={"mode": MODE, "note": "one fresh Ray worker process per run"})
    root = Path(options["outputs_dir"])
    for relative, content in videos.items():
        target = root / relative
        if not target.is_file():
            from vbench.store.atomic import atomic_write

            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, content)
    return record


def _run_task(spec: dict, options: dict) -> tuple[dict, dict[str, bytes]]:
    """In a fresh Ray worker: the run, and the video files it stored (path relative to the store: bytes)."""
    import ray

    from vbench.harness.execute import execute_run
    from vbench.harness.failures import setup_failure
    from vbench.harness.output_capture import OutputCapture
    from vbench.harness.worker import add_warnings

    context = ray.get_runtime_context()
    isolation = {"mode": MODE, "worker_pid": os.getpid(), "position_in_worker": 0, "peaks_reset": True,
                 "node": context.get_node_id(), "note": "one fresh Ray worker process per run (max_calls=1)"}
    with tempfile.TemporaryDirectory(prefix="vbench-ray-") as store:
        capture = OutputCapture()
        try:
            with capture:
                record = (setup_failure(spec, session=options.get("session"), isolation=isolation)
                          or execute_run(spec, session=options.get("session"), outputs_dir=store,
                                         isolation=isolation, hook=options.get("hook")))
            add_warnings(record, capture.lines())
        finally:
            capture.close()
        videos = {str(p.relative_to(store)): p.read_bytes() for p in Path(store).rglob("*") if p.is_file()}
    return record, videos


def _gpus(spec: dict, gpus_here: float) -> int:
    device = str(spec["measure"].get("device") or "auto")
    if device.startswith("cuda"):
        return 1
    return 1 if device == "auto" and gpus_here > 0 else 0


def _runtime_env() -> dict:
    """The driver's import path for the workers (a hook module, a source checkout)."""
    path = os.environ.get("PYTHONPATH")
    return {"env_vars": {"PYTHONPATH": path}} if path else {}


def _ray() -> Any:
    from vbench._optional import require

    return require("ray")
