"""``vbench report RESULTS… -o report.html``: one self-contained HTML report of stored results."""

from __future__ import annotations

import sys

from vbench.cli.recommend_cmd import add_target_options


def register(sub) -> None:
    p = sub.add_parser("report", help="write a self-contained HTML report (opens offline) of stored results")
    p.add_argument("results", nargs="+", metavar="RESULTS", help="results files or folders (searched recursively)")
    p.add_argument("-o", "--output", default="report.html", metavar="HTML", help="where to write it (default: report.html)")
    p.add_argument("--price", action="append", default=[], metavar="GPU=USD/h",
                   help="price per hour of a machine, matched to its GPU name, e.g. H100=2.49; may repeat")
    p.add_argument("--previews", type=int, default=None, metavar="N",
                   help="how many runs get video previews (default: 6; 0 turns them off)")
    p.add_argument("--title", default=None, help="the page title (default: names the scenarios)")
    p.add_argument("--pool", action="store_true",
                   help="a run repeated across sessions pools the raw latency samples of every repeat "
                        "(default: its newest record is shown); the page says which")
    add_target_options(p, "open the answer with the fastest configuration that fits this hardware profile, "
                          "measured or projected to it (as `vbench recommend`), e.g. --gpu rtx-4090; may repeat",
                       prefix="with --gpu: ")
    p.set_defaults(handler=handle)


def handle(args) -> int:
    from vbench.cli.recommend_cmd import parse_floors, resolve_gpus
    from vbench.errors import Problem, ScenarioError
    from vbench.report import DEFAULT_PREVIEWS, write_report
    from vbench.units import format_bytes, parse_price

    try:
        prices = dict(parse_price(p) for p in args.price)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.gpu and (args.budget_gb is not None or args.min):
        raise ScenarioError("--budget-gb/--min", [Problem("", "apply to the answer per GPU profile: give --gpu PROFILE "
                                                          "too (`vbench hardware` lists them); a scenario's own "
                                                          "budget is limits.memory_budget_gb")])
    if args.budget_gb is not None and not args.budget_gb > 0:
        raise ScenarioError("--budget-gb", [Problem("", "must be a positive number of GiB", args.budget_gb, True)])
    floors = parse_floors(args.min)
    gpus = resolve_gpus(args.gpu, prices)
    previews = DEFAULT_PREVIEWS if args.previews is None else max(0, args.previews)
    path = write_report(args.results, args.output, prices=prices, previews=previews, title=args.title,
                        pool=args.pool, gpus=gpus, budget_gb=args.budget_gb, floors=floors)
    print(f"report: {path} ({format_bytes(path.stat().st_size)})", file=sys.stderr)
    return 0
