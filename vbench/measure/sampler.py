"""A background thread that reads a few values every few milliseconds, and peak-keeping decimation.

The reader runs in a daemon thread; it should be cheap and should release the GIL while it
waits (psutil and NVML calls do), so that sampling does not slow the measured call. A sample is
also taken at :meth:`ThreadSampler.start` and at :meth:`ThreadSampler.stop`, so even a call
shorter than one interval has a first and a last reading.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

Reading = dict[str, float | int | None]


class ThreadSampler:
    """Calls ``read()`` every ``interval_ms`` between :meth:`start` and :meth:`stop`.

    Args:
        read: returns ``{series name: value or None}``; it must not raise (a source that fails
            returns None and keeps its reason itself).
        interval_ms: time between the starts of two readings.
    """

    def __init__(self, read: Callable[[], Reading], interval_ms: float = 10.0):
        if interval_ms <= 0:
            raise ValueError(f"interval_ms must be positive, got {interval_ms}")
        self._read = read
        self.interval_s = interval_ms / 1000.0
        self.times: list[float] = []  #: perf_counter() of each reading
        self.readings: list[Reading] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _take(self) -> None:
        t = time.perf_counter()
        value = self._read()
        with self._lock:
            self.times.append(t)
            self.readings.append(value)

    def _loop(self) -> None:
        next_at = time.perf_counter() + self.interval_s
        while not self._stop.wait(max(0.0, next_at - time.perf_counter())):
            self._take()
            next_at += self.interval_s
            now = time.perf_counter()
            if next_at < now:  # a slow reading: skip the missed slots rather than burst
                next_at = now + self.interval_s

    def start(self) -> None:
        """Take a first reading and start the thread."""
        self.times, self.readings = [], []
        self._stop.clear()
        self._take()
        self._thread = threading.Thread(target=self._loop, name="vbench-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and take a last reading."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._take()

    def series(self, name: str, relative: bool = True) -> tuple[list[float], list[float]]:
        """Times and values of one series, readings of None left out.

        Times are seconds since the first reading, or ``perf_counter()`` values when not ``relative``.
        """
        with self._lock:
            pairs = [(t, r.get(name)) for t, r in zip(self.times, self.readings, strict=True)]
        if not pairs:
            return [], []
        t0 = self.times[0] if relative else 0.0
        kept = [(t - t0, v) for t, v in pairs if v is not None]
        return [t for t, _ in kept], [v for _, v in kept]


def decimate(times: Sequence[float], values: Sequence[float], max_points: int = 500) -> dict[str, Any]:
    """At most ``max_points`` samples of a series, keeping each bucket's largest value so peaks survive.

    >>> decimate([0, 1, 2, 3], [5, 9, 1, 2], max_points=2)
    {'t_s': [1, 3], 'values': [9, 2], 'n_raw': 4}
    """
    n = len(values)
    if n <= max_points:
        return {"t_s": list(times), "values": list(values), "n_raw": n}
    out_t: list[float] = []
    out_v: list[float] = []
    for b in range(max_points):
        lo, hi = b * n // max_points, (b + 1) * n // max_points
        i = max(range(lo, hi), key=lambda k: values[k])
        out_t.append(times[i])
        out_v.append(values[i])
    return {"t_s": out_t, "values": out_v, "n_raw": n}


def trapezoid(times: Sequence[float], values: Sequence[float]) -> float | None:
    """Integral of a sampled series (e.g. watts over seconds -> joules); None with fewer than 2 points."""
    if len(times) < 2:
        return None
    return sum((times[i + 1] - times[i]) * (values[i + 1] + values[i]) / 2.0 for i in range(len(times) - 1))


def integrate_window(times: Sequence[float], values: Sequence[float], t0: float, t1: float) -> float | None:
    """Integral of a linearly interpolated series over ``[t0, t1]``; None unless readings span the window.

    >>> integrate_window([0.0, 2.0], [100.0, 100.0], 0.5, 1.5)
    100.0
    """
    if len(times) < 2 or t1 <= t0 or times[0] > t0 or times[-1] < t1:
        return None

    def at(t: float) -> float:
        for i in range(len(times) - 1):
            if times[i] <= t <= times[i + 1]:
                span = times[i + 1] - times[i]
                w = (t - times[i]) / span if span > 0 else 0.0
                return values[i] + w * (values[i + 1] - values[i])
        return values[-1]

    inner = [(t, v) for t, v in zip(times, values, strict=True) if t0 < t < t1]
    points = [(t0, at(t0)), *inner, (t1, at(t1))]
    return trapezoid([t for t, _ in points], [v for _, v in points])
