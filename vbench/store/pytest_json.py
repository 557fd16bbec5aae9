"""Reading pytest-benchmark JSON files (``--benchmark-json``, ``.benchmarks/…/0001_x.json``) as records.

The vbench pytest plugin puts each case's full record into ``extra_info["vbench"]``; this takes
those records out, adds what pytest-benchmark itself measured under ``pytest_benchmark`` (the
test's name, its timing statistics, machine and commit info), and reports benchmarks that carry
no vbench record as problems rather than dropping them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vbench.store.layout import PathLike
from vbench.store.read_result import ReadProblem, ReadResult

_STATS = ("min", "max", "mean", "median", "stddev", "iqr", "rounds", "iterations", "ops")


def is_pytest_benchmark_file(path: PathLike) -> bool:
    return Path(path).suffix == ".json"


def read_pytest_benchmark(path: PathLike) -> ReadResult:
    """The vbench records inside one pytest-benchmark JSON file."""
    result = ReadResult()
    source = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        result.problems.append(ReadProblem(source, 0, f"not a readable JSON file: {exc}"))
        return result
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        result.problems.append(ReadProblem(source, 0, "not a pytest-benchmark JSON file (no 'benchmarks' list)"))
        return result
    for index, bench in enumerate(data["benchmarks"], 1):
        name = bench.get("fullname") or bench.get("name") or f"benchmark {index}"
        record = (bench.get("extra_info") or {}).get("vbench")
        if not isinstance(record, dict):
            result.problems.append(ReadProblem(source, index, f"{name} carries no vbench record "
                                                               "(extra_info.vbench); it was not run by vbench's plugin"))
            continue
        stats = bench.get("stats") or {}
        extra: dict[str, Any] = {"name": bench.get("name"), "fullname": bench.get("fullname"),
                                 "stats": {k: stats.get(k) for k in _STATS if k in stats},
                                 "machine_info": data.get("machine_info"), "commit_info": data.get("commit_info"),
                                 "datetime": data.get("datetime")}
        result.admit({**record, "pytest_benchmark": extra}, source, index, f"{name}: extra_info.vbench")
    return result
