"""``vbench run SCENARIO…``: expand, run every configuration, store records (and score them)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from vbench.scenario import RunSpec, iter_labels, plan
from vbench.scenario.run_options import add_run_options, overrides_from


def register(sub) -> None:
    p = sub.add_parser("run", help="run scenario files and write a record per run")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    add_run_options(p.add_argument)
    p.add_argument("--dry-run", action="store_true", help="print the expanded runs as a table; run nothing")
    p.add_argument("--session", default=None, help="name of this results session (default: a UTC timestamp)")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when a run ends with status error or timeout (oom/unsupported are results)")
    p.add_argument("--report", default=None, metavar="HTML",
                   help="also write an HTML report of this session (with --resume: of every session of the scenario)")
    p.add_argument("--no-quality", action="store_true",
                   help="do not score the runs after the sweep (by default runs are scored when the scenario "
                        "lists metrics; `vbench score` does it later)")
    p.set_defaults(handler=handle)


def handle(args) -> int:
    console = Console(stderr=True)
    overrides = overrides_from(args.set, args.device)
    plans = [(path, *plan(path, overrides)) for path in args.scenarios]  # validate all before running any
    if args.dry_run:
        for path, scenario, runs in plans:
            print_plan(Console(width=None if Console().is_terminal else 160), path, scenario, runs)
        return 0
    from vbench.harness import run_sweep  # heavy imports only when really running

    out = Path(args.results or "results")
    failed = 0
    written = []
    for path, scenario, runs in plans:
        console.print(f"[bold]{path}[/]: {len(runs)} runs → {out / scenario.name}")
        result = run_sweep(runs, out_dir=out, session=args.session, resume=args.resume, console=console)
        # a resumed session holds only the rest: the report then shows every session of the scenario
        written.append(out / scenario.name if args.resume else result.path)
        failed += sum(r["status"] in ("error", "timeout") for r in result.records)
        if result.records and scenario.metrics and not args.no_quality:
            from vbench.scoring.session import score_session

            score_session(result.path, console=console, device=args.device)
    if args.report:
        from vbench.report import write_report

        write_report(written, args.report)
        console.print(f"report: {args.report}")
    return 1 if args.strict and failed else 0


def print_plan(console: Console, path: str, scenario, runs: list[RunSpec]) -> None:
    table = Table(title=f"{path}: scenario {scenario.name!r}, {len(runs)} runs", show_lines=False)
    for col in ("#", "run_id", "role", "label", "prompt", "seed", "reference"):
        table.add_column(col, no_wrap=col != "prompt", overflow="fold")
    for i, (run, label) in enumerate(zip(runs, iter_labels(runs), strict=True), 1):
        prompt = run.workload.prompt if len(run.workload.prompt) <= 32 else run.workload.prompt[:31] + "…"
        table.add_row(str(i), run.run_id, run.role, label, prompt, str(run.workload.seed),
                      run.reference_id or "(itself)")
    console.print(table)
