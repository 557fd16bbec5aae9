"""The record contract: what one run's record holds, and one table of the metrics read from it."""

from __future__ import annotations

import datetime as _dt


def now() -> str:
    """The current UTC time as ISO 8601 with milliseconds: every timestamp in a record."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")
