"""The harness: runs RunSpecs in isolated workers and turns each into a record (layer 4).

Example:
    >>> from vbench.scenario import plan
    >>> from vbench.harness import run_sweep
    >>> scenario, runs = plan("scenarios/quickstart.yaml")  # doctest: +SKIP
    >>> result = run_sweep(runs, out_dir="results")  # doctest: +SKIP
"""

from vbench.harness.sweep_runner import SweepInterrupted, SweepResult, run_sweep

__all__ = ["SweepInterrupted", "SweepResult", "run_sweep"]
