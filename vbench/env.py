"""The machine and software a result was measured on, and how full the GPUs are.

Works without torch (the GPU fields are then unavailable with the reason) and imports torch
only inside functions. Asking torch about a GPU initialises CUDA in this process, and
:func:`gpu_memory` creates a CUDA context on each device it queries (``mem_get_info``).

>>> fp = fingerprint()
>>> sorted(k for k in ("host", "cpu", "gpu", "versions", "git") if k in fp)
['cpu', 'git', 'gpu', 'host', 'versions']
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import socket
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from vbench import nvml
from vbench.errors import UnsupportedError
from vbench.nvml import error_text

#: distributions whose versions every record carries
PACKAGES = ("vbench", "torch", "torchvision", "diffusers", "transformers", "accelerate", "numpy")
#: a device counts as nearly full when at most this fraction of it is free
FULL_FRACTION = 0.10


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cpu() -> dict[str, Any]:
    out: dict[str, Any] = {"model": _cpu_model(), "logical_cores": os.cpu_count(), "physical_cores": None}
    if hasattr(os, "sched_getaffinity"):
        out["usable_cores"] = len(os.sched_getaffinity(0))  # what a container or taskset allows
    try:
        import psutil

        out["physical_cores"] = psutil.cpu_count(logical=False)
    except ImportError:
        pass
    return out


def _ram_total() -> int | None:
    try:
        import psutil

        return int(psutil.virtual_memory().total)
    except ImportError:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        return int(pages * size) if pages > 0 and size > 0 else None


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    if out["vbench"] is None:  # running from a source tree that was not installed
        from vbench._version import __version__

        out["vbench"] = __version__
    return out


def _driver_version() -> tuple[str | None, str | None]:
    """NVIDIA driver version from NVML, else from /proc/driver/nvidia/version."""
    value, reason = nvml.driver_version()
    if value is not None:
        return value, None
    try:
        text = Path("/proc/driver/nvidia/version").read_text()
    except OSError:
        return None, reason
    match = re.search(r"Kernel Module\s+(?:for \S+\s+)?(\d+(?:\.\d+)+)", text)
    return (match.group(1), None) if match else (None, reason)


def _torch() -> tuple[Any, str | None]:
    try:
        import torch
    except ImportError:
        return None, "torch is not installed"
    return torch, None


def _gpu(fp: dict[str, Any]) -> None:
    torch, reason = _torch()
    if torch is None or not torch.cuda.is_available():
        fp["gpu"] = None
        fp["unavailable"]["gpu"] = reason or "no CUDA device"
        return
    devices = []
    try:
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            devices.append({"index": i, "name": props.name, "memory_bytes": int(props.total_memory),
                            "compute_capability": f"{props.major}.{props.minor}",
                            "multiprocessors": props.multi_processor_count})
        current = torch.cuda.current_device()
    except Exception as exc:  # a broken driver, a lost device
        fp["gpu"] = None
        fp["unavailable"]["gpu"] = f"torch cannot describe the CUDA devices ({error_text(exc)})"
        return
    driver, why = _driver_version()
    if driver is None:
        fp["unavailable"]["gpu.driver"] = why or "driver version not found"
    fp["gpu"] = {**{k: v for k, v in devices[current].items() if k != "index"}, "index": current,
                 "count": len(devices), "driver": driver, "devices": devices,
                 "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES")}


def _toolkit(fp: dict[str, Any]) -> None:
    torch, reason = _torch()
    fp["cuda"] = getattr(getattr(torch, "version", None), "cuda", None)
    hip = getattr(getattr(torch, "version", None), "hip", None)
    if hip:
        fp["hip"] = hip  # ROCm builds only
    fp["cudnn"] = None
    build = getattr(torch, "__version__", None)  # e.g. 2.14.1+cu130: the wheel's CUDA flavour
    # a plain str: torch's TorchVersion would make the parent import torch to unpickle a worker's record
    fp["torch_build"] = str(build) if build is not None else None
    if torch is not None:
        try:
            version = torch.backends.cudnn.version()
            fp["cudnn"] = str(version) if version is not None else None
        except Exception as exc:
            reason = error_text(exc)
    if fp["cuda"] is None:
        fp["unavailable"]["cuda"] = reason or "torch is built without CUDA"
    if fp["cudnn"] is None:
        fp["unavailable"]["cudnn"] = reason or "cuDNN is not available to torch"


def git_state(path: str | os.PathLike | None = None) -> tuple[dict[str, Any] | None, str | None]:
    """``({"commit": short hash, "dirty": bool}, None)`` for the repository at ``path``, or ``(None, reason)``.

    ``dirty`` means tracked files differ from the commit (untracked files do not count).
    """
    cwd = str(path) if path is not None else os.getcwd()
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}  # `git status` must not refresh (write) the index

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=10,
                              check=True)
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "--short=12", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except FileNotFoundError:
        return None, "git is not installed"
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or "").strip().splitlines()
        return None, f"not a git repository with a commit ({detail[0] if detail else 'git failed'})"
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"git failed ({error_text(exc)})"
    return {"commit": commit, "dirty": dirty}, None


def fingerprint(path: str | os.PathLike | None = None) -> dict[str, Any]:
    """Host, OS, Python, CPU, RAM, GPU, CUDA/cuDNN, package versions and git state, as plain JSON.

    Anything that cannot be read is ``None`` with its reason under ``unavailable``.

    Args:
        path: the working directory whose git commit is recorded (default: the current one).
    """
    fp: dict[str, Any] = {
        "host": socket.gethostname(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "cpu": _cpu(),
        "ram_total_bytes": _ram_total(),
        "versions": _versions(),
        "unavailable": {},
    }
    _gpu(fp)
    _toolkit(fp)
    fp["git"], reason = git_state(path)
    if reason:
        fp["unavailable"]["git"] = reason
    return fp


def machine_id(fp: dict[str, Any]) -> str:
    """A short id, stable across runs, that groups results by machine: a hash of host and GPU name.

    >>> machine_id({"host": "box", "gpu": None}) == machine_id({"host": "box", "gpu": None})
    True
    """
    gpu = fp.get("gpu") or {}
    key = f"{fp.get('host', '')}|{gpu.get('name') or 'cpu'}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def pick_device(name: Any = "auto") -> Any:
    """The ``torch.device`` a run or a scorer uses: ``auto`` (or None) is the first CUDA device when
    there is one, else the CPU; any other name as given.

    Raises:
        UnsupportedError: CUDA is asked for by name and this machine has none.

    >>> str(pick_device("cpu"))
    'cpu'
    """
    import torch

    if name is None or str(name) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(name)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise UnsupportedError(f"measure.device is {str(name)!r} but no CUDA device is available here")
    return dev


def gpu_memory(devices: list[int] | None = None) -> list[dict[str, Any]]:
    """Per CUDA device: total, free (all processes counted), reserved and allocated by this process, bytes.

    A ``warning`` string is set when at most 10 % of the card is free. ``[]`` without CUDA.

    Args:
        devices: device indices to query (default: every visible device); each one queried gets
            a CUDA context in this process.
    """
    torch, _ = _torch()
    if torch is None or not torch.cuda.is_available():
        return []
    out = []
    for i in devices if devices is not None else range(torch.cuda.device_count()):
        free, total = torch.cuda.mem_get_info(i)
        entry: dict[str, Any] = {
            "index": i, "name": torch.cuda.get_device_name(i), "total_bytes": int(total),
            "free_bytes": int(free), "reserved_bytes": int(torch.cuda.memory_reserved(i)),
            "allocated_bytes": int(torch.cuda.memory_allocated(i)), "warning": None,
        }
        if free <= FULL_FRACTION * total:
            entry["warning"] = (f"cuda:{i} ({entry['name']}) has only {free / 2**30:.1f} of {total / 2**30:.1f} GiB "
                                f"free (this process reserves {entry['reserved_bytes'] / 2**30:.1f} GiB); "
                                "other processes may distort memory and speed")
        out.append(entry)
    return out


def gpu_memory_report(devices: list[int] | None = None) -> str:
    """One line per device for people; ``"no CUDA device"`` without CUDA."""
    rows = gpu_memory(devices)
    if not rows:
        return "no CUDA device"
    gib = 2**30
    lines = []
    for r in rows:
        line = (f"cuda:{r['index']} {r['name']}: {r['free_bytes'] / gib:.1f} of {r['total_bytes'] / gib:.1f} GiB free; "
                f"this process: {r['reserved_bytes'] / gib:.2f} GiB reserved, "
                f"{r['allocated_bytes'] / gib:.2f} GiB allocated")
        lines.append(line + (f"\nwarning: {r['warning']}" if r["warning"] else ""))
    return "\n".join(lines)
