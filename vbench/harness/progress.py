"""Progress a person can follow: the phase of the run in progress and its measured calls.

The channel: :mod:`vbench.harness.execute` calls :func:`load`, :func:`warm_up` and
:func:`measuring` at its phase changes and before each timed call (outside every clock). Each hands
a small dict -- an *event*, e.g. ``{"phase": "measuring", "call": 7, "rel_ci": 0.031, "target": 0.02}``
-- to the sink this process installed with :func:`set_sink`: in a worker process the pipe to the
parent (``("progress", event)`` beside the records, :mod:`vbench.harness.worker`), inline a
:class:`ProgressView` itself. Without a sink (the pytest plugin) the calls do nothing.

The parent draws events with a :class:`ProgressView`: on a terminal one status line updated in place
(rich) over a bar of the runs done; anywhere else (a CI log, a pipe, a file) one plain line per
phase change -- no control characters -- and, while a phase lasts, a line every
:data:`HEARTBEAT_S` seconds so a log shows the run is alive.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from rich.markup import escape

from vbench.units import format_bytes

Event = dict[str, Any]
#: In plain output, a phase that lasts prints its state again after this many seconds.
HEARTBEAT_S = 30.0

_sink: Callable[[Event], None] | None = None


def set_sink(sink: Callable[[Event], None] | None) -> Callable[[Event], None] | None:
    """Send this process's progress events to ``sink`` (None: nowhere); returns the previous sink."""
    global _sink
    previous, _sink = _sink, sink
    return previous


def emit(event: Event) -> None:
    """Hand one event to the sink; progress never fails a run."""
    if _sink is not None:
        with contextlib.suppress(OSError, ValueError, EOFError):  # the parent went away: the record matters
            _sink(event)


def load() -> None:
    """Before the pipeline is built."""
    emit({"phase": "load"})


def warm_up(measure: dict) -> None:
    """Before the first (cold) call; with no warm-up that call is the first timed one."""
    if measure["warmup"]:
        emit({"phase": "warm-up", "calls": measure["warmup"]})
    else:
        measuring([], measure)


def measuring(calls: list[dict], measure: dict) -> None:
    """Before timed call ``len(calls) + 1``; once ``measure.repeats`` calls are in, with the precision
    of their median (the loop repeats until it is within ``measure.rel_ci``)."""
    if _sink is None:
        return
    target, minimum = measure.get("rel_ci"), measure["repeats"]
    precision = None
    if target is not None and len(calls) >= max(minimum, 2):
        from vbench.stats import relative_half_width

        precision = relative_half_width([c["timing"].e2e_s for c in calls])
    emit({"phase": "measuring", "call": len(calls) + 1, "repeats": minimum, "target": target, "rel_ci": precision,
          "min_seconds": measure.get("min_seconds") or 0.0})


def scoring(runs: int, metrics: list[str]) -> Event:
    """The event of the scoring phase (drawn by the parent itself, which scores)."""
    return {"phase": "scoring", "runs": runs, "metrics": list(metrics)}


def describe(event: Event) -> str:
    """The event in words: ``measuring: call 7, median ±3.1 % (target ±2.0 %)``.

    >>> describe({"phase": "measuring", "call": 7, "repeats": 5, "target": 0.02, "rel_ci": 0.031})
    'measuring: call 7, median ±3.1 % (target ±2.0 %)'
    >>> describe({"phase": "measuring", "call": 2, "repeats": 5, "target": 0.02, "rel_ci": None})
    'measuring: call 2 (at least 5, then until the median is within ±2.0 %)'
    """
    phase = event.get("phase", "?")
    if phase == "warm-up":
        n = event.get("calls", 1)
        return f"warm-up: {n} call{'s' if n != 1 else ''} (the first is the cold one)"
    if phase == "measuring":
        k, minimum, target, precision = event["call"], event["repeats"], event.get("target"), event.get("rel_ci")
        if precision is not None:
            return f"measuring: call {k}, median ±{100 * precision:.1f} % (target ±{100 * target:.1f} %)"
        if k <= minimum:
            until = f", then until the median is within ±{100 * target:.1f} %" if target is not None else ""
            return f"measuring: call {k} (at least {minimum}{until})"
        return f"measuring: call {k} (until {event.get('min_seconds', 0):g} s of timed calls)"
    if phase == "scoring":
        return f"scoring: {event['runs']} run(s) ({', '.join(event['metrics'])})"
    return phase


