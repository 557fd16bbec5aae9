"""Scoring a sweep's runs while the sweep goes on -- never while a run is loaded or timed.

A sweep's worker spends seconds on work no clock reads: starting (the forkserver's imports), the
machine's fingerprint, between runs. :class:`OverlapScorer` scores finished runs in a thread of
the parent process in those gaps: the first thing it does is load what scoring needs (torch, the
LPIPS and I3D networks, a few seconds), then it scores each run as soon as the run and its
reference are recorded. Before a run's first clock starts (the timed load of its pipeline) its
worker asks the parent to be quiet (:meth:`pause`: the score in progress finishes, none starts)
and loads and times only once it is; scoring resumes when the run's record arrives
(:meth:`resume`). So nothing of the scorer runs while a run is loaded, warmed up or timed, on any
device; what the wait cost is in the record (``isolation.overlap``). A score that outlasts the
run's ``limits.timeout_s`` ends the overlap: that run's record says it may have been timed beside
it (``isolation.overlap.paused`` false), and the rest are scored after the sweep.

When the scorer would use the GPU a run measures on, it does not overlap at all (``why_not``): its
CUDA context and cached memory would stay on the card between the gaps, where NVML's memory and
energy readings of the next run would count them. The runs are then scored after the sweep, as
``vbench score`` does. Either way the session file is written once, at the end, by
:func:`~vbench.scoring.session.score_session`, with the qualities computed here.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from vbench.record import Overlap
from vbench.scoring.session import _SESSION_FILE, Scoring, _known_runs
from vbench.store.layout import OUTPUTS_DIR


class OverlapScorer:
    """The sweep's scorer; the harness calls :meth:`pause`, :meth:`resume` and :meth:`add`.

    Args:
        folder: the scenario's results folder (``<out>/<scenario>``), whose earlier sessions may
            hold references (``--resume``).
        metrics: the scenario's ``metrics``.
        device: the scoring device (None: CUDA when there is one).
        measure_devices: the ``measure.device`` of the sweep's runs.
    """

    def __init__(self, folder: str | Path, metrics: list[str], device: str | None,
                 measure_devices: list[str], fvd_extractor: str | None = None):
        import os

        self.folder, self.metrics = Path(folder), list(metrics)
        self.device, self.measure_devices = device, sorted(set(measure_devices))
        self.scoring = Scoring(self.folder / OUTPUTS_DIR, device,
                               fvd_extractor or os.environ.get("VBENCH_I3D_TORCHSCRIPT") or None)
        self.why_not: str | None = None  #: why the scorer stopped overlapping (the runs are scored after)
        self.scored = 0  #: runs scored during the sweep
        self._known: dict[str, dict] = {}
        self._waiting: list[dict] = []  # records to score, in the order they finished
        self._cond = threading.Condition()
        self._paused = self._busy = self._stopped = self._started = False
        self._thread = threading.Thread(target=self._loop, name="vbench-overlap-scorer", daemon=True)

    def start(self) -> OverlapScorer:
        """Begin loading (the harness calls it once a sweep has runs to run; again: no effect)."""
        with self._cond:
            if self._started:
                return self
            self._started = True
        self._known.update(_known_runs(self.folder))
        self._thread.start()
        return self

    # -- called by the harness --------------------------------------------------------------
    def pause(self, timeout_s: float | None = None) -> Overlap:
        """Stop scoring before a run's clocks start: wait for the score in progress, at most
        ``timeout_s``. Returns what goes into the run's ``isolation.overlap``: the seconds waited
        and whether the scorer is paused (not when a score outlasted the limit: then this scorer
        stops overlapping, and the record says its run may have been timed beside it)."""
        t0 = time.perf_counter()
        with self._cond:
            self._paused = True
            deadline = None if timeout_s is None else time.monotonic() + timeout_s
            while self._busy:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._cond.wait(left)
            paused = not self._busy
            if not paused:
                self.why_not = (f"a score outlasted limits.timeout_s ({timeout_s:g} s) while a run waited "
                                "for it; the rest are scored after the sweep")
        waited = time.perf_counter() - t0
        if paused:
            return {"paused": True, "waited_s": waited,
                    "note": "the parent's scoring of earlier runs was paused from before this run's clocks "
                            "started until its record was sent"}
        return {"paused": False, "waited_s": waited,
                "note": f"the parent's scoring did not pause within {timeout_s:g} s: this run may have been "
                        "loaded and timed while it ran"}

    def resume(self) -> None:
        """The run's record is in: scoring may go on."""
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    def add(self, record: dict) -> None:
        """A recorded run: a reference for the runs that point at it and, when ok, one to score."""
        if record.get("status") != "ok" or not (record.get("outputs") or {}).get("video"):
            return
        with self._cond:
            self._known[record["run_id"]] = {**record, _SESSION_FILE: record.get("session")}
            if (record.get("spec") or {}).get("metrics") and "quality" not in record:
                self._waiting.append(record)
            self._cond.notify_all()

    def close(self) -> Scoring:
        """Stop the thread (after the score in progress) and hand over what it loaded and computed.

        A scorer that was never started (a ``--resume`` with nothing left to run) loaded nothing."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
            started = self._started
        if started:
            self._thread.join()
        return self.scoring

    def stop(self, wait_s: float = 2.0) -> None:
        """An interrupted sweep: no new score starts; the one in progress gets ``wait_s`` to end."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(wait_s)

    # -- the thread -------------------------------------------------------------------------
    def _loop(self) -> None:
        try:
            if not self._unit(self._prepare):
                return
            while self._unit(self._score_next):
                pass
        except Exception as exc:  # noqa: BLE001 -- scoring after the sweep gives every run its reason
            self.why_not = f"the overlapping scorer failed ({type(exc).__name__}: {exc}); runs are scored after"

    def _unit(self, work) -> bool:
        """Run one piece of work when not paused; False once stopped (or nothing is left to do)."""
        with self._cond:
            while not self._stopped and (self._paused or (work == self._score_next and not self._ready())):
                self._cond.wait()
            if self._stopped or self.why_not:
                return False
            self._busy = True
            item = self._take() if work == self._score_next else None
        try:
            work(item) if item is not None else work()
            return self.why_not is None
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()

    def _prepare(self) -> None:
        from vbench.env import pick_device

        scorer = pick_device(self.device)
        if scorer.type == "cuda":
            shared = [name for name in self.measure_devices if _same_cuda(name, scorer, pick_device)]
            if shared:
                self.why_not = (f"scoring on {scorer} would share the GPU the runs measure on "
                                f"({', '.join(shared)}); runs are scored after the sweep")
                return
        self.scoring.prepare(self.metrics)

    def _ready(self) -> bool:
        return any(self._reference_known(r) for r in self._waiting)

    def _reference_known(self, record: dict) -> bool:
        ref = record.get("reference_id")
        return ref is None or ref in self._known

    def _take(self) -> dict:
        for i, record in enumerate(self._waiting):
            if self._reference_known(record):
                return self._waiting.pop(i)
        raise AssertionError("no record ready")  # _ready() was checked under the same lock

    def _score_next(self, record: dict[str, Any]) -> None:
        with self._cond:
            known = dict(self._known)
        quality = self.scoring.quality(record, known)
        if "all" not in (quality.get("unavailable") or {}):
            self.scored += 1


def _same_cuda(name: str, scorer, pick_device) -> bool:
    """Whether the ``measure.device`` ``name`` is the CUDA device ``scorer``."""
    try:
        measured = pick_device(name)
    except Exception:  # noqa: BLE001 -- a device this machine lacks: the run fails on its own
        return False
    return measured.type == "cuda" and (measured.index or 0) == (scorer.index or 0)
