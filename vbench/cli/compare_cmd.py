"""``vbench compare BASE NEW``: per matched run, ratios with confidence intervals; exit 1 on regression.

Exit codes: 0 every rule decided and no regression; 1 at least one regression; 2 bad input (a rule
that cannot be read, results that cannot be read, or no run_id in common); 3 no regression, but a
rule the samples could not decide (its interval straddles the threshold), unless
``--allow-undecided``.
"""

from __future__ import annotations

import json
import math
import sys

from vbench.record import BY_NAME, DEFAULT_RULES
from vbench.units import format_bytes, format_bytes_delta


def register(sub) -> None:
    p = sub.add_parser("compare", help="compare two result sets run by run; exit 1 on a regression, 3 if undecided")
    p.add_argument("base", metavar="BASE", help="baseline results (file or folder)")
    p.add_argument("new", metavar="NEW", help="new results (file or folder)")
    p.add_argument("--fail", action="append", default=[], metavar="METRIC:±N[%]",
                   help="a regression rule, e.g. latency:+5%%, latency.p90:+10%%, peak_memory:+3%%, psnr:-0.5 "
                        "(the sign says which direction is worse); may repeat. Metrics: "
                        f"{', '.join(BY_NAME)}. Default: {' '.join(DEFAULT_RULES).replace('%', '%%')}, "
                        "each where the runs have it")
    p.add_argument("--alpha", type=float, default=0.05,
                   help="1 - the confidence of the intervals rules are decided from (0.05: 95 %%)")
    p.add_argument("--allow-undecided", action="store_true",
                   help="exit 0 when no rule found a regression, even if some could not decide (default: exit 3)")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.set_defaults(handler=handle)


def handle(args) -> int:
    from vbench.compare import RuleError, compare, parse_rule

    try:
        rules = [parse_rule(r) for r in args.fail]
    except RuleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not 0 < args.alpha < 1:
        print(f"error: --alpha {args.alpha}: must be between 0 and 1", file=sys.stderr)
        return 2
    result = compare(args.base, args.new, rules, alpha=args.alpha)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        _print_table(result)
    if not result.rows:
        print(f"error: BASE and NEW have no run_id in common (BASE only: {len(result.only_base)}, "
              f"NEW only: {len(result.only_new)}); nothing to compare", file=sys.stderr)
        return 2
    if result.regressions:
        return 1
    return 3 if result.undecided and not args.allow_undecided else 0


def _fmt(value, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if unit == "bytes":
        return format_bytes(value)
    return f"{value:.4g}"


def _delta(value: float, unit: str = "") -> str:
    """A signed difference, in the metric's unit family (``+14.0 MiB`` for bytes)."""
    return format_bytes_delta(value) if unit == "bytes" else f"{value:+.4g}"


def _print_table(result) -> None:
    from rich.markup import escape
    from rich.table import Table

    from vbench.cli.console import console as make_console

    console = make_console()
    if result.rows:
        table = Table(title=f"{result.matched} matched runs; rules: {' '.join(result.rules)}")
        for col in ("run", "metric", "base", "new", "ratio / Δ", f"{100 * (1 - result.alpha):g} % CI", "p", "n",
                    "verdict", "note"):
            table.add_column(col, overflow="fold")
        style = {"regression": "bold red", "improvement": "green", "undecided": "yellow"}
        for r in result.rows:
            relative = r.metric == "status" or BY_NAME[r.metric.split(".")[0]].group != "quality"
            change = (f"{r.ratio:.3f}×" if r.ratio is not None and relative
                      else _delta(r.delta, r.unit) if r.delta is not None else "—")
            relative_rule = bool(r.rule and r.rule.endswith("%"))  # decided on the ratio, else the difference
            interval = r.ci if relative_rule else r.ci_delta
            ci = (f"{interval[0]:.3f}–{interval[1]:.3f}" if relative_rule
                  else f"{_delta(interval[0], r.unit)}–{_delta(interval[1], r.unit)}") if interval else "—"
            p = f"{r.p_value:.3g}" if r.p_value is not None else "—"
            verdict = f"[{style[r.verdict]}]{r.verdict}[/]" if r.verdict in style else r.verdict
            table.add_row(r.label, r.metric, _fmt(r.base, r.unit), _fmt(r.new, r.unit), change, ci, p,
                          f"{r.n_base}/{r.n_new}", verdict,
                          escape(r.note) + (f" [yellow]noisy: {escape(r.noise)}[/]" if r.noise else ""))
        console.print(table)
    for title, items in (("only in BASE (not compared)", result.only_base), ("only in NEW (not compared)", result.only_new)):
        if items:
            console.print(f"{title}: {len(items)}")
            for item in items[:50]:
                console.print(f"  {item}", markup=False)
    for note in result.notes:
        console.print(f"note: {note}", markup=False)
    n, u = len(result.regressions), len(result.undecided)
    if n:
        console.print(f"[bold red]{n} regression(s)[/]" + (f", {u} undecided" if u else ""))
    elif u:
        console.print(f"[yellow]no regression found, but {u} rule(s) undecided[/]: their intervals straddle the "
                      "threshold; more repeats would tell (or pass --allow-undecided)")
    else:
        console.print("no regression")
