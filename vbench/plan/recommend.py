"""``vbench recommend``: the fastest configurations that fit a budget and quality floors, per GPU.

For each target (a hardware profile, or the machine the runs were measured on) every
configuration of the results gets one row: its latency and peak memory, *measured* when its runs
ran on that GPU and *projected* otherwise (:mod:`vbench.plan.projection`), never both mixed in a
number; whether it fits the budget (the target's memory, or ``--budget-gb`` if smaller) and meets
every ``--min`` floor; its speedup and memory against its baseline on the same basis (the
configuration of the run its quality was scored against, or itself when it is a quality reference); and its cost per video at the target's hourly price. A configuration whose fit or
quality is not known is *undecided*, never recommended. A measured speedup carries the 95 %
bootstrap interval of the ratio of medians, and when the fastest is not clearly faster than the
runner-up (their interval holds 1) the target says so. Where a target has measured runs and
projections of the same configurations from another machine, the projection error is shown.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vbench.hardware import Profile, get_profile, match_profile
from vbench.plan.projection import project
from vbench.record import BY_NAME, lookup, number, value
from vbench.stats import change_intervals
from vbench.verdicts import AGAINST_REFERENCE


@dataclass
class Row:
    config_id: str
    label: str
    basis: str  #: "measured" | "projected" | "projected (roofline bound)": from a machine with no profile
    latency_s: float | None
    peak_bytes: float | None
    runs: int
    quality: dict[str, float | None]
    fits: bool | None  #: memory within the budget
    meets: bool | None  #: every quality floor
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  #: what a projection rests on
    speedup: float | None = None  #: baseline latency / this latency, same basis
    memory_ratio: float | None = None  #: this peak / baseline peak
    cost_per_video_usd: float | None = None
    baseline: bool = False  #: a quality reference: the baseline of the configurations scored against it
    baseline_config_id: str | None = None  #: the configuration this one is compared with
    samples: list[float] = field(default_factory=list)  #: raw e2e latency samples (measured rows only)
    speedup_interval: tuple[float, float] | None = None  #: 95 % bootstrap interval (measured, 2+ samples a side)
    videos: float = 1.0  #: videos per call (the cost is per video)

    @property
    def eligible(self) -> bool | None:
        """True: fits and meets every floor; False: fails one; None: undecided."""
        if self.fits is False or self.meets is False:
            return False
        if self.fits is None or self.meets is None or self.latency_s is None:
            return None
        return True

    def to_dict(self) -> dict[str, Any]:
        return {"config_id": self.config_id, "label": self.label, "basis": self.basis, "latency_s": self.latency_s,
                "peak_bytes": self.peak_bytes, "runs": self.runs, "quality": self.quality, "fits": self.fits,
                "meets_quality": self.meets, "eligible": self.eligible, "reasons": self.reasons,
                "notes": self.notes, "speedup": self.speedup, "memory_ratio": self.memory_ratio,
                "cost_per_video_usd": self.cost_per_video_usd, "baseline": self.baseline,
                "baseline_config_id": self.baseline_config_id, "samples": len(self.samples),
                "speedup_interval": self.speedup_interval}


@dataclass
class Target:
    id: str
    name: str
    budget_bytes: float | None
    budget_from: str
    price_usd_per_hour: float | None
    rows: list[Row]
    projection_errors: list[dict[str, Any]] = field(default_factory=list)
    #: the runner-up the fastest is not clearly faster than (the 95 % interval of their latency ratio
    #: holds 1), with that interval; None when it is clearly faster or cannot be told (too few samples)
    ties_with: str | None = None
    tie_interval: tuple[float, float] | None = None

    @property
    def best(self) -> Row | None:
        eligible = [r for r in self.rows if r.eligible]
        return min(eligible, key=lambda r: r.latency_s) if eligible else None

    def to_dict(self) -> dict[str, Any]:
        best = self.best
        return {"id": self.id, "name": self.name, "budget_bytes": self.budget_bytes, "budget_from": self.budget_from,
                "price_usd_per_hour": self.price_usd_per_hour,
                "fastest": best.to_dict() if best is not None else None,
                "ties_with": self.ties_with, "tie_interval": self.tie_interval,
                "rows": [r.to_dict() for r in self.rows], "projection_errors": self.projection_errors}


def _configs(records: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = {}
    for r in records:
        if r.get("status") == "ok" and r.get("config_id"):
            out.setdefault(r["config_id"], []).append(r)
    return out


def _source(record: Mapping[str, Any]) -> str:
    """Where a run was measured: its GPU's profile id, or "cpu" / the device."""
    if str(record.get("device", "")).startswith("cuda"):
        pid = lookup(record, "env.gpu.profile.id")
        if pid:
            return pid
        matched = match_profile(lookup(record, "env.gpu.name"))  # a record written before profiles were kept
        if matched is not None:
            return matched.id
    return "cpu" if str(record.get("device", "")).startswith("cpu") else str(record.get("device") or "unknown")


