"""``vbench recommend RESULTS``: the fastest configurations that fit the budget and quality floors, per GPU."""

from __future__ import annotations

import json

from rich.table import Table

from vbench.cli.console import console as make_console
from vbench.cli.hardware_cmd import PRICE_HELP, parse_prices
from vbench.units import format_bytes


def register(sub) -> None:
    p = sub.add_parser("recommend", help="the fastest configurations that fit a memory budget and quality floors, "
                                         "per GPU profile (measured, or projected from another machine)")
    p.add_argument("results", nargs="+", metavar="RESULTS")
    add_target_options(p, "a target hardware profile, e.g. --gpu rtx-4090; may repeat (default: the GPUs the "
                          "runs were measured on)")
    p.add_argument("--price", action="append", default=[], metavar="ID=USD", help=PRICE_HELP)
    p.add_argument("--top", type=int, default=5, help="configurations shown per GPU (default 5; --json has all)")
    p.add_argument("--json", action="store_true", help="print the recommendations as JSON")
    p.set_defaults(handler=handle)


def add_target_options(p, gpu_help: str, prefix: str = "") -> None:
    """``--gpu``, ``--budget-gb`` and ``--min``: the targets and limits of a recommendation."""
    p.add_argument("--gpu", action="append", default=[], metavar="PROFILE", help=gpu_help)
    p.add_argument("--budget-gb", type=float, default=None, metavar="GIB",
                   help=f"{prefix}memory budget in GiB (default: each profile's memory; never more than it)")
    p.add_argument("--min", action="append", default=[], metavar="METRIC=FLOOR",
                   help=f"{prefix}a quality floor, e.g. --min psnr=30 or --min lpips=0.1 (a maximum where lower "
                        "is better)")


def parse_floors(specs: list[str]) -> dict[str, float]:
    """``["psnr=30"]`` → ``{"psnr": 30.0}``.

    Raises:
        ScenarioError: not ``METRIC=NUMBER``, or not a quality metric (exit 2).
    """
    from vbench.errors import Problem, ScenarioError
    from vbench.record import QUALITY

    names = [m.name for m in QUALITY]
    out = {}
    for spec in specs:
        name, sep, text = spec.partition("=")
        try:
            floor = float(text)
        except ValueError:
            floor = None
        if not sep or floor is None or name.strip() not in names:
            raise ScenarioError("--min", [Problem("", f"expected METRIC=NUMBER with METRIC one of {', '.join(names)}",
                                                  spec, True)])
        out[name.strip()] = floor
    return out


def resolve_gpus(names: list[str], prices: dict[str, float] | None = None) -> list:
    """The profiles ``--gpu`` names (ids, any case), with ``prices`` by profile id applied.

    Raises:
        ScenarioError: a name is no profile's id; the message lists the known ids (exit 2).
    """
    from vbench.errors import Problem, ScenarioError
    from vbench.hardware import get_profile

    out = []
    for name in names:
        try:
            profile = get_profile(name.strip().lower())
        except KeyError as exc:
            raise ScenarioError("--gpu", [Problem("", str(exc.args[0]))]) from None
        price = (prices or {}).get(profile.id)
        out.append(profile if price is None else profile.model_copy(update={"price_usd_per_hour": price}))
    return out


def handle(args) -> int:
    from vbench.errors import Problem, ResultsError, ScenarioError
    from vbench.hardware import load_profiles, with_prices
    from vbench.plan.recommend import recommend_by_scenario
    from vbench.results import records

    if args.budget_gb is not None and not args.budget_gb > 0:
        raise ScenarioError("--budget-gb", [Problem("", "must be a positive number of GiB", args.budget_gb, True)])
    floors = parse_floors(args.min)
    prices = parse_prices(args.price)
    try:
        with_prices(load_profiles(), prices)
    except ValueError as exc:
        raise ScenarioError("--price", [Problem("", str(exc).removeprefix("--price "))]) from None
    targets = resolve_gpus(args.gpu, prices)
    found = records(args.results)
    if not any(r.get("status") == "ok" for r in found):
        raise ResultsError(f"{', '.join(map(str, args.results))}: no run ended ok; nothing to recommend")
    answer = recommend_by_scenario(found, targets, budget_gb=args.budget_gb, floors=floors, prices=prices)
    if args.json:
        print(json.dumps({"floors": floors, "budget_gb": args.budget_gb,
                          "scenarios": [{"scenario": name, "targets": [t.to_dict() for t in scenario_targets]}
                                        for name, scenario_targets in answer]}, indent=2))
        return 0
    console = make_console()
    for name, scenario_targets in answer:
        if len(answer) > 1:
            console.print(f"[bold underline]scenario {name}[/]", highlight=False)
        for target in scenario_targets:
            print_target(console, target, args.top, floors)
    return 0


