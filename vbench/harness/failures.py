"""Classifying what went wrong in a run: status and a one-line reason, traceback kept apart."""

from __future__ import annotations

import signal
import traceback

from vbench.errors import UnsupportedError

_OOM_TEXT = ("out of memory", "can't allocate memory", "cannot allocate memory", "defaultcpuallocator",
             "std::bad_alloc", "outofmemoryerror")
_UNSUPPORTED_TEXT = ("requires accelerator, but not found", "not supported on cpu", "no kernel image",
                     "not implemented for 'half'", "\"addmm_impl_cpu_\" not implemented")


def classify(exc: BaseException) -> tuple[str, str]:
    """(status, reason) for an exception raised while building or running a pipeline."""
    text = f"{type(exc).__name__}: {exc}".strip()
    lowered = text.lower()
    if isinstance(exc, UnsupportedError):
        return "unsupported", str(exc)
    if isinstance(exc, MemoryError) or any(t in lowered for t in _OOM_TEXT):
        return "oom", _first_line(text)
    if any(t in lowered for t in _UNSUPPORTED_TEXT):
        return "unsupported", _first_line(text)
    return "error", _first_line(text)


def format_traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def describe_exit(exitcode: int | None) -> str:
    """Why a worker process ended, from its exit code (negative: killed by that signal)."""
    if exitcode is None:
        return "the worker did not exit"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = {"SIGKILL": " (the host's out-of-memory killer sends this, among others)",
                "SIGSEGV": " (a segmentation fault in native code)",
                "SIGABRT": " (an abort in native code)"}.get(name, "")
        return f"the worker process was killed by {name}{hint}"
    return f"the worker process exited with code {exitcode} without sending a record"


def _first_line(text: str, limit: int = 500) -> str:
    line = text.strip().splitlines()[0] if text.strip() else text
    return line if len(line) <= limit else line[: limit - 1] + "…"
