"""``vbench run SCENARIO…``: expand, run every configuration, store records (and score them)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from vbench.cli.console import console as make_console
from vbench.scenario import RunSpec, iter_labels, plan
from vbench.scenario.run_options import add_run_options, overrides_from

STRICT_HELP = ("exit 1 when a run ends with status error or timeout -- which includes a run that could not start "
               "because of the setup (local model directory or its files missing, CUDA asked for by --device or "
               "measure.device but absent) -- or when no run ended ok; oom, and unsupported (a combination "
               "this machine cannot run, such as offload on a CPU), are results")


def register(sub) -> None:
    p = sub.add_parser("run", help="run scenario files and write a record per run")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    add_run_options(p.add_argument)
    p.add_argument("--dry-run", action="store_true", help="print the expanded runs as a table; run nothing")
    p.add_argument("--session", default=None, help="name of this results session (default: a UTC timestamp)")
    p.add_argument("--executor", choices=("local", "ray"), default="local",
                   help="local: workers on this machine (measure.isolation); ray: each run a Ray task in a fresh "
                        "worker process on a Ray cluster (pip install 'vbench[ray]')")
    p.add_argument("--address", default=None, metavar="ADDRESS",
                   help="with --executor ray: the cluster (auto, ray://host:10001 ...; default: a local Ray instance "
                        "started for the sweep, or the one already running)")
    p.add_argument("--accelerator-type", default=None, metavar="KIND",
                   help="with --executor ray: run on nodes of this GPU kind (Ray's accelerator_type, e.g. H100)")
    p.add_argument("--shard", default=None, metavar="I/N",
                   help="run shard I of N only: the runs whose run_id falls in it, with the references they are "
                        "scored against (stable on every machine; `vbench results merge` joins the shards)")
    p.add_argument("--strict", action="store_true", help=STRICT_HELP)
    p.add_argument("--report", default=None, metavar="HTML",
                   help="also write an HTML report of this session (with --resume: of every session of the scenario)")
    p.add_argument("--no-quality", action="store_true",
                   help="do not score the runs after the sweep (by default runs are scored when the scenario "
                        "lists metrics; `vbench score` does it later)")
    p.add_argument("--find-max", choices=["num_frames"], default=None,
                   help="find the largest num_frames that fits --budget-gb with real runs, starting from the "
                        "memory model of the scenario's stored runs (`vbench plan`); writes predicted vs found "
                        "to <session>.find-max.json")
    p.add_argument("--budget-gb", type=float, default=None, metavar="GIB",
                   help="the memory budget of --find-max, in GiB")
    p.set_defaults(handler=handle)


def handle(args) -> int:
    console = make_console(stderr=True)  # progress and notes; the summary tables go to stdout
    overrides = overrides_from(args.set, args.device)
    check_destination(args.results, args.session)
    plans = [(path, *plan(path, overrides)) for path in args.scenarios]  # validate all before running any
    if args.executor != "ray" and (args.address or args.accelerator_type):
        from vbench.errors import Problem, ScenarioError

        given = "--address" if args.address else "--accelerator-type"
        raise ScenarioError(given, [Problem("", "applies to --executor ray only; allowed: add --executor ray")])
    if args.shard is not None:
        from vbench.scenario.shard import parse_shard, select_shard

        index, count = parse_shard(args.shard)
        plans = [(path, scenario, select_shard(runs, index, count)) for path, scenario, runs in plans]
        if args.find_max:
            from vbench.errors import Problem, ScenarioError

            raise ScenarioError("--shard", [Problem("", "--find-max bisects one configuration on one machine; "
                                                        "allowed: --shard without --find-max", args.shard, True)])
    if args.find_max and not (args.budget_gb and args.budget_gb > 0):
        from vbench.errors import Problem, ScenarioError

        raise ScenarioError("--find-max", [Problem("", "needs --budget-gb GIB (a positive number)",
                                                   args.budget_gb, args.budget_gb is not None)])
    if args.dry_run:
        for path, scenario, runs in plans:
            print_plan(make_console(), path, scenario, runs)
        return 0
    from vbench.cli.run_summary import print_summary
    from vbench.harness import SweepInterrupted, run_sweep  # heavy imports only when really running
    from vbench.harness.progress import describe, scoring
    from vbench.store import read_records

    out = Path(args.results or "results")
    if args.find_max:
        from vbench.cli.find_max_cmd import find_max

        return find_max(args, plans, console, out)
    strict_failures = []
    written = []
    for path, scenario, runs in plans:
        if not runs:  # a shard can hold none of a small scenario's runs
            console.print(f"[bold]{path}[/]: no runs in shard {args.shard}", highlight=False)
            continue
        shard = f" (shard {args.shard})" if args.shard else ""
        console.print(f"[bold]{path}[/]: {len(runs)} runs{shard} → {out / scenario.name}", highlight=False)
        scores = scenario.metrics and not args.no_quality
        # a Ray sweep runs elsewhere: scoring waits for its records rather than overlapping its runs
        local = args.executor == "local"
        overlap = _overlap_scorer(out / scenario.name, scenario, runs, args.device) if scores and local else None
        try:
            result = run_sweep(runs, out_dir=out, session=args.session, resume=args.resume, console=console,
                               gate=overlap, executor=args.executor, address=args.address,
                               accelerator_type=args.accelerator_type)
        except SweepInterrupted as stop:
            if overlap is not None:
                overlap.stop()
            console.print(f"interrupted: {stop}; the same command with --resume runs the rest",
                          markup=False, highlight=False)
            return 130
        # a resumed session holds only the rest: the report then shows every session of the scenario
        written.append(out / scenario.name if args.resume else result.path)
        strict_failures += _strict_failures(path, result.records)
        ok = sum(r["status"] == "ok" for r in result.records)
        warm = overlap.close() if overlap is not None else None
        if ok and scores:
            from vbench.scoring.session import score_session

            console.print(describe(scoring(ok, scenario.metrics)) + _overlap_note(overlap), markup=False,
                          highlight=False)
            try:
                score_session(result.path, console=console, device=args.device, scoring=warm)
            except KeyboardInterrupt:
                console.print(f"interrupted while scoring: the {len(result.records)} runs are stored in "
                              f"{result.path}, unscored; `vbench score {result.path}` scores them",
                              markup=False, highlight=False)
                return 130
        if result.records:
            ids = {r["run_id"] for r in result.records}
            stored = {r["run_id"]: r for r in read_records(result.path).records if r["run_id"] in ids}
            print_summary(make_console(), f"{path}: session {result.path.stem}", list(stored.values()))
    if args.report:
        from vbench.report import write_report

        write_report(written, args.report)
        console.print(f"report: {args.report}")
    if args.strict and strict_failures:
        for line in strict_failures:
            console.print(f"--strict: {line}", markup=False, highlight=False)
        return 1
    return 0


def _overlap_scorer(folder: Path, scenario, runs: list[RunSpec], device: str | None):
    """The scorer that works while the sweep's workers load and build (never while they time):
    for runs in worker processes; ``inline`` runs share this process, so they are scored after."""
    if runs[0].measure.isolation == "inline":
        return None
    from vbench.scoring.overlap import OverlapScorer

    return OverlapScorer(folder, scenario.metrics, device, [r.measure.device for r in runs])  # started by the sweep


def _overlap_note(overlap) -> str:
    if overlap is None:
        return ""
    if overlap.why_not:
        return f" ({overlap.why_not})"
    return f" ({overlap.scored} scored during the sweep, none while a run was loaded or timed)" if overlap.scored else ""


def _strict_failures(path: str, records: list[dict]) -> list[str]:
    """Why ``--strict`` fails for one sweep's records: runs in error or timeout, or none ok."""
    bad = [r for r in records if r["status"] in ("error", "timeout")]
    out = [f"{path}: {r.get('label') or r['run_id']} ended {r['status']}: {r.get('reason')}" for r in bad]
    if records and not any(r["status"] == "ok" for r in records) and not bad:
        out.append(f"{path}: no run ended ok ({', '.join(sorted({r['status'] for r in records}))})")
    return out


