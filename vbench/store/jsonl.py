"""Append-only JSON-lines files of run records: a crash-safe writer and a reader that never hides damage.

Each record is one line, written with a single ``write`` then flushed and fsynced, so a sweep
killed at any moment leaves every finished record intact; at worst the last line is cut short.
Appends and rewrites hold the session's lock (:mod:`vbench.store.session_lock`), so concurrent
writers and a rescore never lose a record.
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
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from vbench.errors import ResultsError
from vbench.store.atomic import atomic_write
from vbench.store.jsondata import to_json_data
from vbench.store.layout import PathLike
from vbench.store.read_result import ReadProblem, ReadResult
from vbench.store.schema import validate_for_write
from vbench.store.session_lock import session_lock


class RecordWriter:
    """Appends records to one ``.jsonl`` file; use as a context manager. Any number of writers may
    append to one file, from any process, while it is rescored or migrated: each record is
    appended under the session's lock (:mod:`vbench.store.session_lock`) to the file that is at
    the path *now*, so a rewrite that renames a new file over it loses nothing.

    Args:
        path: the file; its parent directories are created. An existing file is appended to,
            after a newline if a killed writer left its last line unfinished.
    """

    def __init__(self, path: PathLike):
        self.path = Path(path)
        self._open = False

    def __enter__(self) -> RecordWriter:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Get ready to append (done by ``with``): the folder and the file are created; nothing is
        held open between records."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with session_lock(self.path), open(self.path, "ab"):
            pass
        self._open = True

    def close(self) -> None:
        """Stop appending; records already written are on disk."""
        self._open = False

    def write(self, record: Mapping[str, Any]) -> None:
        """Validate ``record``, append it as one line under the session lock, flush and fsync.

        Non-finite floats are stored as ``null``; when one sits in a dict, the dict's
        ``unavailable`` mapping gains the reason (a value is never silently 0 or missing).

        Raises:
            ValueError: the record is invalid (see :func:`vbench.store.schema.validate_for_write`).
            TypeError: a value is not JSON data.
        """
        if not self._open:
            raise ValueError(f"RecordWriter for {self.path} is not open; use it in a with-block")
        validate_for_write(record)
        line = record_line(record) + b"\n"
        with session_lock(self.path), open(self.path, "ab") as fh:
            if fh.tell() > 0 and not _ends_with_newline(self.path):
                line = b"\n" + line  # keep a cut line apart, so this record stays whole
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())


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
    lines = original.split(b"\n")
    complete = len(lines) - 1  # the piece after the last newline is not a finished line
    for number, record in new_lines.items():
        if not 1 <= number <= complete:
            raise ResultsError(f"{path}: line {number} is not a complete line of the content read "
                               f"({complete} lines); nothing was written")
        lines[number - 1] = record_line(record)
    with session_lock(path):  # no writer appends between this read and the rename
        current = path.read_bytes()
        if not current.startswith(original):
            raise ResultsError(f"{path} changed since it was read (not by appending); nothing was written")
        atomic_write(path, b"\n".join(lines) + current[len(original):])


def replace_records(path: PathLike, replacements: Mapping[bytes, Mapping[str, Any]]) -> int:
    """Atomically replace each line of ``path`` whose bytes are a key of ``replacements`` (a line
    as it was read, without its newline) by that record; return how many lines were replaced.

    Matching on the line's bytes rather than its number lets rewriters work concurrently with each
    other and with appending writers: under the session lock the file is re-read as it is now,
    a line another rescore already replaced no longer matches and keeps that newer content, and
    every other line, including records appended since, stays byte for byte.
    """
    path = Path(path)
    new = {key: record_line(record) for key, record in replacements.items()}
    with session_lock(path):
        current = path.read_bytes()
        lines = current.split(b"\n")
        complete = len(lines) - 1  # the piece after the last newline is unfinished: never replaced
        hits = 0
        for i in range(complete):
            if lines[i] in new:
                lines[i], hits = new[lines[i]], hits + 1
        if hits:
            atomic_write(path, b"\n".join(lines))
    return hits


def read_records(path: PathLike) -> ReadResult:
    """Read every record of one ``.jsonl`` file.

    A line that is cut short, is not JSON, is not an object or lacks a required key becomes a
    :class:`ReadProblem`; blank lines are skipped.

    Raises:
        ResultsError: a record has another ``schema_version`` (the message says how to migrate).
    """
    return read_content(Path(path).read_bytes(), str(path))


def read_content(raw: bytes, source: str) -> ReadResult:
    """:func:`read_records` of a file's content already read (a rewriter parses exactly the bytes it
    will rewrite, so a record appended meanwhile is carried over, never half-replaced)."""
    result = ReadResult()
    for number, data, problem in parse_content(raw):
        if problem is not None:
            result.problems.append(ReadProblem(source, number, problem))
            continue
        result.admit(data, source, number, "not a run record")
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
