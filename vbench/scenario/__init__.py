"""Scenario files: the strict schema, loading with ``--set`` overrides, and sweep expansion.

Layer 2: never imports torch or diffusers.

Example:
    >>> from vbench.scenario import load_scenario, expand
    >>> runs = expand(load_scenario("scenarios/quickstart.yaml"))  # doctest: +SKIP
    >>> runs[0].run_id  # doctest: +SKIP
    '3f2a9c1b7e04'
"""

from vbench.scenario.expand import expand, iter_labels
from vbench.scenario.families import ARCH_MODELS, FAMILIES, SOURCES
from vbench.scenario.loader import load_scenario, plan, validate_document
from vbench.scenario.runspec import RunSpec
from vbench.scenario.schema import Optimizations, Scenario

__all__ = ["ARCH_MODELS", "FAMILIES", "SOURCES", "Optimizations", "RunSpec", "Scenario", "expand",
           "iter_labels", "load_scenario", "plan", "validate_document"]
