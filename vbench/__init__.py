"""vbench: benchmark and profile video diffusion models.

``vbench.measure_pipeline(pipe, workload, optimizations, measure)`` measures a pipeline object
the caller built and returns its record (:mod:`vbench.harness.external`); everything else is the
``vbench`` command.
"""
from vbench._version import __version__

__all__ = ["__version__", "measure_pipeline"]


def measure_pipeline(pipe, workload=None, optimizations=None, measure=None, **options):
    """See :func:`vbench.harness.external.measure_pipeline` (imported on first use: ``import vbench``
    stays free of torch)."""
    from vbench.harness.external import measure_pipeline as run

    return run(pipe, workload, optimizations, measure, **options)
