"""Budget verdicts: does a run fit the card and meet the quality floors the scenario sets?

A scenario states its budget under ``limits``: ``memory_budget_gb`` (GiB, the card a run must fit)
and ``min_quality`` (metric -> floor: a minimum where higher is better, ``psnr: 30``; a maximum
where lower is better, ``lpips: 0.1``). :func:`judge` turns a record and that budget into a
:class:`~vbench.record.Verdict` with the numbers it was decided on. It reads the limits from the
record's own ``spec`` (so any reader can judge any stored record) unless given others.

A check without its number is never passed: a run whose LPIPS was not computed has verdict
``unknown`` (no check failed), not ``fits``. The quality reference meets the quality floors by
definition (it is what the others are scored against).

>>> rec = {"status": "ok", "memory": {"peak": {"bytes": 30 * 2**30, "source": "nvml_process_used"}},
...        "spec": {"limits": {"memory_budget_gb": 24}}}
>>> v = judge(rec)
>>> v["verdict"], v["reasons"]
('over_memory_budget', ['peak memory 30.0 GiB (nvml_process_used) is over the 24.0 GiB budget'])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vbench.record import BY_NAME, VERDICTS, MemoryCheck, QualityCheck, Verdict, lookup, number, value
from vbench.units import budget_bytes, format_bytes


def limits_of(record: Mapping[str, Any]) -> dict[str, Any]:
    """The ``limits`` a record was run under (``spec.limits``), or {}."""
    return dict(lookup(record, "spec.limits") or {})


def judge(record: Mapping[str, Any], limits: Mapping[str, Any] | None = None) -> Verdict:
    """The budget verdict of one record (a nested dict) under ``limits`` (default: its own)."""
    limits = limits_of(record) if limits is None else dict(limits)
    gib, floors = limits.get("memory_budget_gb"), limits.get("min_quality") or {}
    reference = _is_reference(record)
    verdict: Verdict = {"verdict": "no_budget", "failed": [], "memory": None, "quality": {}, "reasons": [],
                        "reference": reference}
    if record.get("status") != "ok":
        verdict.update(verdict="not_run", reasons=[f"status {record.get('status')}: {record.get('reason') or ''}".strip()])
        return verdict
    if gib is None and not floors:
        return verdict
    unknown = False
    if gib is not None:
        peak = number(lookup(record, "memory.peak.bytes"))
        budget = budget_bytes(float(gib))
        ok = None if peak is None else peak <= budget
        verdict["memory"] = MemoryCheck(peak_bytes=None if peak is None else int(peak),
                                        source=lookup(record, "memory.peak.source"), budget_bytes=budget, ok=ok)
        if ok is False:
            verdict["failed"].append("over_memory_budget")
            shown, limit = _two(peak, budget)
            verdict["reasons"].append(f"peak memory {shown} ({verdict['memory']['source']}) is over "
                                      f"the {limit} budget")
        elif ok and verdict["memory"]["source"] in _WEAKER:
            verdict.setdefault("caveats", []).append(_WEAKER[verdict["memory"]["source"]])
        elif ok is None:
            unknown = True
            why = (lookup(record, "memory.unavailable") or {}).get("peak") or "no peak memory was recorded"
            verdict["reasons"].append(f"peak memory unknown ({why})")
    below = []
    for name, floor in floors.items():
        metric = BY_NAME[name]
        got = value(record, name)
        if reference and name in AGAINST_REFERENCE:  # scored against itself: it holds (its PSNR is infinite)
            ok: bool | None = True
        else:
            ok = None if got is None else (got >= floor if metric.higher_is_better else got <= floor)
        verdict["quality"][name] = QualityCheck(value=got, floor=float(floor),
                                                higher_is_better=bool(metric.higher_is_better), ok=ok)
        sign = ">=" if metric.higher_is_better else "<="
        if ok is False:
            below.append(f"{metric.label} {got:.4g} is not {sign} {floor:g}")
        elif ok is None:
            unknown = True
            why = (lookup(record, "quality.unavailable") or {}).get(name) or (
                "not scored yet" if "quality" not in record else "no score")
            verdict["reasons"].append(f"{metric.label} unknown ({why}), floor {sign} {floor:g}")
    if below:
        verdict["failed"].append("below_quality")
        verdict["reasons"].extend(below)
    verdict["verdict"] = (verdict["failed"][0] if verdict["failed"] else "unknown" if unknown else "fits")
    assert verdict["verdict"] in VERDICTS
    return verdict


#: Scores that compare a run with its reference: the reference meets their floors by definition.
#: The others (warping error) measure the run itself and are judged on their value.
AGAINST_REFERENCE = ("psnr", "ssim", "lpips", "fvd", "tof", "tlp", "mean_abs_frame_diff_gap")

#: Peak sources that can read low against a card budget, and what a "fits" resting on them means.
_WEAKER = {
    "allocator_reserved": ("peak memory is torch's reserved pool (NVML unavailable): it leaves out the CUDA "
                           "context and memory outside torch, so a fit within a few hundred MiB is not assured"),
    "host_rss": ("peak memory is the host process's RSS (a CPU run): compared with the budget as if the run "
                 "held its memory on a card"),
}


def _two(a: float, b: float) -> tuple[str, str]:
    """Two byte counts with enough digits that they differ when they do (24.04 vs 24.0 GiB)."""
    for digits in (3, 4, 5, 6):
        x, y = format_bytes(a, digits), format_bytes(b, digits)
        if x != y:
            return x, y
    return format_bytes(a, 6), format_bytes(b, 6)


def _is_reference(record: Mapping[str, Any]) -> bool:
    return record.get("role") == "reference" or bool(lookup(record, "quality.reference"))


def summary(verdict: Mapping[str, Any]) -> str:
    """One line for a table cell: the verdict and, when it failed or is unknown, why."""
    name = verdict.get("verdict", "no_budget")
    reasons = verdict.get("reasons") or []
    return name if name in ("fits", "no_budget") or not reasons else f"{name}: {'; '.join(reasons)}"
