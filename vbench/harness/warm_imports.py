"""Imported once, in the forkserver every worker is forked from: torch, diffusers and vbench's run
code, so a worker starts warm (a fork: milliseconds) instead of paying 10+ s of imports per run.

It also resolves every family's pipeline and component classes, which diffusers would import
lazily (transformers, accelerate) on each fresh worker's first build. Nothing here touches CUDA (importing torch does not create a context), so each forked worker
still gets a fresh CUDA context and a fresh caching allocator on first use, and one process per
run keeps every run's host memory apart. What the imports print is captured here, kept in
:data:`PRINTED` (inherited by every worker) and put into each record's ``env.warnings``, not
onto the user's console. :data:`STATE` says what the forkserver holds, for the record.

Import this module nowhere else: its import is its work.
"""

from __future__ import annotations

import gc

from vbench.harness.output_capture import OutputCapture

PRINTED: list[str] = []  #: what the imports printed
STATE: dict = {"preloaded": False}


def _preload() -> None:
    capture = OutputCapture()
    try:
        with capture:
            import diffusers  # noqa: F401
            import torch

            import vbench.harness.execute  # noqa: F401
            import vbench.models  # noqa: F401

            classes = _family_classes()
        # collected once and frozen: every forked worker inherits them outside the collector's scans
        # (and shares their pages with the forkserver instead of copying them as a collection touches them)
        gc.collect()
        gc.freeze()
        PRINTED.extend(capture.lines())
        STATE.update(preloaded=True, modules=["torch", "diffusers", "vbench.harness.execute", "vbench.models"],
                     classes=classes, cuda_initialized=bool(torch.cuda.is_initialized()))
    except Exception as exc:  # noqa: BLE001 -- a worker then imports what it needs itself
        STATE.update(preloaded=False, error=f"{type(exc).__name__}: {exc}")
    finally:
        capture.close()


def _family_classes() -> int:
    """Resolve the pipeline and component classes of every family: diffusers imports them lazily,
    with transformers and accelerate behind them, on a pipeline's first build (about 2.5 s on a
    2-core CPU, paid by every fresh worker otherwise). A class that fails to import is left to the
    run, which reports it; the count resolved goes into the record."""
    from vbench.models.components import resolve_class
    from vbench.models.specs import SPECS
    from vbench.models.tiny import TINY

    names = {("diffusers", s.pipeline) for s in SPECS.values() if s.pipeline}
    for parts in TINY.values():
        for component in parts.values():
            names.add((component.library, component.cls))
            if component.config_cls:
                names.add((component.library, component.config_cls))
    resolved = 0
    for library, name in sorted(names):
        try:
            resolve_class(library, name)
            resolved += 1
        except Exception:  # noqa: BLE001, S112 -- the run that needs it reports the error
            continue
    return resolved


_preload()
