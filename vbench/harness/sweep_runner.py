"""A whole sweep: resume, isolation, record by record into the store, with a progress bar."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vbench.scenario import RunSpec, iter_labels
from vbench.store import RecordWriter, completed_run_ids, new_session_name, outputs_dir, session_path


@dataclass
class SweepResult:
    path: Path  #: the session's records file
    records: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  #: run_ids skipped by --resume

    def counts(self) -> Counter:
        return Counter(r["status"] for r in self.records)


def run_sweep(runs: list[RunSpec], *, out_dir: str | Path = "results", session: str | None = None,
              resume: bool = False, console: Any = None, hook: str | None = None) -> SweepResult:
    """Run every RunSpec and append its record to ``<out_dir>/<scenario>/<session>.jsonl``.

    Runs go to workers as ``measure.isolation`` says (all runs of one sweep share it). A killed
    sweep keeps every finished record; ``resume=True`` skips run_ids already stored with status ok.

    Args:
        hook: ``module:function`` called with each spec dict inside the worker before the run
            (used by tests to inject failures).
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
    with RecordWriter(path) as writer, _progress(console, len(todo)) as advance:
        for record in _records(todo, mode, options):
            writer.write(record)
            result.records.append(record)
            advance(record)
    if console is not None:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(result.counts().items()))
        console.print(f"{len(result.records)} runs recorded ({counts or 'none'}) → {path}")
    return result


def _records(todo: list[dict], mode: str, options: dict):
    if mode == "inline":
        from vbench.harness.execute import execute_run

        for spec in todo:
            yield execute_run(spec, session=options["session"], outputs_dir=options["outputs_dir"],
                              isolation={"mode": "inline", "note": "limits.timeout_s and host_memory_gb "
                                                                   "are enforced only in worker processes"},
                              hook=options["hook"])
    else:
        from vbench.harness.launcher import run_in_workers

        yield from run_in_workers(todo, mode, options)


class _progress:
    """A rich progress bar on a console, or nothing."""

    def __init__(self, console: Any, total: int):
        self.console, self.total = console, total
        self._progress = None

    def __enter__(self):
        if self.console is None:
            return lambda record: None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), console=self.console, transient=False)
        self._progress.__enter__()
        task = self._progress.add_task("runs", total=self.total)

        def advance(record: dict) -> None:
            self._progress.console.print(_line(record))
            self._progress.advance(task)

        return advance

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.__exit__(*exc)


def _line(record: dict) -> str:
    label = record.get("label") or record["run_id"]
    if record["status"] != "ok":
        return f"  {label}: [red]{record['status']}[/] — {record.get('reason')}"
    t = record["timing"]
    peak = record["memory"]["peak"]
    mem = f", peak {peak['bytes'] / 2**20:.0f} MiB ({peak['source']})" if peak.get("bytes") else ""
    return f"  {label}: [green]ok[/] median {t['e2e']['median']:.3f} s, {t['fps']['of_median_latency']:.1f} frames/s{mem}"
