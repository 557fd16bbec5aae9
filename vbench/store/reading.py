"""Reading every results file under some paths, whatever its format: vbench's ``.jsonl`` session
files (:mod:`vbench.store.jsonl`) and pytest-benchmark ``.json`` files (:mod:`vbench.store.pytest_json`)."""

from __future__ import annotations

import stat
from collections.abc import Iterable

from vbench.store.jsonl import read_records
from vbench.store.layout import PathLike, find_result_files
from vbench.store.pytest_json import is_pytest_benchmark_file, read_pytest_benchmark
from vbench.store.read_result import ReadProblem, ReadResult


def read_all(paths: PathLike | Iterable[PathLike]) -> ReadResult:
    """Read every records file under ``paths`` (files, or folders searched recursively for
    ``*.jsonl``); a ``.json`` file named directly is read as pytest-benchmark output.

    Raises:
        ResultsError: a path does not exist, or a record has another ``schema_version``.
    """
    result = ReadResult()
    for path in find_result_files(paths):
        if not path.is_file():  # a FIFO or a device named *.jsonl would block or never end
            try:
                kind = "a FIFO" if stat.S_ISFIFO(path.stat().st_mode) else "not a regular file"
            except OSError as exc:  # a dangling link, a file removed meanwhile
                kind = f"cannot be read ({exc.strerror or exc})"
            result.problems.append(ReadProblem(str(path), 0, f"{kind}; skipped (only regular files are read "
                                                              "as results)"))
            continue
        result.extend(read_pytest_benchmark(path) if is_pytest_benchmark_file(path) else read_records(path))
    return result
