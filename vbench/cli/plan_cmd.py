"""``vbench plan RESULTS``: per configuration, a memory model fitted on its runs and what fits a budget."""

from __future__ import annotations

import json

from rich.table import Table

from vbench.cli.console import console as make_console
from vbench.units import format_bytes

#: An answer this many times past the largest measured size is flagged as an extrapolation.
EXTRAPOLATED = 1.5
_UNITS = {"1": "", "tokens": "/token", "tokens2": "/token²", "pixels": "/pixel", "pixel_frames": "/pixel·frame"}


def register(sub) -> None:
    p = sub.add_parser("plan", help="fit peak memory per stage on a sweep's records; the largest frames, "
                                    "resolution and batch that fit a budget")
    p.add_argument("results", nargs="+", metavar="RESULTS", help="results files or folders (a sweep over sizes)")
    p.add_argument("--budget-gb", type=float, action="append", default=[], metavar="GIB",
                   help="memory budget in GiB (the card's memory); may repeat")
    p.add_argument("--gpu", action="append", default=[], metavar="PROFILE",
                   help="a hardware profile whose memory is the budget, e.g. --gpu rtx-4090; may repeat")
    p.add_argument("--frames", type=int, default=None, help="frames held fixed (default: the most the runs had)")
    p.add_argument("--height", type=int, default=None, help="height held fixed (default: the runs' largest)")
    p.add_argument("--width", type=int, default=None, help="width held fixed (default: the runs' largest)")
    p.add_argument("--batch", type=int, default=1, help="videos per call held fixed (default 1)")
    p.add_argument("--margin-gb", type=float, default=None,
                   help="the margin for the CUDA context and fragmentation (default: measured from the records)")
    p.add_argument("--json", action="store_true", help="print the plans as JSON")
    p.set_defaults(handler=handle)


def budgets(budget_gb: list[float], gpus: list[str]) -> list[tuple[float, str]]:
    """``(bytes, where from)`` of every ``--budget-gb`` and ``--gpu``.

    Raises:
        ScenarioError: no budget given, a budget not positive, or an unknown profile (exit 2).
    """
    from vbench.errors import Problem, ScenarioError
    from vbench.hardware import get_profile
    from vbench.units import budget_bytes

    out = []
    for gib in budget_gb:
        if not gib > 0:
            raise ScenarioError("--budget-gb", [Problem("", "must be a positive number of GiB", gib, True)])
        out.append((float(budget_bytes(gib)), f"--budget-gb {gib:g}"))
    for gpu in gpus:
        try:
            profile = get_profile(gpu.lower())
        except KeyError as exc:
            raise ScenarioError("--gpu", [Problem("", str(exc.args[0]))]) from None
        out.append((float(profile.memory_bytes), f"{profile.id} ({profile.memory_gib:g} GiB)"))
    if not out:
        raise ScenarioError("vbench plan", [Problem("", "give a budget: --budget-gb GIB or --gpu PROFILE "
                                                        "(`vbench hardware` lists the profiles)")])
    return out


