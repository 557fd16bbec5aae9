"""The rich consoles the commands print with: terminal width on a terminal, unwrapped elsewhere.

Off a terminal (a pipe, a file, a CI log) rich would wrap every table and line at 80 columns (or
at ``COLUMNS``, which a parent process may have left behind); a log is read later, in a wider
window or by a program, so there lines keep their length (as wide as :data:`WIDE`). Colour and cursor movement appear only on a
terminal (rich's own rule). A closed pipe raises ``BrokenPipeError`` for ``main`` to end quietly.
"""

from __future__ import annotations

from rich.console import Console

#: The width of a console that is not a terminal: wide enough that no table or line is wrapped.
WIDE = 10_000


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """The reader went away (``| head``): handled once, in :func:`vbench.cli.main.main` (exit 141),
        rather than by rich's own ``SystemExit(1)``."""
        self.quiet = True
        raise BrokenPipeError


def console(*, stderr: bool = False) -> Console:
    """A console on stdout (or stderr) that wraps only on a terminal."""
    probe = _Console(stderr=stderr)
    return probe if probe.is_terminal else _Console(stderr=stderr, width=WIDE)
