"""Upgrading stored records to the current ``schema_version``, so stored results outlive the code.

:data:`MIGRATIONS` maps a version ``v`` to the step that turns a version-``v`` record into a
version ``v + 1`` record (:mod:`vbench.store.v1_to_v2`: quality scores under ``quality.scores``).
When :data:`vbench.record.SCHEMA_VERSION` is bumped, add the step here and a golden session
written by a real ``vbench run`` of the new version under ``tests/store/golden/v<N>/``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vbench.errors import ResultsError
from vbench.record import SCHEMA_VERSION
from vbench.store import v1_to_v2
from vbench.store.jsonl import parse_content, replace_lines

Record = dict[str, Any]

#: version -> function taking a record of that version and returning one of the next version
MIGRATIONS: dict[int, Callable[[Record], Record]] = {1: v1_to_v2.upgrade}


def migrate_record(record: Record, *, target: int | None = None) -> Record:
    """Return ``record`` upgraded to ``target`` (default: the current version); a new dict.

    Raises:
        ResultsError: the version is missing or not an integer, is newer than ``target``
            (written by a newer vbench; upgrade vbench), or no step leads from it to ``target``.
    """
    target = SCHEMA_VERSION if target is None else target
    version = record.get("schema_version")
    if type(version) is not int or version < 1:
        raise ResultsError(f"record has schema_version {version!r}, which is not a schema version "
                           "(a positive integer)")
    if version > target:
        raise ResultsError(f"record has schema_version {version}, newer than version {target} that "
                           "this vbench reads; it was written by a newer vbench; upgrade vbench")
    out = dict(record)
    while version < target:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ResultsError(f"no migration from schema_version {version} to {version + 1}; "
                               "this vbench cannot upgrade the record")
        out = step(dict(out))
        version += 1
        out["schema_version"] = version
    return out


def migrate_file(path: str | os.PathLike[str], *, target: int | None = None) -> int:
    """Upgrade every record of a ``.jsonl`` file in place; return how many records changed.

    The upgraded lines are written with :func:`vbench.store.jsonl.replace_lines`: atomically
    (a crash leaves either the old file or the new one), every other line byte for byte (lines
    that hold no record, e.g. cut short by a killed writer, are kept as they are). A file with
    nothing to upgrade is not rewritten.

    Raises:
        ResultsError: a record cannot be upgraded (the message names the file and the line), or
            the file changed other than by appending while it was being migrated.
    """
    path = Path(path)
    original = path.read_bytes()
    upgraded: dict[int, Record] = {}
    for number, data, _problem in parse_content(original):
        if data is None or "schema_version" not in data:
            continue
        try:
            new = migrate_record(data, target=target)
        except ResultsError as exc:
            raise ResultsError(f"{path}:{number}: {exc}") from exc
        if new != data:
            upgraded[number] = new
    if upgraded:
        replace_lines(path, original, upgraded)
    return len(upgraded)
