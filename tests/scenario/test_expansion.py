"""Sweep expansion: exact run counts, deterministic order, stable run ids, reference runs."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vbench.errors import ScenarioError
from vbench.scenario import expand, validate_document
from vbench.scenario.ids import run_identity

BASE = {"model": {"family": "wan", "source": "tiny"},
        "workload": {"num_frames": 17, "height": 64, "width": 64, "num_inference_steps": 2}}


def scenario(**sections):
    doc = json.loads(json.dumps(BASE))
    for key, value in sections.items():
        doc[key] = {**doc.get(key, {}), **value} if isinstance(value, dict) and key in doc else value
    return validate_document(doc, source="test")


def ids_of(doc_sections) -> list[str]:
    return [r.run_id for r in expand(scenario(**doc_sections))]


def test_product_zip_exclude_counts():
    s = scenario(
        workload={"prompts": ["a", "b"], "seeds": [0, 1, 2]},
        sweep={"product": {"precision": ["fp32", "bf16", "fp16"], "num_inference_steps": [2, 4]},
               "zip": [{"height": [64, 128], "width": [64, 128]}],
               "exclude": [{"precision": "fp16", "num_inference_steps": 4}]})
    runs = expand(s)
    configs = 3 * 2 * 2 - 2  # the exclude rule drops fp16 x 4 steps at both resolutions
    assert len(runs) == configs * 2 * 3
    assert len({r.run_id for r in runs}) == len(runs)
    assert len({r.config_id for r in runs}) == configs
    assert not [r for r in runs if r.optimizations.precision == "fp16" and r.workload.num_inference_steps == 4]
    # zip pairs height with width; never crossed
    assert {(r.workload.height, r.workload.width) for r in runs} == {(64, 64), (128, 128)}


def test_exclude_rule_with_a_list_of_values_and_an_unswept_field():
    s = scenario(sweep={"product": {"precision": ["fp32", "bf16", "fp16"]},
                        "exclude": [{"precision": ["bf16", "fp16"], "height": 64}]})
    assert [r.optimizations.precision for r in expand(s)] == ["fp32"]


@settings(max_examples=40, deadline=None)
@given(steps=st.lists(st.integers(1, 50), min_size=1, max_size=4, unique=True),
       precisions=st.lists(st.sampled_from(["fp32", "bf16", "fp16", "int8-weight-only"]), min_size=1,
                           max_size=4, unique=True),
       sizes=st.lists(st.sampled_from([32, 64, 96, 128]), min_size=1, max_size=3, unique=True),
       n_prompts=st.integers(1, 3), n_seeds=st.integers(1, 3), drop=st.booleans())
def test_counts_property(steps, precisions, sizes, n_prompts, n_seeds, drop):
    sweep = {"product": {"num_inference_steps": steps, "precision": precisions},
             "zip": [{"height": sizes, "width": sizes}]}
    if drop:
        sweep["exclude"] = [{"precision": precisions[0]}]
    s = scenario(workload={"prompts": [f"p{i}" for i in range(n_prompts)], "seeds": list(range(n_seeds))},
                 sweep=sweep)
    kept_precisions = len(precisions) - (1 if drop else 0)
    if kept_precisions == 0:
        with pytest.raises(ScenarioError, match="remove every combination"):
            expand(s)
        return
    runs = expand(s)
    added = [r for r in runs if not r.axes]  # references the sweep does not hold
    own = [r for r in runs if r.axes]
    assert all(r.role == "reference" for r in added)
    assert len(own) == len(steps) * kept_precisions * len(sizes) * n_prompts * n_seeds
    # a sweep run that is its own reference is marked as the reference, and points at nothing
    assert all((r.role == "reference") == (r.reference_id is None) for r in own)
    # every non-reference run's reference exists in the list and is the fp32 run of the same workload
    by_id = {r.run_id: r for r in runs}
    for r in own:
        ref = by_id[r.reference_id] if r.reference_id else r
        assert ref.optimizations.precision == "fp32"
        assert ref.workload == r.workload
    assert math.prod([len(steps), len(sizes), n_prompts, n_seeds]) >= len(added)
    assert runs[: len(added)] == added  # added references run first


def test_order_is_deterministic_and_follows_the_file():
    s = scenario(sweep={"product": {"precision": ["bf16", "fp32"], "num_inference_steps": [4, 2]}})
    order = [(r.optimizations.precision, r.workload.num_inference_steps) for r in expand(s)]
    assert order == [("bf16", 4), ("bf16", 2), ("fp32", 4), ("fp32", 2)]
    assert [r.run_id for r in expand(s)] == [r.run_id for r in expand(s)]


def test_missing_references_are_added_once():
    s = scenario(optimizations={"precision": "bf16"}, workload={"seeds": [0, 1]},
                 sweep={"product": {"vae_tiling": [True, False]}})
    runs = expand(s)
    refs = [r for r in runs if r.role == "reference"]
    assert len(refs) == 2  # one fp32 reference per seed, shared by both tiling settings
    assert all(r.optimizations.precision == "fp32" and not r.optimizations.vae_tiling for r in refs)
    assert {r.reference_id for r in runs if r.role == "run"} == {r.run_id for r in refs}


def test_reference_overrides_and_disabled_reference():
    s = scenario(sweep={"product": {"num_inference_steps": [2, 4]}},
                 reference={"workload": {"num_inference_steps": 8}})
    runs = expand(s)
    refs = [r for r in runs if r.role == "reference"]
    assert [r.workload.num_inference_steps for r in refs] == [8]
    off = expand(scenario(sweep={"product": {"precision": ["fp32", "bf16"]}}, reference={"enabled": False}))
    assert all(r.reference_id is None and r.role == "run" for r in off) and len(off) == 2


def test_a_gold_reference_workload_scores_every_step_count_against_one_run():
    """reference.workload pins the gold run: 2 and 4 steps, fp32 and bf16, all against fp32 at 4
    steps, which is itself a run of the sweep and marked as the reference."""
    runs = expand(scenario(sweep={"product": {"precision": ["fp32", "bf16"], "num_inference_steps": [2, 4]}},
                           reference={"workload": {"num_inference_steps": 4}}))
    assert len(runs) == 4  # no extra run: the gold configuration is in the sweep
    gold = [r for r in runs if r.role == "reference"]
    assert [(g.optimizations.precision, g.workload.num_inference_steps) for g in gold] == [("fp32", 4)]
    assert {r.reference_id for r in runs if r.role == "run"} == {gold[0].run_id}


def test_short_and_dotted_axis_names_are_the_same_axis():
    a = ids_of({"sweep": {"product": {"precision": ["bf16"]}}})
    b = ids_of({"sweep": {"product": {"optimizations.precision": ["bf16"]}}})
    assert a == b


def test_any_changed_field_changes_the_id():
    run = expand(scenario())[0]
    m, w, o = (x.model_dump(mode="json") for x in (run.model, run.workload, run.optimizations))
    base = run_identity(*(x.model_dump(mode="json", exclude_defaults=True)
                          for x in (run.model, run.workload, run.optimizations)))
    assert base == run.run_id
    changed = {
        "model": {"weights_seed": 1, "family": "ltx"},
        "workload": {"seed": 3, "prompt": "another", "num_frames": 9, "height": 32, "guidance_scale": 5.5,
                     "negative_prompt": "blurry", "num_inference_steps": 3},
        "optimizations": {"precision": "bf16", "vae_tiling": True, "compile": True, "chunk_frames": 2,
                          "attention_backend": "flex", "offload": "model"},
    }
    seen = {run.run_id}
    for section, fields in changed.items():
        for field, value in fields.items():
            parts = {"model": dict(m), "workload": dict(w), "optimizations": dict(o)}
            parts[section][field] = value
            rid = run_identity(parts["model"], parts["workload"], parts["optimizations"])
            assert rid not in seen, f"changing {section}.{field} did not change the id"
            seen.add(rid)


def test_measure_settings_do_not_change_the_id():
    a = expand(scenario(measure={"repeats": 3}))[0].run_id
    b = expand(scenario(measure={"repeats": 10, "warmup": 0, "isolation": "inline"}))[0].run_id
    assert a == b


_CHILD = """
import json, sys
from vbench.scenario import expand, validate_document
doc = json.loads(sys.argv[1])
print(json.dumps([r.run_id for r in expand(validate_document(doc, source="child"))]))
"""


def test_run_ids_are_stable_across_processes_and_key_order():
    doc = {"sweep": {"product": {"precision": ["fp32", "bf16"], "num_inference_steps": [2, 4]}},
           "workload": {"width": 64, "height": 64, "num_frames": 17, "guidance_scale": 6,
                        "num_inference_steps": 2, "prompts": ["x", "y"]},
           "model": {"source": "tiny", "family": "wan"}}
    reordered = {"model": {"family": "wan", "source": "tiny"},
                 "workload": dict(reversed(list(doc["workload"].items()))),
                 "sweep": doc["sweep"]}
    here = [r.run_id for r in expand(validate_document(doc, source="here"))]
    outputs = []
    for i, d in enumerate((doc, reordered)):
        env = {**os.environ, "PYTHONHASHSEED": str(i + 1)}
        out = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(d)], capture_output=True, text=True,
                             env=env, check=True).stdout
        outputs.append(json.loads(out))
    assert outputs[0] == here == outputs[1]
    # pinned: a change of the canonical form or of the schema's defaults breaks stored results
    assert expand(validate_document(BASE, source="pin"))[0].run_id == PINNED_ID


PINNED_ID = "e1796af8a64a"


def test_runspec_round_trips_through_json():
    run = expand(scenario(sweep={"product": {"precision": ["bf16"]}}))[-1]
    again = type(run).from_dict(json.loads(json.dumps(run.to_dict())))
    assert again == run and again.run_id == run.run_id


def test_zip_columns_may_repeat_and_cross_field_rules_hold_per_combination():
    s = scenario(sweep={"zip": [{"precision": ["bf16", "int8-weight-only", "nf4"],
                                 "quant_backend": ["torchao", "torchao", "bitsandbytes"]}]})
    assert [(r.optimizations.precision, r.optimizations.quant_backend) for r in expand(s) if r.role == "run"] == [
        ("bf16", "torchao"), ("int8-weight-only", "torchao"), ("nf4", "bitsandbytes")]
    bad = scenario(sweep={"zip": [{"precision": ["nf4", "bf16"], "quant_backend": ["torchao", "torchao"]}]})
    with pytest.raises(ScenarioError, match="nf4 needs quant_backend: bitsandbytes"):
        expand(bad)
    twice = scenario(sweep={"zip": [{"precision": ["bf16", "bf16"], "height": [64, 64]}]})
    with pytest.raises(ScenarioError, match=r"sweep.zip\[0\]\[1\]: this row repeats"):
        expand(twice)
