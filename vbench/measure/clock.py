"""Stage and step times of one pipeline call.

On CUDA each boundary records a ``torch.cuda.Event(enable_timing=True)`` on the current stream and
nothing waits until :meth:`StageClock.stop`, which records the end event and synchronizes once;
only then are the elapsed times read. On CPU the boundaries are ``time.perf_counter()`` readings.

How the numbers add up: the top-level stages plus ``outside_stages_s`` equal the end-to-end time;
the per-step times partition the denoising stage (step ``i`` runs from the previous step boundary,
or from the start of the stage it lies in, to the ``i``-th :meth:`StageClock.step` call), so
``sum(steps)`` plus the other top-level stages is close to ``e2e_s``, the gap being the work after
the last step callback (scheduler bookkeeping, the latents' hand-over to the VAE).

Example (CPU)::

    clock = StageClock("cpu")
    clock.start()
    with clock.stage("text_encode"):
        encode()
    with clock.stage("denoise"):
        for _ in range(steps):
            denoise_step()
            clock.step()  # or pass clock.step_callback as diffusers' callback_on_step_end
    with clock.stage("vae_decode"):
        decode()
    timing = clock.stop()  # CallTiming
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from vbench.measure.device import cuda_unavailable, resolve, synchronize
from vbench.measure.stages import StageMarks
from vbench.record import summarize


@dataclass
class StageTiming:
    """All occurrences of one named stage in a call (e.g. ``vae_decode`` once per frame chunk)."""

    seconds: float  #: summed over occurrences
    count: int
    samples: list[float]  #: one duration per occurrence, in call order
    depth: int  #: nesting depth of its first occurrence; 0 = top level
    within: str | None = None  #: the stage it ran inside at its first occurrence (None: top level)

    def to_dict(self) -> dict[str, Any]:
        return {"seconds": self.seconds, "count": self.count, "samples": list(self.samples),
                "depth": self.depth, "within": self.within}


@dataclass
class CallTiming:
    """Times of one call, in seconds."""

    e2e_s: float  #: host wall time from start() to the end of the final synchronize
    stages: dict[str, StageTiming]
    steps: list[float]  #: one duration per denoising step
    method: str  #: "cuda_events" or "perf_counter"
    device: str
    e2e_events_s: float | None = None  #: start to end event on the current stream (CUDA only)
    auto_closed: list[str] = field(default_factory=list)  #: stages still open at stop(), ended there

    @property
    def outside_stages_s(self) -> float:
        """End-to-end time not covered by any top-level stage."""
        return self.e2e_s - sum(s.seconds for s in self.stages.values() if s.depth == 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "e2e_s": self.e2e_s,
            "e2e_events_s": self.e2e_events_s,
            "method": self.method,
            "device": self.device,
            "stages": {name: s.to_dict() for name, s in self.stages.items()},
            "steps": summarize(self.steps, "s"),
            "outside_stages_s": self.outside_stages_s,
            "auto_closed": list(self.auto_closed),
        }


class StageClock(StageMarks):
    """Marks stage and step boundaries of one call; see the module docstring for the protocol.

    Args:
        device: the device the call runs on; CUDA events are used when it is a usable CUDA device.
    """

    def __init__(self, device: Any = "cpu"):
        self.device = resolve(device)
        self.uses_events = self.device.type == "cuda" and cuda_unavailable(self.device) is None
        self._running = False
        self._reset()

    def _reset(self) -> None:
        self._marks: list[Any] = []  # CUDA events or perf_counter floats, in host order
        self._open: list[tuple[str, int]] = []  # (stage name, begin mark) innermost last
        self._intervals: list[tuple[str, int, int, int, str | None]] = []  # (name, begin, end, depth, parent)
        self._steps: list[tuple[int, int]] = []
        self._last_step: int = -1
        self._last_closed: int = -1  # end mark of the last stage that left no stage open

    def _mark(self) -> int:
        if self.uses_events:
            import torch

            event = torch.cuda.Event(enable_timing=True)
            event.record(torch.cuda.current_stream(self.device))
            self._marks.append(event)
        else:
            self._marks.append(time.perf_counter())
        return len(self._marks) - 1

    def _check_running(self) -> None:
        if not self._running:
            raise RuntimeError("StageClock.start() must be called first")

    def start(self) -> None:
        """Begin a call. Waits for earlier GPU work first, so the call starts on an idle device."""
        self._reset()
        synchronize(self.device)
        self._running = True
        self._t0 = time.perf_counter()
        self._start = self._mark()

    def begin(self, name: str) -> None:
        """Mark the start of stage ``name`` (stages may nest and repeat)."""
        self._check_running()
        self._open.append((name, self._mark()))

    def end(self, name: str | None = None) -> None:
        """Mark the end of the innermost open stage, which must be ``name`` when given."""
        self._check_running()
        if not self._open:
            raise RuntimeError(f"no stage is open (ending {name!r})")
        if name is not None and self._open[-1][0] != name:
            raise RuntimeError(f"stage {name!r} ends while {self._open[-1][0]!r} is the innermost open stage")
        idx = self._mark()
        stage, begin = self._open.pop()
        self._intervals.append((stage, begin, idx, len(self._open), self._open[-1][0] if self._open else None))
        if not self._open:
            self._last_closed = idx

    def step(self) -> None:
        """Mark the end of one denoising step (call it from the pipeline's step callback).

        The step began at the later of the previous step mark and the start of the innermost
        open stage; with no stage open, at the later of the previous step mark, the call start
        and the end of the last closed stage.
        """
        self._check_running()
        if self._open:
            origin = max(self._last_step, self._open[-1][1])
        else:
            origin = max(self._last_step, self._start, self._last_closed)
        idx = self._mark()
        self._steps.append((origin, idx))
        self._last_step = idx

    def step_callback(self, pipe: Any, step_index: int, timestep: Any, callback_kwargs: dict) -> dict:
        """diffusers' ``callback_on_step_end`` signature: marks a step and returns the kwargs unchanged."""
        self.step()
        return callback_kwargs

    def stop(self) -> CallTiming:
        """End the call: close open stages, synchronize once, then read every interval."""
        self._check_running()
        auto_closed = [name for name, _ in reversed(self._open)]
        while self._open:
            self.end()
        end = self._mark()
        synchronize(self.device)
        wall = time.perf_counter() - self._t0
        self._running = False

        stages: dict[str, StageTiming] = {}
        for name, begin, stop, depth, parent in sorted(self._intervals, key=lambda iv: iv[1]):
            seconds = self._elapsed(begin, stop)
            entry = stages.setdefault(name, StageTiming(0.0, 0, [], depth, parent))
            entry.seconds += seconds
            entry.count += 1
            entry.samples.append(seconds)
            if depth < entry.depth:
                entry.depth, entry.within = depth, parent
        return CallTiming(
            e2e_s=wall,
            stages=stages,
            steps=[self._elapsed(a, b) for a, b in self._steps],
            method="cuda_events" if self.uses_events else "perf_counter",
            device=str(self.device),
            e2e_events_s=self._elapsed(self._start, end) if self.uses_events else None,
            auto_closed=auto_closed,
        )

    def _elapsed(self, a: int, b: int) -> float:
        first, second = self._marks[a], self._marks[b]
        if self.uses_events:
            return first.elapsed_time(second) / 1000.0  # milliseconds -> seconds
        return second - first