def print_plan(console: Console, path: str, scenario, runs: list[RunSpec]) -> None:
    table = Table(title=f"{path}: scenario {scenario.name!r}, {len(runs)} runs", show_lines=False)
    for col in ("#", "run_id", "role", "label", "prompt", "seed", "reference"):
        table.add_column(col, no_wrap=col != "prompt", overflow="fold")
    for i, (run, label) in enumerate(zip(runs, iter_labels(runs), strict=True), 1):
        prompt = run.workload.prompt if len(run.workload.prompt) <= 32 else run.workload.prompt[:31] + "…"
        table.add_row(str(i), run.run_id, run.role, label, prompt, str(run.workload.seed),
                      run.reference_id or "(itself)")
    console.print(table)


def check_destination(out: str | None, session: str | None) -> None:
    """``--out`` must be a folder (or not exist yet) and ``--session`` a plain name, before anything runs.

    Raises:
        ScenarioError: naming the option, the value and what is allowed (exit 2).
    """
    from vbench.errors import Problem, ScenarioError
    from vbench.store.layout import check_name

    if out is not None and Path(out).exists() and not Path(out).is_dir():
        raise ScenarioError("--out", [Problem("", "is not a folder; give a results folder (it is created if "
                                                  "missing)", out, True)])
    if session is not None:
        try:
            check_name(session, "session name")
        except ValueError as exc:
            raise ScenarioError("--session", [Problem("", str(exc))]) from None
