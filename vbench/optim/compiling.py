"""``torch.compile`` of the denoiser (and optionally the VAE decoder), with the compile time and any
recompilation during the timed calls recorded.

The modules are compiled in place (``module.compile(...)``), so the pipeline keeps its attributes.
Compilation happens lazily in the first call: :class:`CompileWatch` counts dynamo's compilations
and times them with dynamo's start/end callbacks; the harness marks the end of warmup, and any
compilation after that mark is a recompilation inside the timed calls.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from vbench.errors import UnsupportedError

#: torch.compile backend; tests set "eager" to skip code generation.
BACKEND = "inductor"


def wanted(optimizations: dict) -> bool:
    return bool(optimizations["compile"] or optimizations["compile_vae"])


def apply(built: Any, optimizations: dict, ctx: Any) -> dict[str, Any]:
    import torch

    mode, fullgraph = optimizations["compile_mode"], optimizations["compile_fullgraph"]
    kwargs: dict[str, Any] = {"backend": BACKEND, "fullgraph": fullgraph}
    if BACKEND == "inductor":
        kwargs["mode"] = mode
    if mode in ("reduce-overhead",) and torch.device(ctx.device).type != "cuda":
        raise UnsupportedError("compile_mode reduce-overhead uses CUDA graphs; the run's device is the CPU")
    compiled = []
    if optimizations["compile"]:
        built.denoiser.compile(**kwargs)
        compiled.append(built.denoiser_attr)
    if optimizations["compile_vae"]:
        target = getattr(built.vae, "decoder", built.vae)
        target.compile(**kwargs)
        compiled.append("vae.decoder" if target is not built.vae else "vae")
    return {"modules": compiled, "mode": mode, "backend": BACKEND, "fullgraph": fullgraph,
            "compile_s": None, "compilations": None, "recompilations_timed": None}


class CompileWatch:
    """Counts and times dynamo compilations from ``start()`` on; ``mark_warm()`` ends the warmup."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, float] = {}
        self.events: list[tuple[float, str]] = []  # (seconds, phase)
        self._phase = "cold"
        self._callbacks: tuple[Any, Any] | None = None

    def start(self) -> CompileWatch:
        from torch._dynamo.callback import callback_handler

        def begin(args):
            with self._lock:
                self._open[str(getattr(args, "compile_id", ""))] = time.perf_counter()

        def end(args):
            with self._lock:
                t0 = self._open.pop(str(getattr(args, "compile_id", "")), None)
                self.events.append(((time.perf_counter() - t0) if t0 else 0.0, self._phase))

        self._callbacks = (callback_handler.register_start_callback(begin),
                           callback_handler.register_end_callback(end))
        return self

    def mark_warm(self) -> None:
        self._phase = "timed"

    def stop(self) -> dict[str, Any]:
        from torch._dynamo.callback import callback_handler

        if self._callbacks:
            callback_handler.remove_start_callback(self._callbacks[0])
            callback_handler.remove_end_callback(self._callbacks[1])
            self._callbacks = None
        warm = [s for s, p in self.events if p == "cold"]
        timed = [s for s, p in self.events if p == "timed"]
        return {"compile_s": sum(warm), "compilations": len(warm), "recompilations_timed": len(timed),
                "recompile_s_timed": sum(timed), "recompiled": bool(timed)}
