"""What a run prints goes into its record, not onto the console.

Importing torch, diffusers, transformers or torchao prints warnings (``FutureWarning``s, logging
lines such as torch's ``W1203 … _pytree.py`` notes, "Unable to import `torchao` Tensor objects");
pipelines and native code may print too. While a run executes, :class:`OutputCapture` sends all of
it -- Python warnings, ``sys.stdout``/``sys.stderr``, and file descriptors 1 and 2 (native code and
logging handlers bound to the real streams) -- into one file; :meth:`OutputCapture.lines` gives it
back as lines for the record's ``env.warnings``. The console then shows only vbench's own progress.

A worker captures into a file its parent names, so when the worker dies the parent can put its last
lines into the failure record (:func:`tail`).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

#: At most this many lines, each cut to this many characters, go into ``env.warnings``.
MAX_LINES, MAX_CHARS = 50, 500
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f]")


class OutputCapture:
    """A context manager: everything this process prints inside it goes to ``path`` (a temporary
    file by default). Re-entrant use is not supported; :meth:`suspended` lets vbench's own console
    output through for a moment (inline progress)."""

    def __init__(self, path: str | os.PathLike[str] | None = None):
        self.path = None if path is None else Path(path)
        self.warned: list[str] = []  #: Python warnings, one line each
        self._file: io.BufferedRandom | None = None
        self._saved_fds: dict[int, int] = {}
        self._saved_streams: tuple = ()
        self._text: io.TextIOWrapper | None = None
        self._warnings_cm: warnings.catch_warnings | None = None

    def __enter__(self) -> OutputCapture:
        import tempfile

        self._file = open(self.path, "w+b") if self.path is not None else tempfile.TemporaryFile()  # noqa: SIM115
        self._warnings_cm = warnings.catch_warnings()
        self._warnings_cm.__enter__()
        warnings.showwarning = self._showwarning
        self._redirect()
        return self

    def __exit__(self, *exc: object) -> None:
        self._restore()
        if self._warnings_cm is not None:
            self._warnings_cm.__exit__(None, None, None)
            self._warnings_cm = None

    @contextlib.contextmanager
    def suspended(self) -> Iterator[None]:
        """The real console for a moment (to draw progress in this same process)."""
        if self._file is None or not self._saved_streams:
            yield
            return
        self._restore()
        try:
            yield
        finally:
            self._redirect()

    def lines(self) -> list[str]:
        """Everything captured so far, as distinct lines without control characters (warnings first)."""
        printed = []
        if self._file is not None:
            with contextlib.suppress(OSError, ValueError):
                self._flush()
                self._file.seek(0)
                printed = self._file.read().decode("utf-8", "replace").replace("\r", "\n").splitlines()
                self._file.seek(0, os.SEEK_END)
        return clean([*self.warned, *printed])

    def _showwarning(self, message, category, filename, lineno, file=None, line=None) -> None:
        self.warned.append(f"{category.__name__}: {message} ({filename}:{lineno})")

    def _redirect(self) -> None:
        assert self._file is not None
        self._flush()
        self._saved_streams = (sys.stdout, sys.stderr)
        for fd in (1, 2):
            try:
                self._saved_fds[fd] = os.dup(fd)
                os.dup2(self._file.fileno(), fd)
            except OSError:  # no such descriptor (a daemon): Python's streams are captured still
                self._saved_fds.pop(fd, None)
        self._text = io.TextIOWrapper(open(os.dup(self._file.fileno()), "wb", buffering=0),  # noqa: SIM115
                                      encoding="utf-8", errors="replace", write_through=True)
        sys.stdout = sys.stderr = self._text

    def _restore(self) -> None:
        if not self._saved_streams:
            return
        self._flush(*self._saved_streams)
        sys.stdout, sys.stderr = self._saved_streams
        self._saved_streams = ()
        for fd, saved in self._saved_fds.items():
            with contextlib.suppress(OSError):
                os.dup2(saved, fd)
            os.close(saved)
        self._saved_fds = {}
        if self._text is not None:
            with contextlib.suppress(OSError, ValueError):
                self._text.close()
            self._text = None

    def _flush(self, *others) -> None:
        for stream in (sys.stdout, sys.stderr, *others):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                stream.flush()

    def close(self) -> None:
        self._restore()
        if self._file is not None:
            self._file.close()
            self._file = None


def clean(lines: list[str]) -> list[str]:
    """Distinct, non-blank lines without control characters, at most :data:`MAX_LINES`."""
    out, seen = [], set()
    for raw in lines:
        line = _CONTROL.sub("", raw).strip()
        if not line or line in seen:
            continue
        seen.add(line)
        out.append(line if len(line) <= MAX_CHARS else line[: MAX_CHARS - 1] + "…")
        if len(out) == MAX_LINES:
            out.append(f"… (more lines were cut; at most {MAX_LINES} are kept)")
            break
    return out


def tail(path: str | os.PathLike[str] | None, n: int = 20) -> str | None:
    """The last ``n`` lines a worker printed into its capture file, or None."""
    if path is None:
        return None
    try:
        text = Path(path).read_bytes()[-64_000:].decode("utf-8", "replace")
    except OSError:
        return None
    lines = [_CONTROL.sub("", ln).rstrip() for ln in text.replace("\r", "\n").splitlines()]
    return "\n".join([ln for ln in lines if ln.strip()][-n:]) or None
