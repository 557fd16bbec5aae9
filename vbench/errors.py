"""The few error types vbench raises, each with one purpose.

* :class:`ScenarioError` -- the user's input is wrong. Shown without a traceback, naming the
  file, the field path, the bad value and what is allowed; the CLI exits with code 2.
* :class:`UnsupportedError` -- the combination cannot run on this machine or model; the run
  becomes a record with status ``unsupported`` and the reason.
* :class:`ResultsError` -- stored results cannot be read as they are (another schema version,
  a damaged file); the message says what to do.

A measurement that cannot be taken is not an exception: it is recorded as unavailable with its
reason (see ``vbench.measure``).
"""

from __future__ import annotations

from dataclasses import dataclass


class VbenchError(Exception):
    """Base class of vbench's own errors."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file."""

    field: str  #: dotted path of the field, e.g. ``workload.num_frames``; "" for the whole file
    message: str  #: what is wrong and what is allowed
    value: object = None
    has_value: bool = False

    def render(self, source: str) -> str:
        where = f"{source}: {self.field}" if self.field else source
        shown = f" (got {self.value!r})" if self.has_value else ""
        return f"{where}: {self.message}{shown}"


class ScenarioError(VbenchError):
    """A scenario file (or a ``--set`` override) is invalid. Holds every problem found."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(p.render(self.source) for p in self.problems)


class UnsupportedError(VbenchError):
    """This combination cannot run here (missing accelerator, kernel package, dtype support...)."""


class ResultsError(VbenchError):
    """Stored results cannot be read as they are."""
