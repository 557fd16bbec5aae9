"""Which runs are already done, for ``vbench run --resume``."""

from __future__ import annotations

import os
from collections.abc import Iterable

from vbench.record import Status
from vbench.store.reading import read_all

PathLike = str | os.PathLike[str]


def completed_run_ids(paths: PathLike | Iterable[PathLike]) -> set[str]:
    """The ``run_id`` of every run stored with status ``ok`` under ``paths``.

    Runs that failed (``oom``, ``error``, ``timeout``, ``unsupported``) and lines cut short by a
    killed writer do not count, so a resumed sweep runs them again. A path that does not exist
    yet (a first run with ``--resume``) holds no completed runs.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    existing = [p for p in paths if os.path.exists(p)]
    if not existing:
        return set()
    return {str(r["run_id"]) for r in read_all(existing).records if r["status"] == Status.OK.value}
