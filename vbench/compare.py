"""``vbench compare BASE NEW``: did speed, memory or quality get worse, beyond noise?

Runs are matched by ``run_id`` (the same settings); runs on one side only are listed, not
compared. For each matched run and each metric named by a rule:

* timing and energy metrics (raw samples kept in the records): the ratio of the new statistic to
  the base one, a bootstrap ``1 - alpha`` (95 %) confidence interval on that ratio and on the
  difference (resampling each side's raw samples), and the two-sided Mann–Whitney U p-value of
  the samples (scipy), reported beside the verdict;
* memory peaks (one value per run): the ratio, with no test -- a peak is not a noisy sample;
* quality scores: the absolute difference (dB for PSNR), with no test.

A rule ``METRIC[.STAT]:±THRESHOLD[%]`` names a metric of :data:`vbench.record.METRICS`
(``latency``, ``peak_memory``, ``psnr`` …; older names such as ``memory.peak`` or
``quality.psnr`` still find theirs), optionally a statistic of a sampled metric (``latency.p90``;
the median by default), which direction is worse (``+`` an increase, ``-`` a decrease) and by how
much: ``latency:+5%``, ``peak_memory:+3%``, ``psnr:-0.5``. A rule whose worse direction is the
metric's better one (``fps:+5%``) is refused.

A sampled metric is decided from the interval of its change, not from a test that few samples
cannot pass (two-sided Mann–Whitney with 3 and 3 samples never goes below p = 0.1): the interval
entirely beyond the threshold in the worse direction is a ``regression``; entirely within it,
``ok`` (or an ``improvement`` when it lies entirely beyond the threshold the other way); an
interval that straddles the threshold is ``undecided`` -- more repeats would tell -- and says so.
Single values (memory peaks, quality scores) are compared exactly. A run that finished in BASE and
not in NEW (``oom``, ``error`` …) is a regression too.

>>> rule = parse_rule("latency.median:+5%")
>>> (rule.metric, rule.stat, rule.threshold, rule.relative, rule.worse)
('latency', 'median', 0.05, True, 1)
>>> base = [{"run_id": "a", "status": "ok", "timing": {"e2e": {"samples": [1.0] * 20}}}]
>>> new = [{"run_id": "a", "status": "ok", "timing": {"e2e": {"samples": [1.2] * 20}}}]
>>> compare_records(base, new, [rule]).regressions[0].verdict
'regression'
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from vbench.record import BY_NAME, DEFAULT_RULES, STATISTICS, Metric, lookup, metric, number
from vbench.stats import change_intervals, noise, statistic

__all__ = ["DEFAULT_RULES", "Comparison", "Row", "Rule", "RuleError", "compare", "compare_records", "parse_rule"]

# DEFAULT_RULES (each metric's gate in vbench.record) apply when no ``--fail`` rule is given; rules
# whose metric has no data are skipped.
ALPHA = 0.05
BOOTSTRAP = 2000


class RuleError(ValueError):
    """A ``--fail`` rule cannot be read, or names an unknown metric."""


_RULE = re.compile(r"^(?P<metric>[A-Za-z0-9_.]+):(?P<sign>[+-])(?P<num>\d+(?:\.\d*)?|\.\d+)(?P<pct>%?)$")


@dataclass(frozen=True)
class Rule:
    metric: str  #: a canonical name of :data:`vbench.record.METRICS`
    stat: str  #: the statistic of a sampled metric: "median" | "p90" | "mean" | "min" | "max"
    threshold: float  #: a fraction when ``relative`` (5 % → 0.05), else in the metric's unit
    relative: bool
    worse: int  #: +1: an increase is worse; -1: a decrease is worse
    text: str

    @property
    def name(self) -> str:
        """The metric as rows show it: ``latency``, or ``latency.p90`` for another statistic."""
        return self.metric if self.stat == "median" else f"{self.metric}.{self.stat}"


def parse_rule(text: str) -> Rule:
    """``"latency:+5%"`` → a :class:`Rule` on a metric of :data:`vbench.record.METRICS`.

    Raises:
        RuleError: naming the rule, the expected form and the known metrics, or saying that the
            rule's worse direction is the metric's better one.
    """
    m = _RULE.match(text.strip())
    if not m:
        raise RuleError(f"--fail {text!r}: expected METRIC:+N%, METRIC:-N% or METRIC:±N (absolute), "
                        "e.g. latency:+5% or psnr:-0.5")
    found, stat = _metric_and_stat(m["metric"])
    if found is None:
        raise RuleError(f"--fail {text!r}: unknown metric {m['metric']!r}; known: {', '.join(BY_NAME)} "
                        f"(a sampled one may add .{'/.'.join(STATISTICS)})")
    if stat != "median" and found.kind != "samples":
        raise RuleError(f"--fail {text!r}: {found.name} is one value per run; only sampled metrics "
                        f"({', '.join(n for n, x in BY_NAME.items() if x.kind == 'samples')}) take .{stat}")
    worse = 1 if m["sign"] == "+" else -1
    if found.higher_is_better is not None and worse == (1 if found.higher_is_better else -1):
        better = "higher" if found.higher_is_better else "lower"
        raise RuleError(f"--fail {text!r}: {better} {found.name} is better, so a regression is "
                        f"{'a decrease' if found.higher_is_better else 'an increase'}: write "
                        f"{m['metric']}:{'-' if worse == 1 else '+'}{m['num']}{m['pct']}")
    value = float(m["num"])
    return Rule(found.name, stat, value / 100 if m["pct"] else value, bool(m["pct"]), worse, text.strip())


def _metric_and_stat(name: str) -> tuple[Metric | None, str]:
    try:
        return metric(name), "median"
    except KeyError:
        pass
    head, _, stat = name.rpartition(".")
    if stat in STATISTICS and head:
        try:
            return metric(head), stat
        except KeyError:
            pass
    return None, "median"


@dataclass
class Row:
    """One metric of one matched run."""

    run_id: str
    label: str
    metric: str
    unit: str
    base: float | None
    new: float | None
    ratio: float | None = None
    delta: float | None = None
    ci: tuple[float, float] | None = None  #: bootstrap interval of the ratio
    ci_delta: tuple[float, float] | None = None  #: bootstrap interval of the difference (new - base)
    p_value: float | None = None  #: Mann–Whitney U, two-sided
    n_base: int = 0
    n_new: int = 0
    rule: str | None = None
    verdict: str = "ok"  #: regression | improvement | ok | undecided | no data
    note: str = ""
    noise: str | None = None  #: why a side's samples are too few or too spread to trust (:func:`vbench.stats.noise`)


@dataclass
class Comparison:
    rows: list[Row] = field(default_factory=list)
    only_base: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    alpha: float = ALPHA

    @property
    def regressions(self) -> list[Row]:
        return [r for r in self.rows if r.verdict == "regression"]

    @property
    def undecided(self) -> list[Row]:
        """Rules the samples cannot decide: the interval of the change straddles the threshold."""
        return [r for r in self.rows if r.verdict == "undecided"]

    @property
    def matched(self) -> int:
        return len({r.run_id for r in self.rows})

    def to_dict(self) -> dict[str, Any]:
        return {"regressions": len(self.regressions), "undecided": len(self.undecided), "matched_runs": self.matched, "alpha": self.alpha,
                "rules": self.rules, "only_base": self.only_base, "only_new": self.only_new,
                "notes": self.notes, "rows": [_clean(asdict(r)) for r in self.rows]}


def compare(base: Any, new: Any, rules: Sequence[Rule | str] | None = None, *, alpha: float = ALPHA) -> Comparison:
    """Compare the results stored under ``base`` and ``new`` (files or folders)."""
    from vbench.results import records

    return compare_records(records(base), records(new), rules, alpha=alpha)


def compare_records(base: Iterable[Mapping], new: Iterable[Mapping], rules: Sequence[Rule | str] | None = None,
                    *, alpha: float = ALPHA) -> Comparison:
    """Compare two lists of record dicts; see the module docstring for the rules."""
    explicit = rules is not None and len(rules) > 0
    parsed = [r if isinstance(r, Rule) else parse_rule(r) for r in (rules if explicit else DEFAULT_RULES)]
    out = Comparison(rules=[r.text for r in parsed], alpha=alpha)
    a, dup_a = _by_run_id(base)
    b, dup_b = _by_run_id(new)
    for side, dups in (("BASE", dup_a), ("NEW", dup_b)):
        if dups:
            out.notes.append(f"{side} holds {dups} repeated record(s) of the same run_id; the last of each is used")
    out.only_base = [_name(a[k]) for k in a if k not in b]
    out.only_new = [_name(b[k]) for k in b if k not in a]
    seen: set[str] = set()
    for run_id in (k for k in a if k in b):
        ra, rb = a[run_id], b[run_id]
        label = str(rb.get("label") or ra.get("label") or run_id)
        sa, sb = ra.get("status"), rb.get("status")
        if sa != "ok" or sb != "ok":
            verdict = ("regression" if sa == "ok" else "improvement" if sb == "ok" else "no data")
            out.rows.append(Row(run_id, label, "status", "", None, None, verdict=verdict,
                                note=f"status {sa} → {sb}" + (f": {rb.get('reason')}" if sb != "ok" else "")))
            continue
        for rule in parsed:
            row = _compare_metric(run_id, label, rule, ra, rb, alpha)
            if row is None:
                continue
            seen.add(rule.name)
            out.rows.append(row)
    if explicit:
        for rule in parsed:
            if rule.name not in seen and out.rows:
                out.notes.append(f"no matched run has {rule.name}; rule {rule.text} was not applied")
    return out


def _by_run_id(recs: Iterable[Mapping]) -> tuple[dict[str, Mapping], int]:
    out: dict[str, Mapping] = {}
    dups = 0
    for r in recs:
        key = str(r.get("run_id"))
        dups += key in out
        out[key] = r
    return out, dups


def _name(rec: Mapping) -> str:
    return f"{rec.get('run_id')} ({rec.get('label') or rec.get('scenario')}, {rec.get('status')})"


def _samples(record: Mapping, path: str | None) -> np.ndarray:
    values = lookup(record, path) if path else None
    if not isinstance(values, list):
        return np.empty(0)
    return np.array([v for v in values if number(v) is not None], dtype=float)


def _stat(x: np.ndarray, stat: str, axis: int | None = None):
    return statistic(x, stat, axis)


def _single(record: Mapping, found: Metric, stat: str) -> float | None:
    """The stored statistic of a metric whose raw samples are missing (or its one value)."""
    return number(lookup(record, f"{found.path}.{stat}" if found.kind == "samples" else found.value_path))


def _compare_metric(run_id: str, label: str, rule: Rule, ra: Mapping, rb: Mapping, alpha: float) -> Row | None:
    found = BY_NAME[rule.metric]
    xa, xb = _samples(ra, found.samples_path), _samples(rb, found.samples_path)
    va = float(_stat(xa, rule.stat)) if len(xa) else _single(ra, found, rule.stat)
    vb = float(_stat(xb, rule.stat)) if len(xb) else _single(rb, found, rule.stat)
    if va is None and vb is None:
        return None
    row = Row(run_id, label, rule.name, found.unit, va, vb, rule=rule.text, n_base=max(len(xa), int(va is not None)),
              n_new=max(len(xb), int(vb is not None)))
    if va is None or vb is None:
        row.verdict, row.note = "no data", f"{rule.name} missing on the {'base' if va is None else 'new'} side"
        return row
    row.delta = vb - va
    row.ratio = vb / va if va else None
    if found.kind == "samples":
        flags = [f"{side} {why}" for side, x in (("base", xa), ("new", xb)) if len(x) and (why := noise(x))]
        row.noise = "; ".join(flags) or None
    if len(xa) >= 2 and len(xb) >= 2:
        row.ci, row.ci_delta = _bootstrap(xa, xb, rule.stat, alpha)
        row.p_value = _mann_whitney(xa, xb)
        return _judge(row, rule, exact=False, alpha=alpha)
    return _judge(row, rule, exact=True, alpha=alpha)


def _bootstrap(xa: np.ndarray, xb: np.ndarray, stat: str, alpha: float = ALPHA,
               n: int = BOOTSTRAP) -> tuple[tuple[float, float] | None, tuple[float, float]]:
    """The ``1 - alpha`` bootstrap intervals of the ratio and of the difference of the statistic."""
    return change_intervals(xa, xb, stat, alpha, n)


def _mann_whitney(xa: np.ndarray, xb: np.ndarray) -> float:
    from scipy.stats import mannwhitneyu

    if np.all(xa == xa[0]) and np.all(xb == xa[0]):
        return 1.0
    return float(mannwhitneyu(xa, xb, alternative="two-sided").pvalue)


def _judge(row: Row, rule: Rule, *, exact: bool, alpha: float) -> Row:
    if rule.relative:
        if row.ratio is None or row.base is None or row.base <= 0:
            row.verdict, row.note = "no data", (f"base value is {row.base:.4g}; a relative change needs a positive "
                                                "base (use an absolute rule, without %)")
            return row
        change, shown = row.ratio - 1.0, f"{(row.ratio - 1.0) * 100:+.1f} %"
        limit = f"{rule.threshold * 100:g} %"
        interval = None if row.ci is None else (row.ci[0] - 1.0, row.ci[1] - 1.0)
        span = "" if interval is None else f"{interval[0] * 100:+.1f} % to {interval[1] * 100:+.1f} %"
    else:
        change, shown, limit = row.delta, f"{row.delta:+.4g} {row.unit}".rstrip(), f"{rule.threshold:g} {row.unit}".rstrip()
        interval = row.ci_delta
        span = "" if interval is None else f"{interval[0]:+.4g} to {interval[1]:+.4g} {row.unit}".rstrip()
    if exact:
        interval, test = (change, change), "single values, compared exactly"
    else:
        test = (f"{100 * (1 - alpha):g} % interval {span}, p={row.p_value:.3g}, "
                f"{row.n_base} and {row.n_new} samples")
    if interval is None:
        row.verdict, row.note = "undecided", f"{shown}: no interval could be formed ({test})"
        return row
    worse_lo, worse_hi = sorted(rule.worse * v for v in interval)
    if worse_lo > rule.threshold:
        row.verdict, row.note = "regression", f"{shown} is worse than the allowed {limit} ({test})"
    elif worse_hi <= rule.threshold:
        better = -worse_hi > rule.threshold
        row.verdict = "improvement" if better else "ok"
        row.note = f"{shown}, better by more than {limit} ({test})" if better else f"{shown} within {limit} ({test})"
    else:
        row.verdict = "undecided"
        row.note = (f"{shown}: the interval straddles the allowed {limit} ({test}); more repeats would tell "
                    "(measure.repeats, measure.min_seconds)")
    return row


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value
