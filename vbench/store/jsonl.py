"""Append-only JSON-lines files of run records: a crash-safe writer and a reader that never hides damage.

Each record is one line, written with a single ``write`` then flushed and fsynced, so a sweep
killed at any moment leaves every finished record intact; at worst the last line is cut short.
The reader reports such a line as a :class:`ReadProblem` (file and line number) and goes on.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "s.jsonl"
>>> with RecordWriter(path) as w:
...     w.write({"schema_version": 2, "run_id": "a1", "status": "ok", "scenario": "demo"})
>>> read_records(path).records[0]["run_id"]
'a1'
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vbench.errors import ResultsError
from vbench.store.atomic import atomic_write
from vbench.store.jsondata import to_json_data
from vbench.store.layout import PathLike, find_result_files
from vbench.store.schema import check_version, missing_keys, validate_for_write


@dataclass(frozen=True)
class ReadProblem:
    """A line of a results file that holds no readable record."""

    path: str
    line: int  #: 1-based
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


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


class RecordWriter:
    """Appends records to one ``.jsonl`` file; use as a context manager, one writer per file.

    Args:
        path: the file; its parent directories are created. An existing file is appended to,
            after a newline if a killed writer left its last line unfinished.
    """

    def __init__(self, path: PathLike):
        self.path = Path(path)
        self._fh = None

    def __enter__(self) -> RecordWriter:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Open the file for appending (done by ``with``)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "ab")  # noqa: SIM115 -- closed in close()
        if self._fh.tell() > 0 and not _ends_with_newline(self.path):
            self._fh.write(b"\n")  # keep the cut line apart, so the next record stays whole

    def close(self) -> None:
        """Close the file; records already written are on disk."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def write(self, record: Mapping[str, Any]) -> None:
        """Validate ``record``, append it as one line, then flush and fsync.

        Non-finite floats are stored as ``null``; when one sits in a dict, the dict's
        ``unavailable`` mapping gains the reason (a value is never silently 0 or missing).

        Raises:
            ValueError: the record is invalid (see :func:`vbench.store.schema.validate_for_write`).
            TypeError: a value is not JSON data.
        """
        if self._fh is None:
            raise ValueError(f"RecordWriter for {self.path} is not open; use it in a with-block")
        validate_for_write(record)
        self._fh.write(record_line(record) + b"\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())


def record_line(record: Mapping[str, Any]) -> bytes:
    """The stored line of ``record``, without its newline: JSON in UTF-8, non-finite floats as
    ``null`` with the reason (see :func:`vbench.store.jsondata.to_json_data`).

    Raises:
        TypeError: a value is not JSON data.
    """
    return json.dumps(to_json_data(record), allow_nan=False, ensure_ascii=False).encode("utf-8")


def replace_lines(path: PathLike, original: bytes, new_lines: Mapping[int, Mapping[str, Any]]) -> None:
    """Atomically replace lines of ``path`` by records: ``new_lines`` maps a 1-based line number
    of ``original`` (the content read before) to the record written there.

    Every other line stays byte for byte, and bytes appended to the file since ``original`` was
    read are kept after it (a writer may have appended meanwhile).

    Raises:
        ResultsError: the file changed other than by appending since ``original`` was read;
            nothing is written.
    """
    path = Path(path)
    current = path.read_bytes()
    if not current.startswith(original):
        raise ResultsError(f"{path} changed since it was read (not by appending); nothing was written")
    lines = original.split(b"\n")
    for number, record in new_lines.items():
        lines[number - 1] = record_line(record)
    atomic_write(path, b"\n".join(lines) + current[len(original):])


def read_records(path: PathLike) -> ReadResult:
    """Read every record of one ``.jsonl`` file.

    A line that is cut short, is not JSON, is not an object or lacks a required key becomes a
    :class:`ReadProblem`; blank lines are skipped.

    Raises:
        ResultsError: a record has another ``schema_version`` (the message says how to migrate).
    """
    result = ReadResult()
    source = str(path)
    for number, data, problem in parse_lines(path):
        if problem is not None:
            result.problems.append(ReadProblem(source, number, problem))
            continue
        result.admit(data, source, number, "not a run record")
    return result


def read_all(paths: PathLike | Iterable[PathLike]) -> ReadResult:
    """Read every records file under ``paths`` (files, or folders searched recursively for
    ``*.jsonl``); a ``.json`` file named directly is read as pytest-benchmark output.

    Raises:
        ResultsError: a path does not exist, or a record has another ``schema_version``.
    """
    from vbench.store.pytest_json import is_pytest_benchmark_file, read_pytest_benchmark

    result = ReadResult()
    for path in find_result_files(paths):
        result.extend(read_pytest_benchmark(path) if is_pytest_benchmark_file(path) else read_records(path))
    return result


def parse_lines(path: PathLike) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """Yield ``(line_number, object, None)`` for each JSON-object line of ``path`` and
    ``(line_number, None, problem)`` for each line that is not one; no schema checks."""
    return parse_content(Path(path).read_bytes())


def parse_content(raw: bytes) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """:func:`parse_lines` of a file's content already read."""
    lines = raw.split(b"\n")
    unfinished = not raw.endswith(b"\n")
    if not unfinished:
        lines.pop()  # the empty piece after the final newline
    for index, chunk in enumerate(lines):
        number = index + 1
        if not chunk.strip():
            continue
        cut = unfinished and number == len(lines)
        try:
            data = json.loads(chunk.decode("utf-8"))
        except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, absurd numbers or nesting
            what = ("line is cut short (a writer was killed mid-record?)" if cut else
                    "line is not valid JSON (a record cut short by a killed writer, or a damaged file)")
            yield number, None, f"{what}: {exc}"
            continue
        if not isinstance(data, dict):
            yield number, None, f"line holds a JSON {type(data).__name__}, not an object"
            continue
        yield number, data, None


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"
