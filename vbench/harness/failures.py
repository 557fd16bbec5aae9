"""Classifying what went wrong in a run: status and a one-line reason, traceback kept apart.

Two kinds of "cannot run" are told apart. A run that cannot start because of the *setup* -- the
``local`` model directory or its files are missing, CUDA is asked for (``measure.device: cuda``,
``--device cuda``) and there is none -- is an ``error``: :func:`setup_problem` finds it before
anything is built, and ``vbench run --strict`` fails on it. A combination this hardware cannot run
(offload or fp8 on a CPU, a kernel package not installed) is ``unsupported``: an expected result of
a sweep, not a failure of it.
"""

from __future__ import annotations

import signal
import traceback

from vbench.errors import UnsupportedError
from vbench.harness.records import failure, now
from vbench.scenario.model_files import local_model_problem
from vbench.verdicts import judge

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


def setup_problem(spec: dict) -> str | None:
    """Why a run (a RunSpec dict) cannot start on this machine as set up, or None.

    Checked before the run is built; a run with a problem is recorded with status ``error`` and
    this reason (:func:`setup_failure`)."""
    model = spec["model"]
    if model.get("source") == "local" and (problem := local_model_problem(model.get("path"))) is not None:
        return f"could not start: model.path: {problem}"
    device = str(spec["measure"].get("device") or "auto")
    if device.startswith("cuda"):
        import torch

        index = int(device.partition(":")[2] or 0)
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if index >= count:
            have = f"only {count} CUDA device(s) are visible" if count else "no CUDA device is available here"
            return (f"could not start: measure.device is {device!r} (--device or the scenario's measure.device) "
                    f"but {have}")
    return None


def setup_failure(spec: dict, *, session: str | None, isolation: dict) -> dict | None:
    """The ``error`` record of a run that cannot start (:func:`setup_problem`), or None."""
    problem = setup_problem(spec)
    if problem is None:
        return None
    record = failure(spec, "error", problem, session=session, started_at=now(), isolation=isolation)
    record["verdict"] = judge(record)
    return record


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