def stopped(record: dict) -> str:
    """How the measuring loop of a finished run ended: ``7 calls, median ±1.8 % (target ±2.0 %)``."""
    precision = (record.get("timing") or {}).get("precision") or {}
    n = precision.get("n") or len(((record.get("timing") or {}).get("e2e") or {}).get("samples") or [])
    text = f"{n} call{'s' if n != 1 else ''}"
    if precision.get("target_rel_ci") is not None and precision.get("rel_ci") is not None:
        text += f", median ±{100 * precision['rel_ci']:.1f} % (target ±{100 * precision['target_rel_ci']:.1f} %)"
        if not precision.get("reached"):
            text += f": {precision.get('stopped')}"
    return text


def outcome(record: dict) -> str:
    """How one finished run ended, in rich markup (reasons escaped): ``ok median 0.045 s, …``."""
    if record["status"] != "ok":
        return f"[red]{record['status']}[/] — {escape(str(record.get('reason')))}"
    t = record["timing"]
    peak = record["memory"]["peak"]
    mem = f", peak {format_bytes(peak['bytes'])} ({peak['source']})" if peak.get("bytes") else ""
    return (f"[green]ok[/] median {t['e2e']['median']:.3f} s, {t['fps']['of_median_latency']:.1f} frames/s"
            f"{mem}; {stopped(record)}")


class ProgressView:
    """Draws a sweep's progress on a rich console: live on a terminal, plain lines elsewhere.

    Args:
        console: a rich Console, or None (nothing is drawn).
        total: the number of runs.
        refresh: redraw the live line on a timer (off for inline runs: no drawing thread runs
            beside a timed call; the line is redrawn at each event instead).
    """

    def __init__(self, console: Any, total: int, *, refresh: bool = True):
        self.console, self.total, self.refresh = console, total, refresh
        self.plain = console is None or not console.is_terminal or console.is_dumb_terminal
        self.index, self.label = 0, ""
        self._phase: str | None = None
        self._last_line = 0.0
        self._progress = None
        self._task = None

    def __enter__(self) -> ProgressView:
        if self.console is not None and not self.plain:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(TextColumn("{task.description}"), BarColumn(bar_width=20),
                                      MofNCompleteColumn(), TimeElapsedColumn(), console=self.console,
                                      auto_refresh=self.refresh, transient=False)
            self._progress.__enter__()
            self._task = self._progress.add_task("runs", total=self.total)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
            self._progress = None

    def begin(self, index: int, label: str) -> None:
        """Run ``index`` (from 1) starts: its worker is starting or its pipeline loads."""
        self.index, self.label, self._phase = index, label, None
        self._live("starting")

    def event(self, event: Event) -> None:
        """A progress event of the run in progress."""
        text = describe(event)
        if self._progress is not None:
            self._live(text)
            return
        now = time.monotonic()
        if event.get("phase") != self._phase or now - self._last_line >= HEARTBEAT_S:
            self._phase, self._last_line = event.get("phase"), now
            self._print(f"{self._prefix()}: {escape(text)}")

    def finish(self, record: dict) -> None:
        """A run finished (any status): its one result line, and the bar advances."""
        self._print(f"{self._prefix()}: {outcome(record)}")
        if self._progress is not None:
            self._progress.advance(self._task)
            self._live("done")

    def note(self, text: str) -> None:
        """A line of vbench's own (rich markup)."""
        self._print(text)

    def _prefix(self) -> str:
        width = len(str(self.total))
        return escape(f"[{self.index:>{width}}/{self.total}]" + (f" {self.label}" if self.label else ""))

    def _live(self, text: str) -> None:
        if self._progress is None:
            return
        self._progress.update(self._task, description=f"{self._prefix()}: {escape(text)}")
        if not self.refresh:
            self._progress.refresh()

    def _print(self, text: str) -> None:
        if self.console is None:
            return
        if self._progress is not None:
            self._progress.console.print(text)
        else:
            self.console.print(text, highlight=False)
