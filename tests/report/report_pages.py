"""Helpers of the report tests, in a module of its own name (not conftest, which another folder's
conftest can shadow): golden copies with edited records, a page's figures and sections."""

from __future__ import annotations

import shutil
from pathlib import Path


def derive(source: Path, dest: Path, change=None, *, session: str | None = None) -> Path:
    """A copy of the golden results folder ``source`` (videos included) under ``dest``, each record
    passed through ``change(record)``: it edits the record in place (returning None), or returns
    the records to write instead (a list; ``[]`` drops it). With ``session`` the changed records go
    to a new session file of that name beside the copied one."""
    from vbench.results import records
    from vbench.store import RecordWriter

    shutil.copytree(source, dest, dirs_exist_ok=True)
    [original] = sorted(source.glob("*.jsonl"))
    out = []
    for rec in records(original):
        got = change(rec) if change else None
        out.extend([rec] if got is None else got)
    target = dest / (f"{session}.jsonl" if session else original.name)
    target.unlink(missing_ok=True)
    with RecordWriter(target) as w:
        for rec in out:
            w.write(rec)
    return dest


def figures(page: str) -> list[dict]:
    """The plotly figures of a report page, as the JSON each ``<div class="figure">`` draws."""
    import json
    import re

    return [json.loads(spec) for spec in re.findall(r"var f=(\{.*?\});Plotly\.newPlot\(", page)]


def section(page: str, anchor: str) -> str:
    """The HTML of one ``<section id=anchor>`` of a report page."""
    start = page.index(f'<section id="{anchor}">')
    return page[start:page.index("</section>", start)]
