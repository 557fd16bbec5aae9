"""What reading results files gives: the records, where each came from, and what could not be read.

Shared by every reader of the store (:mod:`vbench.store.jsonl`, :mod:`vbench.store.pytest_json`)
and by :func:`vbench.store.reading.read_all`, which dispatches between them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vbench.store.schema import check_version, missing_keys


@dataclass(frozen=True)
class ReadProblem:
    """A line of a results file that holds no readable record."""

    path: str
    line: int  #: 1-based; 0: the whole file
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


@dataclass
class ReadResult:
    """Records read from one or more files, with where each came from and what could not be read."""

    records: list[dict[str, Any]] = field(default_factory=list)
    problems: list[ReadProblem] = field(default_factory=list)
    #: ``(path, line)`` of each record, parallel to :attr:`records`
    sources: list[tuple[str, int]] = field(default_factory=list)

    def admit(self, data: dict[str, Any], source: str, line: int, what: str) -> None:
        """Keep ``data`` as a record if it is one (its version checked), else note the problem."""
        check_version(data, source, line)
        missing = missing_keys(data)
        if missing:
            self.problems.append(ReadProblem(source, line, f"{what}: lacks {missing}"))
            return
        self.records.append(data)
        self.sources.append((source, line))

    def extend(self, other: ReadResult) -> None:
        """Append another result's records, sources and problems to this one."""
        self.records.extend(other.records)
        self.problems.extend(other.problems)
        self.sources.extend(other.sources)
