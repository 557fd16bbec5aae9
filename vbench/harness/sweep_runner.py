"""A whole sweep: resume, isolation, record by record into the store, with its progress drawn."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vbench.harness.progress import ProgressView
from vbench.scenario import RunSpec, iter_labels
from vbench.store import (
    RecordWriter,
    completed_run_ids,
    new_session_name,
    outputs_dir,
    read_records,
    session_path,
)


@dataclass
class SweepResult:
    path: Path  #: the session's records file
    records: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  #: run_ids skipped by --resume

    def counts(self) -> Counter:
        return Counter(r["status"] for r in self.records)


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep: the runs finished before it are stored (``result``), of ``total``."""

    def __init__(self, result: SweepResult, total: int, stored: int | None = None):
        stored = len(result.records) if stored is None else stored
        super().__init__(f"{stored} of {total} runs finished and stored in {result.path}")
        self.result, self.total, self.stored = result, total, stored


def run_sweep(runs: list[RunSpec], *, out_dir: str | Path = "results", session: str | None = None,
              resume: bool = False, console: Any = None, hook: str | None = None, gate: Any = None,
              executor: str = "local", address: str | None = None,
              accelerator_type: str | None = None) -> SweepResult:
    """Run every RunSpec and append its record to ``<out_dir>/<scenario>/<session>.jsonl``.

    Runs go to workers as ``measure.isolation`` says (all runs of one sweep share it). A killed
    sweep keeps every finished record; ``resume=True`` skips run_ids already stored with status ok.
    A run that cannot start because of the setup (:func:`~vbench.harness.failures.setup_problem`)
    is recorded as ``error`` without being built. With a ``console`` (rich), each run's phases and
    its outcome are drawn on it (:class:`~vbench.harness.progress.ProgressView`).

    Args:
        hook: ``module:function`` called with each spec dict inside the worker before the run
            (used by tests to inject failures).
        gate: work of this process that must never run while a run is timed, given each record
            as it is stored (``gate.add``) -- the sweep's scorer
            (:class:`~vbench.scoring.overlap.OverlapScorer`); workers wait for ``gate.pause()``
            before a run's clocks start. Ignored with ``inline`` isolation, where runs share this process.

        executor: ``local`` (workers on this machine, as ``measure.isolation`` says) or ``ray``: each
            run a Ray task in a fresh worker process on the cluster at ``address`` (a local Ray
            instance when None), asking for ``accelerator_type`` when given
            (:mod:`~vbench.harness.ray_executor`); records come back in the order runs finish.

    Raises:
        SweepInterrupted: on Ctrl-C, after the worker is stopped; every finished record is stored.
    """
    if not runs:
        raise ValueError("no runs to run")
    scenario = runs[0].scenario
    session = session or new_session_name()
    path = session_path(out_dir, scenario, session)
    result = SweepResult(path)
    done = completed_run_ids([Path(out_dir) / scenario]) if resume else set()
    todo: list[dict] = []
    for run, label in zip(runs, iter_labels(runs), strict=True):
        if run.run_id in done:
            result.skipped.append(run.run_id)
            continue
        todo.append({**run.to_dict(), "label": label})
    if console is not None and result.skipped:
        console.print(f"resume: {len(result.skipped)} runs already stored with status ok are skipped")
    if not todo:  # everything is stored already: no empty session file
        return result
    options = {"session": session, "outputs_dir": str(outputs_dir(out_dir, scenario)), "hook": hook}
    mode = runs[0].measure.isolation
    view = ProgressView(console, len(todo), refresh=mode != "inline")
    gate = gate if mode != "inline" and executor == "local" else None
    if executor == "ray":
        from vbench.harness.ray_executor import run_on_ray

        starts = iter(range(1, len(todo) + 1))
        records = run_on_ray(todo, options, address=address, accelerator_type=accelerator_type,
                             on_start=lambda spec: view.begin(next(starts), spec.get("label") or spec["run_id"]))
    else:
        records = _records(todo, mode, options, view, gate)
    before = len(read_records(path).records) if path.exists() else 0  # an existing session is appended to
    try:
        with RecordWriter(path) as writer, view:
            for record in records:
                writer.write(record)
                result.records.append(record)
                view.finish(record)
                if gate is not None:
                    gate.add(record)
    except KeyboardInterrupt:
        records.close()  # stops the worker now
        # counted in the file: Ctrl-C may land after a record is written, before it is counted here
        stored = len(read_records(path).records) - before if path.exists() else 0
        raise SweepInterrupted(result, len(todo), stored) from None
    if console is not None:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(result.counts().items()))
        console.print(f"{len(result.records)} runs recorded ({counts or 'none'}) → {path}")
    return result


def _records(todo: list[dict], mode: str, options: dict, view: ProgressView, gate: Any = None):
    starts = iter(range(1, len(todo) + 1))

    def on_start(spec: dict) -> None:
        view.begin(next(starts), spec.get("label") or spec["run_id"])

    if mode == "inline":
        yield from _inline(todo, options, on_start, view)
    else:
        from vbench.harness.launcher import run_in_workers

        yield from run_in_workers(todo, mode, options, on_start=on_start, on_progress=view.event, gate=gate)


def _inline(todo: list[dict], options: dict, on_start, view: ProgressView):
    """Runs in this process, what they print captured as a worker's is (env.warnings)."""
    from vbench.harness import progress
    from vbench.harness.execute import execute_run
    from vbench.harness.failures import setup_failure
    from vbench.harness.output_capture import OutputCapture
    from vbench.harness.worker import add_warnings

    isolation = {"mode": "inline", "note": "limits.timeout_s and host_memory_gb are enforced only in worker "
                                           "processes"}
    printed: list[str] = []
    for spec in todo:
        on_start(spec)
        capture = OutputCapture()

        def draw(event: dict, capture: OutputCapture = capture) -> None:
            with capture.suspended():
                view.event(event)

        previous = progress.set_sink(draw if view.console is not None else None)
        try:
            with capture:
                record = (setup_failure(spec, session=options["session"], isolation=dict(isolation))
                          or execute_run(spec, session=options["session"], outputs_dir=options["outputs_dir"],
                                         isolation=dict(isolation), hook=options["hook"]))
            printed = add_warnings(record, [*printed, *capture.lines()])
        finally:
            progress.set_sink(previous)
            capture.close()
        yield record
