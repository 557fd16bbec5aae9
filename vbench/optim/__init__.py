"""Optimizations as transforms: each a function ``apply(built, settings, ctx) -> dict`` of what changed.

The order in which they are applied is decided in one place, :mod:`vbench.optim.apply`:
:func:`build_options` for what is decided when the pipeline is built, then :data:`ORDER`. A
transform that cannot run here raises :class:`vbench.errors.UnsupportedError` with the reason;
the run becomes an ``unsupported`` record.
"""

from vbench.optim.apply import ORDER, Context, apply_optimizations, build_options

__all__ = ["ORDER", "Context", "apply_optimizations", "build_options"]