def handle(args) -> int:
    from vbench.errors import Problem, ResultsError, ScenarioError
    from vbench.plan.memory_model import fit_group
    from vbench.plan.planner import make_plan
    from vbench.plan.points import group_records
    from vbench.results import records

    wanted = budgets(args.budget_gb, args.gpu)
    for name in ("frames", "height", "width", "batch"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise ScenarioError(f"--{name}", [Problem("", "must be a positive integer", value, True)])
    if args.margin_gb is not None and not args.margin_gb >= 0:
        raise ScenarioError("--margin-gb", [Problem("", "must be a number of GiB, 0 or more", args.margin_gb, True)])
    groups = [g for g in group_records(records(args.results)) if g.points]
    if not groups:
        raise ResultsError(f"{', '.join(map(str, args.results))}: no finished run with per-stage memory to fit "
                           "(run a sweep over num_frames / height / width first, e.g. scenarios/fit-wan.yaml)")
    plans = []
    for group in groups:
        model = fit_group(group)
        largest = max(group.points, key=lambda p: (p.pixels, p.frames))
        frames = args.frames or max(p.frames for p in group.points)
        height, width = args.height or largest.height, args.width or largest.width
        for budget, where in wanted:
            plans.append(make_plan(model, budget, where, frames=frames, height=height, width=width,
                                   batch=args.batch, margin_gb=args.margin_gb))
    if args.json:
        print(json.dumps([p.to_dict() for p in plans], indent=2))
        return 0
    console = make_console()
    shown: set[str] = set()
    for plan in plans:
        if plan.model.group.key not in shown:
            shown.add(plan.model.group.key)
            print_model(console, plan.model)
        print_answers(console, plan)
    return 0


def describe_term(term: str, coef: float) -> str:
    if term == "1":
        return format_bytes(coef)
    if coef >= 1024:
        return f"{format_bytes(coef)}{_UNITS[term]}"
    return f"{coef:.3g} B{_UNITS[term]}"


def print_model(console, model) -> None:
    g = model.group
    source = "torch allocator, peak allocated" if g.source == "allocator" else "host RSS (a CPU run)"
    console.print(f"[bold]{g.label}[/] on {g.device}: {len(g.points)} runs, memory from {source}"
                  + (f", {len(g.oom)} out of memory" if g.oom else ""), highlight=False)
    table = Table(title="peak memory per stage = the sum of its terms (chosen by leave-one-out)")
    for col in ("stage", "terms", "leave-one-out error (RMS, largest)", "runs"):
        table.add_column(col, justify="right" if col == "runs" else "left")
    for name, stage in model.stages.items():
        terms = " + ".join(describe_term(t, c) for t, c in zip(stage.fit.terms, stage.fit.coef, strict=True))
        table.add_row(name, terms, _loo(stage.loo), str(stage.loo.n))
    table.add_row("peak (largest stage)", "", _loo(model.peak_loo), str(model.peak_loo.n))
    console.print(table)
    for note in model.notes:
        console.print(f"note: {note}", markup=False, highlight=False)
    for oom in g.oom:
        sizes = {k: oom[k] for k in ("num_frames", "height", "width", "num_videos_per_prompt")}
        predicted = model.predict_peak(frames=sizes["num_frames"], height=sizes["height"], width=sizes["width"],
                                       batch=sizes["num_videos_per_prompt"])
        console.print(f"out of memory at {_sizes(sizes)}: predicted peak {format_bytes(predicted)}",
                      markup=False, highlight=False)


def _loo(loo) -> str:
    if loo.rms_bytes is None:
        return f"undecided: {loo.n} runs are too few"
    return f"{format_bytes(loo.rms_bytes)}, {format_bytes(loo.max_abs_bytes)} ({loo.max_rel:.2%})"


def _sizes(sizes: dict) -> str:
    return (f"{sizes['num_frames']} frames, {sizes['height']}x{sizes['width']}"
            + (f", batch {sizes['num_videos_per_prompt']}" if sizes.get("num_videos_per_prompt", 1) != 1 else ""))


def print_answers(console, plan) -> None:
    m = plan.margin
    console.print(f"budget {plan.budget_from}: {format_bytes(plan.budget_bytes)} − margin {format_bytes(m.bytes)} "
                  f"= {format_bytes(plan.usable_bytes)} for the peak ({m.note})", markup=False, highlight=False)
    reasons = {a.undecided for a in plan.answers}
    if len(reasons) == 1 and None not in reasons:
        console.print(f"undecided: {reasons.pop()}", markup=False, highlight=False)
        return
    table = Table()
    for col in ("largest that fits", "at", "predicted peak", "safe (peak + largest LOO error)"):
        table.add_column(col)
    for a in plan.answers:
        at = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in a.at.items())
        if a.undecided:
            table.add_row(f"{a.field}: undecided ({a.undecided})", at, "—", "—")
            continue
        value = _value(a.field, a.value) + (f" ({a.limit})" if a.limit else "")
        if a.beyond is not None and a.beyond > EXTRAPOLATED:
            value += f"; extrapolated {a.beyond:.1f}x past the largest run"
        safe = "undecided (no leave-one-out error)" if a.safe_value is None and a.value is not None and \
            plan.model.peak_loo.max_abs_bytes is None else _value(a.field, a.safe_value)
        table.add_row(value, at, format_bytes(a.predicted_peak_bytes), safe)
    console.print(table)


def _value(field: str, value) -> str:
    if value is None:
        return "nothing fits"
    if field == "resolution":
        return f"{value[0]}x{value[1]}"
    if field == "num_frames":
        return f"{value} frames"
    return f"{value} video{'s' if value != 1 else ''} per call"
