"""Shared by the benchmark suites: where the scenario files are."""

from pathlib import Path

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
