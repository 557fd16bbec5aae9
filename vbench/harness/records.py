"""Building record dicts: the common header, and the record of a run that did not finish."""

from __future__ import annotations

from typing import Any

from vbench._version import __version__
from vbench.record import SCHEMA_VERSION, Record, now


def header(spec: dict, session: str | None = None) -> Record:
    """The keys every record starts with, from a RunSpec dict."""
    return {
        "schema_version": SCHEMA_VERSION,
        "vbench_version": __version__,
        "run_id": spec["run_id"],
        "config_id": spec["config_id"],
        "reference_id": spec["reference_id"],
        "role": spec["role"],
        "scenario": spec["scenario"],
        "session": session,
        "label": spec.get("label"),
        "spec": {k: spec[k] for k in ("model", "workload", "optimizations", "measure", "limits", "metrics",
                                      "axes")},
    }


def failure(spec: dict, status: str, reason: str, *, traceback: str | None = None,
            session: str | None = None, **extra: Any) -> Record:
    """The record of a run that ended without measurements: status, reason, and what is known."""
    record = header(spec, session)
    record.update(status=status, reason=reason, traceback=traceback, finished_at=now())
    record.update(extra)
    return record
