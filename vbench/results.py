"""Stored results as Python data: one flat pandas row per run, or the raw record dicts.

Reading never needs torch. Nested fields become dotted columns (``timing.e2e.median``,
``spec.optimizations.precision``); lists such as raw timing samples stay whole in one cell.
A line that holds no record (e.g. cut short when a sweep was killed) is never dropped in
silence: it is reported as a :class:`ResultsWarning` naming the file and line, kept in
``df.attrs["problems"]``, and with ``include_problems=True`` shown as a row of its own.

>>> import tempfile
>>> from vbench.store import RecordWriter, session_path
>>> out = tempfile.mkdtemp()
>>> with RecordWriter(session_path(out, "demo", "s1")) as w:
...     w.write({"schema_version": 2, "run_id": "a1", "status": "ok", "scenario": "demo",
...              "timing": {"e2e": {"unit": "s", "samples": [1.0, 2.0], "median": 1.5}}})
>>> df = load(out)
>>> float(df.loc[0, "timing.e2e.median"]), df.loc[0, "timing.e2e.samples"]
(1.5, [1.0, 2.0])
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from vbench.record import METRICS
from vbench.store import ReadResult, read_all
from vbench.store.layout import PathLike
from vbench.store.resume import completed_run_ids
from vbench.store.schema import REQUIRED_KEYS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ResultsWarning", "completed_run_ids", "flatten", "load", "metrics", "records"]

#: Columns added by :func:`load` to say where each row came from.
SOURCE_COLUMNS = ("source_file", "source_line")


class ResultsWarning(UserWarning):
    """Some lines of the results files hold no readable record; the message lists them."""


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts to one level with dotted keys; lists and other values are kept as they are.

    An empty dict holds no value and gives no key.

    >>> flatten({"a": {"b": 1, "c": [1, 2]}, "d": None})
    {'a.b': 1, 'a.c': [1, 2], 'd': None}
    """
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def records(paths: PathLike | Iterable[PathLike]) -> list[dict[str, Any]]:
    """The raw record dicts stored under ``paths`` (files, or folders searched recursively).

    Warns with :class:`ResultsWarning` about lines that hold no record.

    Raises:
        ResultsError: a path does not exist, or a record has another ``schema_version``.
    """
    result = read_all(paths)
    _warn(result)
    return result.records


def load(paths: PathLike | Iterable[PathLike], *, include_problems: bool = False) -> pd.DataFrame:
    """All run records under ``paths`` as a DataFrame, one row per run.

    Args:
        paths: ``.jsonl`` files or folders (searched recursively; ``outputs`` folders skipped).
        include_problems: also add one row per unreadable line, with ``source_file``,
            ``source_line`` and a ``problem`` column saying what is wrong (other columns empty).
            Otherwise such lines are reported as a :class:`ResultsWarning`.

    Returns:
        A DataFrame with the required record keys first, then every other field as a dotted
        column (a metric's column is its ``value_path`` in :data:`vbench.record.METRICS`:
        ``timing.e2e.median``, ``memory.peak.bytes``, ``quality.scores.psnr.value`` …; :func:`metrics`
        names them ``latency``, ``peak_memory``, ``psnr``), then ``source_file`` and ``source_line``. ``df.attrs["problems"]`` lists the
        unreadable lines as ``"file:line: message"``.

    Raises:
        ResultsError: a path does not exist, or a record has another ``schema_version``
            (the message names the migrate command).
    """
    import pandas as pd

    result = read_all(paths)
    rows = []
    for record, (source, line) in zip(result.records, result.sources, strict=True):
        row = flatten(record)
        row.update(source_file=source, source_line=line)
        rows.append(row)
    extra: tuple[str, ...] = ()
    if include_problems:
        extra = ("problem",)
        rows.extend({"source_file": p.path, "source_line": p.line, "problem": p.message}
                    for p in result.problems)
    else:
        _warn(result)
    frame = pd.DataFrame(rows)
    first = [c for c in REQUIRED_KEYS if c in frame.columns] or list(REQUIRED_KEYS)
    last = [*SOURCE_COLUMNS, *extra]
    middle = [c for c in frame.columns if c not in first and c not in last]
    frame = frame.reindex(columns=[*first, *middle, *last])
    frame.attrs["problems"] = [str(p) for p in result.problems]
    return frame


def metrics(frame: pd.DataFrame) -> pd.DataFrame:
    """The metrics of a :func:`load` frame by their canonical names: ``run_id``, ``label``,
    ``status`` and one numeric column per metric of :data:`vbench.record.METRICS` that any run
    holds (``latency`` the median end-to-end seconds, ``peak_memory`` bytes, ``psnr`` dB …; each
    metric's unit and direction are in the table). A value a run lacks is NaN, never 0.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"run_id": ["a"], "status": ["ok"], "timing.e2e.median": [1.5]})
    >>> metrics(df)[["run_id", "latency"]].to_dict("records")
    [{'run_id': 'a', 'latency': 1.5}]
    """
    import pandas as pd

    out = frame.reindex(columns=[c for c in ("run_id", "label", "status") if c in frame.columns]).copy()
    for m in METRICS:
        if m.value_path in frame.columns:
            column = pd.to_numeric(frame[m.value_path], errors="coerce")
            if column.notna().any():
                out[m.name] = column.astype(float)
    return out


def _warn(result: ReadResult) -> None:
    if not result.problems:
        return
    shown = "\n".join(f"  {p}" for p in result.problems[:20])
    more = f"\n  ... and {len(result.problems) - 20} more" if len(result.problems) > 20 else ""
    warnings.warn(f"{len(result.problems)} line(s) of the results hold no readable record:\n"
                  f"{shown}{more}", ResultsWarning, stacklevel=3)
