"""The scenario example in README.md is a valid scenario: every field it shows (the gold reference,
rel_ci, max_seconds, min_quality …) exists and accepts the value shown."""

from __future__ import annotations

from pathlib import Path

import yaml

from vbench.scenario import expand, validate_document

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = "`" * 3


def test_the_readme_scenario_example_validates_and_expands():
    text = README.read_text(encoding="utf-8")
    start = text.index(FENCE + "yaml", text.index("### Scenario files")) + len(FENCE + "yaml")
    document = yaml.safe_load(text[start:text.index(FENCE, start)])
    scenario = validate_document(document, source="README.md")
    assert scenario.measure.rel_ci == 0.02 and scenario.limits.min_quality == {"psnr": 30.0, "ssim": 0.9}
    runs = expand(scenario, source="README.md")
    gold = {r.run_id for r in runs if r.role == "reference"}
    assert gold and all(r.reference_id in gold for r in runs if r.role == "run")
    assert {r.workload.num_inference_steps for r in runs if r.role == "reference"} == {50}