def _median(values: list[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return statistics.median(got) if got else None


def _row(config_id: str, runs: list[Mapping[str, Any]], target: Profile | None, target_id: str,
         floors: Mapping[str, float], budget: float | None, reference: bool) -> Row:
    measured = [r for r in runs if _source(r) == target_id]
    label = runs[0].get("label") or config_id
    if measured or target is None:
        use = measured or runs
        row = Row(config_id, label, "measured", _median([number(lookup(r, "timing.e2e.median")) for r in use]),
                  max((v for v in (number(lookup(r, "memory.peak.bytes")) for r in use) if v is not None),
                      default=None), len(use), {}, None, None,
                  samples=[float(x) for r in use for x in (lookup(r, "timing.e2e.samples") or [])
                           if number(x) is not None])
    else:
        # scale from GPUs with a profile; a machine without one gives only a roofline lower bound
        scalable = [r for r in runs if _profile(_source(r)) is not None]
        use = scalable or runs
        projected = [project(r, target, _profile(_source(r))) for r in use]
        row = Row(config_id, label, "projected" if scalable else "projected (roofline bound)",
                  _median([p.latency_s for p in projected]),
                  max((p.peak_bytes for p in projected if p.peak_bytes is not None), default=None), len(use), {},
                  None, None, notes=sorted({p.latency_basis for p in projected} | {p.memory_basis for p in projected}))
    row.baseline = reference
    if budget is not None:
        row.fits = None if row.peak_bytes is None else row.peak_bytes <= budget
        if row.fits is None:
            row.reasons.append("peak memory unknown")
        elif not row.fits:
            row.reasons.append("over the memory budget")
    else:
        row.fits = True
    meets: bool | None = True
    for name, floor in floors.items():
        metric = BY_NAME[name]
        got = _median([value(r, name) for r in runs])
        row.quality[name] = got
        if reference and name in AGAINST_REFERENCE:
            continue
        if got is None:
            meets = None if meets is not False else False
            row.reasons.append(f"{metric.label} not scored")
        elif (got < floor) if metric.higher_is_better else (got > floor):
            meets = False
            row.reasons.append(f"{metric.label} {got:.4g} {'<' if metric.higher_is_better else '>'} {floor:g}")
    row.meets = meets
    row.videos = _median([number(lookup(r, "spec.workload.num_videos_per_prompt")) for r in runs]) or 1.0
    return row


def _tie(target: Target) -> None:
    eligible = [r for r in target.rows if r.eligible]
    if len(eligible) < 2 or len(eligible[0].samples) < 2 or len(eligible[1].samples) < 2:
        return
    interval = change_intervals(np.array(eligible[0].samples), np.array(eligible[1].samples))[0]
    if interval is not None and interval[0] <= 1:
        target.ties_with, target.tie_interval = eligible[1].config_id, interval


def baseline_configs(configs: Mapping[str, list[Mapping[str, Any]]]) -> dict[str, str]:
    """The baseline of each configuration: that of the run its quality was scored against.

    A quality reference (``role: reference``, ``quality.reference``, or the target of another run's
    ``reference_id``) is its own baseline. A configuration with neither gets the one reference of the
    results when there is exactly one, else none.
    """
    config_of = {r["run_id"]: cid for cid, runs in configs.items() for r in runs if r.get("run_id")}
    out: dict[str, str] = {}
    for cid, runs in configs.items():
        refs = [config_of[r["reference_id"]] for r in runs if r.get("reference_id") in config_of]
        if refs:
            out[cid] = max(set(refs), key=refs.count)
    for cid, runs in configs.items():
        own = any(r.get("role") == "reference" or lookup(r, "quality.reference") for r in runs)
        if own or cid in out.values():
            out[cid] = cid
    references = set(out.values())
    if len(references) == 1:  # the one reference of these results is the baseline of the rest
        (only,) = references
        out.update({cid: only for cid in configs if cid not in out})
    return out


def _profile(source: str) -> Profile | None:
    try:
        return get_profile(source)
    except KeyError:
        return None


def recommend(records: list[Mapping[str, Any]], profiles: list[Profile], *, budget_gb: float | None = None,
              floors: Mapping[str, float] | None = None, prices: Mapping[str, float] | None = None) -> list[Target]:
    """One :class:`Target` per profile (or, with none given, per machine the runs were measured on)."""
    floors = dict(floors or {})
    configs = _configs(records)
    baselines = baseline_configs(configs)
    references = set(baselines.values())
    budget_user = None if budget_gb is None else float(budget_gb * 2**30)
    targets: list[tuple[str, Profile | None]] = [(p.id, p) for p in profiles]
    if not targets:
        targets = [(s, _profile(s)) for s in dict.fromkeys(_source(r) for rs in configs.values() for r in rs)]
    out = []
    for target_id, profile in targets:
        if profile is not None:
            budget = profile.memory_bytes if budget_user is None else min(budget_user, profile.memory_bytes)
            where = ("the GPU's memory" if budget_user is None or budget_user >= profile.memory_bytes
                     else f"--budget-gb {budget_gb:g}")
            price = (prices or {}).get(profile.id, profile.price_usd_per_hour)
            name = profile.name
        else:
            budget, where, price, name = budget_user, (f"--budget-gb {budget_gb:g}" if budget_gb else "none"), None, \
                target_id
        rows = [_row(cid, runs, profile, target_id, floors, budget, cid in references)
                for cid, runs in configs.items()]
        by_id = {r.config_id: r for r in rows}
        for r in rows:
            r.baseline_config_id = baselines.get(r.config_id)
            base = by_id.get(r.baseline_config_id)
            if base is not None and base.basis == r.basis:
                if base.latency_s and r.latency_s:
                    r.speedup = base.latency_s / r.latency_s
                if base is not r and len(base.samples) >= 2 and len(r.samples) >= 2:
                    r.speedup_interval = change_intervals(np.array(r.samples), np.array(base.samples))[0]
                if base.peak_bytes and r.peak_bytes:
                    r.memory_ratio = r.peak_bytes / base.peak_bytes
            if price is not None and r.latency_s is not None:
                r.cost_per_video_usd = r.latency_s / r.videos * price / 3600
        rows.sort(key=lambda r: (r.eligible is not True, r.latency_s if r.latency_s is not None else float("inf")))
        target = Target(target_id, name, budget, where, price, rows)
        _tie(target)
        if profile is not None:
            target.projection_errors = projection_errors(configs, profile, target_id)
        out.append(target)
    return out


def recommend_by_scenario(records: list[Mapping[str, Any]], profiles: list[Profile], **options: Any
                          ) -> list[tuple[str, list[Target]]]:
    """:func:`recommend` for each scenario of ``records`` on its own: configurations of different
    scenarios answer different questions and are not ranked together."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for r in records:
        groups.setdefault(str(r.get("scenario") or "—"), []).append(r)
    return [(name, recommend(rs, profiles, **options)) for name, rs in sorted(groups.items())]


def projection_errors(configs: Mapping[str, list[Mapping[str, Any]]], target: Profile,
                      target_id: str) -> list[dict[str, Any]]:
    """For configurations measured on ``target`` and elsewhere: projected / measured − 1."""
    out = []
    for cid, runs in configs.items():
        here = [r for r in runs if _source(r) == target_id]
        away = [r for r in runs if _source(r) != target_id]
        if not here or not away:
            continue
        measured_t = _median([number(lookup(r, "timing.e2e.median")) for r in here])
        measured_m = max((number(lookup(r, "memory.peak.bytes")) or 0 for r in here), default=None)
        for r in away:
            p = project(r, target, _profile(_source(r)))
            out.append({"config_id": cid, "from": _source(r), "latency_error": _rel(p.latency_s, measured_t),
                        "memory_error": _rel(p.peak_bytes, measured_m), "latency_basis": p.latency_basis,
                        "bound": _profile(_source(r)) is None})
    return out


def _rel(projected: float | None, measured: float | None) -> float | None:
    return None if projected is None or not measured else projected / measured - 1
