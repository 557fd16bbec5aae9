"""What the transforms that wrap a method share: the method replaced on one instance, and the
record of what the wrapper did (``effect``), not only what was asked."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


def wrap_method(owner: Any, name: str, handler: Callable[..., Any]) -> Callable[..., Any]:
    """Replace ``owner.<name>`` on this instance by ``handler`` (keeping the original's name and
    docstring); returns the original. ``del owner.<name>`` restores the class's method."""
    original = getattr(owner, name)
    setattr(owner, name, functools.wraps(original)(lambda *a, **k: handler(*a, **k)))
    return original


def note_effect(record: dict[str, Any], *, split: bool, called: bool, whole: str, idle: str) -> None:
    """``record["effect"]``: ``chunked`` once a call was split; ``no effect`` with the reason
    ``whole`` while every call ran whole; ``not run`` with the reason ``idle`` before any call."""
    if split:
        record["effect"] = "chunked"
        record.pop("reason", None)
    elif called:
        record["effect"], record["reason"] = "no effect", whole
    else:
        record["effect"], record["reason"] = "not run", idle
