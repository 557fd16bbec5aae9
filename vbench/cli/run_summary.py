"""The table ``vbench run`` ends with: every run of the session, its budget verdict, and the answer.

The verdict column (:func:`vbench.verdicts.judge`, as stored in the record once it is scored)
appears when the scenario sets a budget (``limits.memory_budget_gb``, ``limits.min_quality``), with
a column per quality floor. The line after the table names the fastest run that fits, or says that
none does and why.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.markup import escape
from rich.table import Table

from vbench.record import BY_NAME, lookup, number, value
from vbench.units import format_bytes
from vbench.verdicts import judge, limits_of, summary


def print_summary(console: Any, title: str, records: list[dict]) -> None:
    """Draw the table of ``records`` (one session's) and the fastest-fitting line."""
    if not records:
        return
    limits = limits_of(records[0])
    floors = list((limits.get("min_quality") or {}).keys())
    budget = limits.get("memory_budget_gb") is not None or bool(floors)
    verdicts = [_verdict(r) for r in records]
    failed = any(r["status"] != "ok" for r in records)
    last = "verdict" if budget else "reason" if failed else None  # a failed run's reason is its verdict's
    table = Table(title=title, title_justify="left")
    numbers = ("median", "fps", "peak memory", *floors)
    for col in ["run", "status", *numbers, *([last] if last else [])]:
        table.add_column(col, justify="right" if col in numbers else "left", overflow="fold")
    for record, verdict in zip(records, verdicts, strict=True):
        row = [escape(_label(record)), record["status"], _seconds(_median(record)), _fps(record),
               format_bytes(number(lookup(record, "memory.peak.bytes")))]
        row += [_quality(record, name) for name in floors]
        if record["status"] != "ok" and last:
            row.append(escape(str(record.get("reason") or "")))
        elif last == "verdict":
            row.append(escape(summary(verdict)))
        elif last:
            row.append("")
        table.add_row(*row)
    console.print(table)
    console.print(answer(records, verdicts, limits))


def answer(records: list[dict], verdicts: list[dict], limits: dict) -> str:
    """The fastest run that fits the budget, or why none does (rich markup)."""
    ok = [(r, v) for r, v in zip(records, verdicts, strict=True) if r["status"] == "ok" and _median(r) is not None]
    if not ok:
        return "[red]no run finished ok[/]: nothing to choose from"
    budget = _budget_text(limits)
    if budget is None:
        best = min(ok, key=lambda rv: _median(rv[0]))[0]
        return (f"fastest: {_describe(best)} [dim](no budget set: limits.memory_budget_gb and limits.min_quality "
                f"give every run a verdict)[/]")
    fitting = [r for r, v in ok if v["verdict"] == "fits"]
    if fitting:
        best = min(fitting, key=_median)
        return f"[green]fastest within the budget[/] ({budget}): {_describe(best)}"
    counts = Counter(v["verdict"] for v in verdicts)
    why = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
    fastest, verdict = min(ok, key=lambda rv: _median(rv[0]))
    reasons = "; ".join(verdict.get("reasons") or []) or verdict["verdict"]
    return (f"[red]no run fits the budget[/] ({budget}): {why}; the fastest, {escape(_label(fastest))}: "
            f"{escape(reasons)}")


def _verdict(record: dict) -> dict:
    return record.get("verdict") or judge(record)


def _budget_text(limits: dict) -> str | None:
    parts = []
    if limits.get("memory_budget_gb") is not None:
        parts.append(f"memory {format_bytes(float(limits['memory_budget_gb']) * 2**30)}")
    for name, floor in (limits.get("min_quality") or {}).items():
        better = BY_NAME[name].higher_is_better
        parts.append(f"{name} {'>=' if better else '<='} {floor:g}")
    return ", ".join(parts) or None


def _describe(record: dict) -> str:
    peak = lookup(record, "memory.peak")
    text = f"{escape(_label(record))} — median {_seconds(_median(record))}, {_fps(record)} frames/s"
    if isinstance(peak, dict) and peak.get("bytes") is not None:
        text += f", peak {format_bytes(peak['bytes'])} ({peak.get('source')})"
    return text


def _label(record: dict) -> str:
    label = record.get("label") or record["run_id"]
    reference = record.get("role") == "reference" or bool(lookup(record, "quality.reference"))
    return f"{label} (reference)" if reference else label


def _median(record: dict) -> float | None:
    return number(lookup(record, "timing.e2e.median"))


def _seconds(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f} s"


def _fps(record: dict) -> str:
    fps = number(lookup(record, "timing.fps.of_median_latency"))
    return "—" if fps is None else f"{fps:.1f}"


def _quality(record: dict, name: str) -> str:
    if record.get("role") == "reference" or lookup(record, "quality.reference"):
        return "reference"
    got = value(record, name)
    return "—" if got is None else f"{got:.4g}"
