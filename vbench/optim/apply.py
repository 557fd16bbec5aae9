"""Applying a run's optimizations to a built pipeline, in one fixed order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vbench.errors import UnsupportedError
from vbench.optim import precision

Transform = Callable[[Any, dict, Any], dict]

#: (name, is it requested?, transform). Precision first: later transforms see the final dtypes.
ORDER: list[tuple[str, Callable[[dict], bool], Transform]] = [
    ("precision", lambda o: True, precision.apply),
]

#: Settings whose transform is not part of this version yet: a run asking for one is `unsupported`.
_NOT_YET = {
    "offload": lambda o: o["offload"] != "none",
    "vae_slicing": lambda o: o["vae_slicing"],
    "vae_tiling": lambda o: o["vae_tiling"] or o["vae_temporal_tiling"],
    "attention_backend": lambda o: o["attention_backend"] is not None,
    "compile": lambda o: o["compile"] or o["compile_vae"],
    "chunk_frames": lambda o: o["chunk_frames"] is not None or o["vae_chunk_frames"] is not None,
}


def apply_optimizations(built: Any, optimizations: dict, device: Any) -> dict[str, Any]:
    """Apply every requested transform in :data:`ORDER`; returns ``{name: what it changed}``."""
    missing = [name for name, asked in _NOT_YET.items() if asked(optimizations)]
    if missing:
        raise UnsupportedError(f"optimization(s) {', '.join(missing)} are not implemented in this vbench version")
    applied: dict[str, Any] = {}
    for name, wanted, transform in ORDER:
        if wanted(optimizations):
            applied[name] = transform(built, optimizations, device)
    return applied
