"""One safe door to NVML: initialise it once, find the handle of a torch device, turn errors into reasons.

NVML sees every GPU of the machine in its own order, while torch sees the devices that
``CUDA_VISIBLE_DEVICES`` leaves, renumbered from 0. A torch index is therefore never used as an
NVML index: the device is found by its UUID (then by its PCI address, then by torch's own
``CUDA_VISIBLE_DEVICES`` parsing), so ``cuda:0`` under ``CUDA_VISIBLE_DEVICES=3`` reads GPU 3.

Nothing here raises on a machine without NVML: every function returns ``(value, None)`` or
``(None, reason)``, and the reason is what a record stores as unavailable.
"""

from __future__ import annotations

import threading
import uuid as uuidlib
from types import ModuleType
from typing import Any

_lock = threading.Lock()
_state: dict[str, Any] = {"tried": False, "module": None, "reason": None}


def error_text(exc: BaseException) -> str:
    """A short, stable description of an exception: its class name and message."""
    message = str(exc).strip()
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def nvml() -> tuple[ModuleType | None, str | None]:
    """The initialised ``pynvml`` module, or ``(None, reason)``.

    ``nvmlInit`` runs once per process; NVML counts its initialisations, and this process keeps
    its one for good (shutting down while a sampler thread reads would break the sampler).
    """
    with _lock:
        if not _state["tried"]:
            _state["tried"] = True
            try:
                import pynvml
            except ImportError:
                _state["reason"] = "nvidia-ml-py is not installed (pip install nvidia-ml-py)"
            else:
                try:
                    pynvml.nvmlInit()
                except Exception as exc:  # NVMLError_LibraryNotFound, DriverNotLoaded, ...
                    _state["reason"] = f"NVML could not be initialised ({error_text(exc)})"
                else:
                    _state["module"] = pynvml
        return _state["module"], _state["reason"]


def call(name: str, *args: Any) -> tuple[Any, str | None]:
    """Call ``pynvml.<name>(*args)``; ``(value, None)`` or ``(None, reason)``, never an exception."""
    module, reason = nvml()
    if module is None:
        return None, reason
    fn = getattr(module, name, None)
    if fn is None:
        return None, f"this nvidia-ml-py has no {name}"
    try:
        return fn(*args), None
    except Exception as exc:
        return None, f"{name} failed ({error_text(exc)})"


def _as_text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _bare_uuid(text: str) -> str:
    """``GPU-5b1a…``, ``MIG-…`` or a bare UUID -> the bare lower-case UUID."""
    text = text.strip().lower()
    for prefix in ("gpu-", "mig-"):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def torch_uuid(props: Any) -> str | None:
    """The 8-4-4-4-12 UUID of a device from ``torch.cuda.get_device_properties``, if torch gives one."""
    raw = getattr(props, "uuid", None)
    if raw is None:
        return None
    data = getattr(raw, "bytes", None)
    if data is not None and len(bytes(data)) == 16:
        return str(uuidlib.UUID(bytes=bytes(data)))
    text = _bare_uuid(_as_text(raw))
    return text or None


def handle(index: int) -> tuple[Any, str | None, str | None]:
    """NVML handle of torch's CUDA device ``index``: ``(handle, how_found, None)`` or ``(None, None, reason)``.

    Tries, in order: the device's UUID (GPU, then MIG form), its PCI domain/bus/device, and torch's
    mapping of ``CUDA_VISIBLE_DEVICES`` to NVML indices. ``how_found`` names the method used.
    """
    module, reason = nvml()
    if module is None:
        return None, None, reason
    try:
        import torch

        props = torch.cuda.get_device_properties(index)
    except Exception as exc:
        return None, None, f"torch cannot describe cuda:{index} ({error_text(exc)})"
    tried: list[str] = []
    uid = torch_uuid(props)
    if uid:
        for prefix in ("GPU-", "MIG-"):
            found, why = call("nvmlDeviceGetHandleByUUID", prefix + uid)
            if found is not None:
                return found, "uuid", None
            tried.append(f"uuid {prefix}{uid}: {why}")
    pci = tuple(getattr(props, f"pci_{part}_id", None) for part in ("domain", "bus", "device"))
    if None not in pci:
        count, why = call("nvmlDeviceGetCount")
        for i in range(count or 0):
            candidate, _ = call("nvmlDeviceGetHandleByIndex", i)
            info, _ = call("nvmlDeviceGetPciInfo", candidate) if candidate is not None else (None, None)
            if info is not None and (info.domain, info.bus, info.device) == pci:
                return candidate, "pci_bus_id", None
        tried.append(f"pci {pci[0]:04x}:{pci[1]:02x}:{pci[2]:02x}: no NVML device matched" + (f" ({why})" if why else ""))
    try:
        nvml_index = torch.cuda._get_nvml_device_index(index)  # private, but it parses CUDA_VISIBLE_DEVICES
    except Exception as exc:
        tried.append(f"CUDA_VISIBLE_DEVICES mapping: {error_text(exc)}")
    else:
        found, why = call("nvmlDeviceGetHandleByIndex", nvml_index)
        if found is not None:
            return found, "cuda_visible_devices", None
        tried.append(f"NVML index {nvml_index}: {why}")
    return None, None, f"no NVML device matches cuda:{index} ({'; '.join(tried)})"


def driver_version() -> tuple[str | None, str | None]:
    """The NVIDIA driver version as NVML reports it, e.g. ``'550.54.15'``."""
    value, reason = call("nvmlSystemGetDriverVersion")
    return (_as_text(value), None) if value is not None else (None, reason)
