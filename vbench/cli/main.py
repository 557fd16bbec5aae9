"""The ``vbench`` command: ``run``, ``validate``, ``list``, ``env``, ``hardware``, ``results``, ``score``,
``weights``, ``report``, ``compare``.

Exit codes: 0 success; 1 the work ran but something failed (``run --strict`` with failed runs,
``compare`` with a regression); 2 bad input (a scenario or results file), with one readable message
per problem and no traceback; 3 ``compare`` could not decide a rule; 130 interrupted (Ctrl-C), with
one line saying what was kept; 141 the output pipe was closed early (``vbench … | head``), silently.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from vbench._version import __version__
from vbench.errors import ResultsError, ScenarioError, VbenchError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 130, 141  # 128 + SIGINT, 128 + SIGPIPE: what a shell shows for them


def build_parser() -> argparse.ArgumentParser:
    from vbench.cli import (
        compare_cmd,
        env_cmd,
        hardware_cmd,
        list_cmd,
        plan_cmd,
        recommend_cmd,
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
    for module in (run_cmd, validate_cmd, list_cmd, env_cmd, hardware_cmd, plan_cmd, recommend_cmd, results_cmd, score_cmd, weights_cmd,
                   report_cmd, compare_cmd):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        try:
            code = int(args.handler(args) or EXIT_OK)
        except (ScenarioError, ResultsError) as exc:
            print(f"error: {exc}" if "\n" not in str(exc) else f"error:\n{exc}", file=sys.stderr)
            code = EXIT_BAD_INPUT
        except VbenchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            code = EXIT_FAILED
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            code = EXIT_INTERRUPTED
        sys.stdout.flush()  # here, not at exit, so a closed pipe is seen below
        return code
    except BrokenPipeError:  # `vbench … | head`: the reader has what it wanted
        _silence_output()
        return EXIT_BROKEN_PIPE


def _silence_output() -> None:
    """Point stdout and stderr at /dev/null, so the interpreter's last flush of what is left in them
    does not fail again (with an "Exception ignored" message)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
