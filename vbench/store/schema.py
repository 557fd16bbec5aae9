"""What every stored record must hold, and the check of its ``schema_version``.

A record is one JSON object per run (see ``docs/interfaces.md``). Readers accept only records of
:data:`vbench.record.SCHEMA_VERSION`; an older file is upgraded with ``vbench results migrate``,
a newer one needs a newer vbench.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vbench.errors import ResultsError
from vbench.record import REQUIRED_KEYS, SCHEMA_VERSION, STATUSES

#: The command that upgrades a results file written by an older vbench.
MIGRATE_COMMAND = "vbench results migrate {path}"


def missing_keys(record: Mapping[str, Any]) -> list[str]:
    """The required keys that ``record`` lacks, in :data:`REQUIRED_KEYS` order."""
    return [key for key in REQUIRED_KEYS if key not in record]


def check_version(record: Mapping[str, Any], source: str, line: int,
                  supported: int | None = None) -> None:
    """Raise :class:`ResultsError` unless ``record`` has the supported ``schema_version``.

    A record without the key is left to the caller (it is not a record at all, see
    :func:`missing_keys`).

    Args:
        record: one parsed JSON line.
        source: the file it came from, named in the message.
        line: its 1-based line number in that file.
        supported: the version this reader understands; the current one by default.

    Raises:
        ResultsError: naming the file, the line, the version found, the version supported and
            what to do: migrate an older file, upgrade vbench for a newer one.
    """
    if "schema_version" not in record:
        return
    supported = SCHEMA_VERSION if supported is None else supported
    found = record["schema_version"]
    if found == supported and type(found) is int:
        return
    where = f"{source}:{line}: record has schema_version {found!r}, this vbench reads version {supported}"
    if type(found) is int and found > supported:
        raise ResultsError(f"{where}; it was written by a newer vbench; upgrade vbench "
                           "(pip install -U vbench) to read it")
    if type(found) is int and found >= 1:
        raise ResultsError(f"{where}; upgrade the file with: "
                           f"{MIGRATE_COMMAND.format(path=source)}")
    raise ResultsError(f"{where}; {found!r} is not a schema version (a positive integer); "
                       "the file is damaged or was not written by vbench")


def validate_for_write(record: Mapping[str, Any]) -> None:
    """Check a record before it is stored, so that a bad one fails where it is made.

    Raises:
        ValueError: a required key is missing, the version is not the current one, the status
            is unknown, or a status other than ``ok`` comes without a ``reason``.
    """
    if not isinstance(record, Mapping):
        raise ValueError(f"a record is a dict, got {type(record).__name__}")
    missing = missing_keys(record)
    if missing:
        raise ValueError(f"record lacks required keys {missing}; every record has {list(REQUIRED_KEYS)}")
    if record["schema_version"] != SCHEMA_VERSION or type(record["schema_version"]) is not int:
        raise ValueError(f"record has schema_version {record['schema_version']!r}; "
                         f"this vbench writes version {SCHEMA_VERSION}")
    status = str(record["status"])
    if status not in STATUSES:
        raise ValueError(f"record status {status!r} is not one of {list(STATUSES)}")
    if status != "ok" and not record.get("reason"):
        raise ValueError(f"a record with status {status!r} needs a non-empty 'reason'")
