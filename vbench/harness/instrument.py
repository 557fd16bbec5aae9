"""Hooks into one built pipeline: stage wrappers, the step callback, and a denoiser forward probe.

Stages are timed by wrapping the pipeline's own methods (``encode_prompt``, ``vae.decode`` ...)
on the instance, so the pipeline runs its real code path; every wrapper is removed afterwards.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def stage_wrappers(stage_methods: dict[str, tuple[Any, str]], markers: list[Any]) -> Iterator[None]:
    """Wrap ``obj.method`` for each stage so that every marker's ``begin/end(name)`` brackets it."""
    originals = []
    for name, (obj, method) in stage_methods.items():
        if obj is None or not hasattr(obj, method):
            continue
        original = getattr(obj, method)
        had_own = method in vars(obj)

        def wrapped(*args, __orig=original, __name=name, **kwargs):
            for m in markers:
                m.begin(__name)
            try:
                return __orig(*args, **kwargs)
            finally:
                for m in reversed(markers):
                    m.end(__name)

        functools.update_wrapper(wrapped, original)
        setattr(obj, method, wrapped)
        originals.append((obj, method, original, had_own))
    try:
        yield
    finally:
        for obj, method, original, had_own in reversed(originals):
            if had_own:
                setattr(obj, method, original)
            else:
                delattr(obj, method)


def supports_step_callback(pipe: Any) -> bool:
    return "callback_on_step_end" in inspect.signature(pipe.__call__).parameters


def step_marker(pipe: Any) -> str | None:
    """How the denoising steps of ``pipe`` are marked: ``"callback_on_step_end"`` where its
    ``__call__`` takes one; otherwise ``"scheduler.step"`` (the end of each call of its scheduler's
    ``step``, which every diffusers denoising loop calls once per step with a first-order
    scheduler, e.g. HunyuanVideo-1.5's guider loop); None when it has no scheduler either."""
    if supports_step_callback(pipe):
        return "callback_on_step_end"
    if callable(getattr(getattr(pipe, "scheduler", None), "step", None)):
        return "scheduler.step"
    return None


@contextmanager
def scheduler_steps(scheduler: Any, marker: Any) -> Iterator[None]:
    """Call ``marker.step()`` after every ``scheduler.step(...)`` (wrapped on the instance, removed after)."""
    original = scheduler.step
    had_own = "step" in vars(scheduler)

    def wrapped(*args, **kwargs):
        out = original(*args, **kwargs)
        marker.step()
        return out

    functools.update_wrapper(wrapped, original)
    scheduler.step = wrapped
    try:
        yield
    finally:
        if had_own:
            scheduler.step = original
        else:
            del scheduler.step


class ForwardProbe:
    """Counts the denoiser's forward calls and keeps the inputs of the first one (for FLOPs)."""

    def __init__(self, module: Any):
        self.module = module
        self.count = 0
        self.first: tuple[tuple, dict] | None = None
        self._handle = None

    def __enter__(self) -> ForwardProbe:
        def hook(_module, args, kwargs):
            self.count += 1
            if self.first is None:
                self.first = (args, dict(kwargs))

        self._handle = self.module.register_forward_pre_hook(hook, with_kwargs=True)
        return self

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            self._handle.remove()

    def latent_shape(self) -> list[int] | None:
        """The shape of the latent the first forward was called with (``hidden_states`` of a
        transformer, ``sample`` of a UNet, else the first positional tensor); None if never called."""
        if self.first is None:
            return None
        args, kwargs = self.first
        for value in (kwargs.get("hidden_states"), kwargs.get("sample"), *args):
            if hasattr(value, "shape") and hasattr(value, "dtype"):
                return [int(x) for x in value.shape]
        return None


class ExpertLog:
    """Which expert ran each denoiser forward of a two-expert pipeline (Wan2.2-A14B's ``transformer``
    for high noise, ``transformer_2`` for low noise), in order: 1 or 2 per forward."""

    def __init__(self, first: Any, second: Any):
        self.modules = (first, second)
        self.order: list[int] = []
        self._handles: list[Any] = []

    def __enter__(self) -> ExpertLog:
        for k, module in enumerate(self.modules, start=1):
            self._handles.append(module.register_forward_pre_hook(lambda *_a, _k=k: self.order.append(_k)))
        return self

    def __exit__(self, *exc) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []

    def summary(self, steps: int, boundary_ratio: float | None) -> dict[str, Any]:
        """Forwards and steps per expert and the step at which the second took over."""
        first, second = self.order.count(1), self.order.count(2)
        per_step = len(self.order) / steps if steps else 0
        switch = self.order.index(2) if 2 in self.order else None
        return {"boundary_ratio": boundary_ratio,
                "forwards": {"transformer": first, "transformer_2": second},
                "steps": {"transformer": first / per_step if per_step else None,
                          "transformer_2": second / per_step if per_step else None},
                "switch_step": None if switch is None or not per_step else int(switch // per_step),
                "counted_by": "forward pre-hooks on both experts during a pipeline call"}
