"""Where results live on disk: ``<out_dir>/<scenario>/<session>.jsonl`` and ``<scenario>/outputs/``.

A session is one invocation of ``vbench run``; its name sorts in time order.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from vbench.errors import ResultsError

#: Extension of record files.
SUFFIX = ".jsonl"
#: Name of the folder of content-addressed videos beside a scenario's records.
OUTPUTS_DIR = "outputs"

PathLike = str | os.PathLike[str]


def check_name(name: str, what: str) -> str:
    """``name`` if it can name one results folder or file (a scenario, a session); else ValueError
    saying what is allowed."""
    if not name or name in {".", "..", OUTPUTS_DIR} or name.startswith(".") or any(c in name for c in "/\\\0"):
        raise ValueError(f"{what} {name!r} cannot name a results folder or file; allowed: a plain name "
                         f"(not empty, not {OUTPUTS_DIR!r}, not starting with '.', no path separators)")
    return name


def scenario_dir(out_dir: PathLike, scenario: str) -> Path:
    """The folder of one scenario's sessions: ``out_dir/<scenario>``."""
    return Path(out_dir) / check_name(scenario, "scenario name")


def session_path(out_dir: PathLike, scenario: str, session: str) -> Path:
    """The records file of one session: ``out_dir/<scenario>/<session>.jsonl``.

    >>> session_path("results", "quickstart", "20250101T000000Z-ab12cd").as_posix()
    'results/quickstart/20250101T000000Z-ab12cd.jsonl'
    """
    return scenario_dir(out_dir, scenario) / (check_name(session, "session name") + SUFFIX)


def outputs_dir(out_dir: PathLike, scenario: str) -> Path:
    """The content-addressed video store of one scenario: ``out_dir/<scenario>/outputs``."""
    return scenario_dir(out_dir, scenario) / OUTPUTS_DIR


def new_session_name(now: datetime | None = None) -> str:
    """A new session name: UTC time to the microsecond plus 6 random hex digits.

    Names sort in the order the sessions started; two sessions started at once differ.

    >>> new_session_name(datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc))[:23]
    '20250102T030405.000000Z'
    """
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return f"{now:%Y%m%dT%H%M%S.%fZ}-{secrets.token_hex(3)}"


def find_result_files(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    """Every records file named by ``paths``: files as given, folders searched recursively for
    ``*.jsonl`` (``outputs`` folders skipped). Sorted within each folder, no duplicates.

    Raises:
        ResultsError: a path does not exist.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    found: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            candidates = sorted(_walk(path))
        elif path.exists():
            candidates = [path]
        else:
            raise ResultsError(f"{path}: no such results file or folder")
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found


def _walk(root: Path) -> Iterable[Path]:
    for folder, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if d != OUTPUTS_DIR and not d.startswith(".")]
        for name in files:
            if name.endswith(SUFFIX) and not name.startswith("."):
                yield Path(folder) / name
