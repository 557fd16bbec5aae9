"""Stage markers share one shape: ``begin(name)``, ``end(name)``, and ``with x.stage(name):``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class StageMarks:
    """Mixin giving ``with x.stage(name): ...`` to a class with ``begin(name)`` and ``end(name)``;
    the stage ends also when the body raises."""

    def begin(self, name: str) -> None:  # pragma: no cover - provided by the class
        raise NotImplementedError

    def end(self, name: str | None = None) -> None:  # pragma: no cover - provided by the class
        raise NotImplementedError

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.begin(name)
        try:
            yield
        finally:
            self.end(name)
