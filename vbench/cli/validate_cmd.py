"""``vbench validate SCENARIO…``: check files and count their runs without running anything.

Beyond the schema, it looks at the disk where a run would: a ``local`` model's ``model.path``
must be a directory written by ``save_pretrained`` (model_index.json and weight files).
"""

from __future__ import annotations

import sys

from vbench.errors import ScenarioError
from vbench.scenario import plan
from vbench.scenario.loader import source_label
from vbench.scenario.model_files import local_path_problems


def register(sub) -> None:
    p = sub.add_parser("validate", help="check scenario files (and local model directories) and show how many "
                                        "runs each expands to")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    p.add_argument("--set", action="append", default=[], metavar="KEY.PATH=VALUE", help="override a field")
    p.set_defaults(handler=handle)


def handle(args) -> int:
    failed = 0
    for path in args.scenarios:
        try:
            scenario, runs = plan(path, args.set)
            problems = local_path_problems(r.model for r in runs)
            if problems:
                raise ScenarioError(source_label(path, args.set), problems)
        except ScenarioError as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        configs = len({r.config_id for r in runs})
        refs = sum(r.role == "reference" for r in runs)
        print(f"{path}: ok — scenario {scenario.name!r}, {len(runs)} runs ({configs} configurations, "
              f"{refs} of them quality references)")
    return 2 if failed else 0
