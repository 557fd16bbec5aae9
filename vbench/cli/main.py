"""The ``vbench`` command: ``run``, ``validate``, ``list``, ``env``, ``results``, ``score``, ``weights``.

Exit codes: 0 success; 1 the work ran but something failed (``run --strict`` with failed runs,
``compare`` with a regression); 2 bad input (a scenario or results file), with one readable message
per problem and no traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from vbench import __version__
from vbench.errors import ResultsError, ScenarioError, VbenchError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    from vbench.cli import (
        compare_cmd,
        env_cmd,
        list_cmd,
        report_cmd,
        results_cmd,
        run_cmd,
        score_cmd,
        validate_cmd,
        weights_cmd,
    )

    parser = argparse.ArgumentParser(prog="vbench", description="Benchmark and profile video diffusion models.")
    parser.add_argument("--version", action="version", version=f"vbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (run_cmd, validate_cmd, list_cmd, env_cmd, results_cmd, score_cmd, weights_cmd, report_cmd,
                   compare_cmd):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or EXIT_OK)
    except (ScenarioError, ResultsError) as exc:
        print(f"error: {exc}" if "\n" not in str(exc) else f"error:\n{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except VbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted; every finished record is kept", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
