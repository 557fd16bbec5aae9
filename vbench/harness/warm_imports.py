"""Imported once, in the forkserver every worker is forked from: torch, diffusers and vbench's run
code, so a worker starts warm (a fork: milliseconds) instead of paying 10+ s of imports per run.

Nothing here touches CUDA (importing torch does not create a context), so each forked worker
still gets a fresh CUDA context and a fresh caching allocator on first use, and one process per
run keeps every run's host memory apart. What the imports print is captured here, kept in
:data:`PRINTED` (inherited by every worker) and put into each record's ``env.warnings``, not
onto the user's console. :data:`STATE` says what the forkserver holds, for the record.

Import this module nowhere else: its import is its work.
"""

from __future__ import annotations

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

        PRINTED.extend(capture.lines())
        STATE.update(preloaded=True, modules=["torch", "diffusers", "vbench.harness.execute", "vbench.models"],
                     cuda_initialized=bool(torch.cuda.is_initialized()))
    except Exception as exc:  # noqa: BLE001 -- a worker then imports what it needs itself
        STATE.update(preloaded=False, error=f"{type(exc).__name__}: {exc}")
    finally:
        capture.close()


_preload()