def print_target(console, target, top: int, floors: dict[str, float]) -> None:
    best = target.best
    price = "no price" if target.price_usd_per_hour is None else f"${target.price_usd_per_hour:.2f}/h"
    budget = "no budget" if target.budget_bytes is None else f"budget {format_bytes(target.budget_bytes)} " \
        f"({target.budget_from})"
    head = f"[bold]{target.name}[/] ({target.id}): {budget}, {price}"
    console.print(head, highlight=False)
    if best is None:
        console.print("  no configuration is known to fit the budget and floors"
                      + (" (the others are undecided)" if any(r.eligible is None for r in target.rows) else ""),
                      markup=False, highlight=False)
    else:
        console.print(f"  fastest that fits: {best.label} — {best.basis} {best.latency_s:.3g} s, peak "
                      f"{format_bytes(best.peak_bytes)}"
                      + (f", {best.speedup:.2f}x the baseline" if best.speedup else "")
                      + ("" if best.speedup_interval is None else
                         f" (95 % {best.speedup_interval[0]:.2f}-{best.speedup_interval[1]:.2f}x)")
                      + (f", ${best.cost_per_video_usd:.3g} per video" if best.cost_per_video_usd is not None else ""),
                      markup=False, highlight=False)
    if target.ties_with is not None:
        lo, hi = target.tie_interval
        tie = next(r.label for r in target.rows if r.config_id == target.ties_with)
        console.print(f"  not clearly faster than {tie}: the 95 % interval of their latency ratio, "
                      f"{lo:.2f}-{hi:.2f}x, holds 1", markup=False, highlight=False)
    table = Table()
    for col in ("configuration", "basis", "latency", "speedup", "peak memory", "vs baseline", "$/video",
                *floors, "verdict"):
        table.add_column(col, justify="left" if col in ("configuration", "basis", "verdict") else "right")
    for row in target.rows[:top]:
        verdict = {True: "fits", False: "no", None: "undecided"}[row.eligible]
        if row.reasons:
            verdict += ": " + "; ".join(row.reasons)
        table.add_row(row.label + (" (baseline)" if row.baseline else ""), row.basis,
                      "—" if row.latency_s is None else f"{row.latency_s:.3g} s",
                      "—" if row.speedup is None else f"{row.speedup:.2f}x", format_bytes(row.peak_bytes),
                      "—" if row.memory_ratio is None else f"{row.memory_ratio:.2f}x",
                      "—" if row.cost_per_video_usd is None else f"{row.cost_per_video_usd:.3g}",
                      *("—" if row.quality.get(f) is None else f"{row.quality[f]:.4g}" for f in floors), verdict)
    console.print(table)
    projected = [r for r in target.rows[:top] if r.basis.startswith("projected")]
    if projected:
        console.print("  projected: " + "; ".join(sorted({n for r in projected for n in r.notes})), markup=False,
                      highlight=False)
    for err in target.projection_errors:
        lat = "—" if err["latency_error"] is None else f"{err['latency_error']:+.1%}"
        mem = "—" if err["memory_error"] is None else f"{err['memory_error']:+.1%}"
        what = "roofline lower bound" if err.get("bound") else "projection"
        console.print(f"  {what} error from {err['from']} ({err['config_id']}): latency {lat}, memory {mem}",
                      markup=False, highlight=False)
