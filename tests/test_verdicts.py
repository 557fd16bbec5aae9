"""Budget verdicts: every record judged against limits.memory_budget_gb and limits.min_quality,
with the numbers it was decided on; a missing number is "unknown", never a pass."""

import pytest

from vbench.errors import ScenarioError
from vbench.record import VERDICTS, score
from vbench.scenario import validate_document
from vbench.verdicts import judge, summary

GIB = 2**30


def record(peak_gib=10.0, psnr=31.0, ssim=0.95, status="ok", role="run", **limits):
    rec = {"run_id": "r", "status": status, "role": role, "reason": None if status == "ok" else "CUDA out of memory",
           "spec": {"limits": {"memory_budget_gb": 24, "min_quality": {"psnr": 30, "ssim": 0.9}, **limits}},
           "memory": {"peak": {"bytes": None if peak_gib is None else int(peak_gib * GIB), "source": "nvml_process_used"},
                      "unavailable": {} if peak_gib is not None else {"peak": "no GPU source"}}}
    if psnr is not None or ssim is not None:
        rec["quality"] = {"scores": {"psnr": score("psnr", psnr), "ssim": score("ssim", ssim)}, "unavailable": {}}
    return rec


def test_a_run_within_every_bound_fits():
    v = judge(record())
    assert v["verdict"] == "fits" and v["failed"] == [] and v["reasons"] == []
    assert v["memory"] == {"peak_bytes": 10 * GIB, "source": "nvml_process_used", "budget_bytes": 24 * GIB, "ok": True}
    assert v["quality"]["psnr"] == {"value": 31.0, "floor": 30.0, "higher_is_better": True, "ok": True}


def test_over_the_memory_budget_names_both_numbers_in_gib():
    v = judge(record(peak_gib=25.5))
    assert v["verdict"] == "over_memory_budget"
    assert v["reasons"] == ["peak memory 25.5 GiB (nvml_process_used) is over the 24.0 GiB budget"]


def test_below_a_quality_floor_and_over_memory_lists_both_failures():
    v = judge(record(peak_gib=30, psnr=28.0))
    assert v["failed"] == ["over_memory_budget", "below_quality"] and v["verdict"] == "over_memory_budget"
    assert "PSNR 28 is not >= 30" in v["reasons"]


def test_a_lower_is_better_floor_is_a_maximum():
    rec = record(min_quality={"lpips": 0.1})
    rec["quality"]["scores"]["lpips"] = score("lpips", 0.2)
    v = judge(rec)
    assert v["verdict"] == "below_quality" and v["reasons"] == ["LPIPS 0.2 is not <= 0.1"]


def test_a_missing_number_is_unknown_not_a_pass():
    assert judge(record(psnr=None, ssim=None))["verdict"] == "unknown"  # not scored yet
    v = judge(record(peak_gib=None))
    assert v["verdict"] == "unknown" and v["memory"]["ok"] is None and "no GPU source" in v["reasons"][0]
    assert judge(record(peak_gib=None, psnr=20))["verdict"] == "below_quality"  # a known failure wins


def test_the_reference_meets_the_quality_floors_by_definition():
    v = judge(record(psnr=None, ssim=1.0, role="reference"))  # PSNR against itself is infinite
    assert v["verdict"] == "fits" and v["reference"] and v["quality"]["psnr"]["ok"] is True


def test_failed_runs_and_scenarios_without_a_budget():
    assert judge(record(status="oom"))["verdict"] == "not_run"
    rec = record()
    rec["spec"]["limits"] = {}
    assert judge(rec)["verdict"] == "no_budget" and summary(judge(rec)) == "no_budget"
    assert judge(rec, {"memory_budget_gb": 8})["verdict"] == "over_memory_budget"  # other limits given
    assert set(judge(r)["verdict"] for r in (record(), record(peak_gib=99))) <= set(VERDICTS)


@pytest.mark.parametrize("floors, expected", [
    ({"fvdx": 1}, ["limits.min_quality", "'fvdx'", "allowed: psnr, ssim, lpips"]),
    ({"mean_abs_frame_diff": 0.1}, ["limits.min_quality", "better direction"]),
    ({"psnr": "high"}, ["limits.min_quality", "floor of psnr", "finite number", "'high'"]),
])
def test_bad_quality_floors_name_the_field_and_what_is_allowed(floors, expected):
    doc = {"model": {"family": "wan", "source": "tiny"}, "limits": {"min_quality": floors}}
    with pytest.raises(ScenarioError) as err:
        validate_document(doc, source="scenario.yaml")
    text = str(err.value)
    assert "scenario.yaml" in text and all(e in text for e in expected), text


def test_a_fit_on_a_peak_that_can_read_low_carries_a_caveat():
    rec = record()
    rec["memory"]["peak"]["source"] = "allocator_reserved"
    v = judge(rec)
    assert v["verdict"] == "fits" and "CUDA context" in v["caveats"][0]
    assert "caveats" not in judge(record())  # NVML's process reading: nothing to add


def test_a_peak_just_over_the_budget_shows_the_digits_that_differ():
    v = judge(record(peak_gib=24.04))
    assert v["reasons"] == ["peak memory 24.04 GiB (nvml_process_used) is over the 24.00 GiB budget"]


def test_the_reference_is_judged_on_what_measures_itself():
    rec = record(psnr=None, ssim=1.0, role="reference", min_quality={"warping_error": 0.01})
    rec["quality"]["scores"]["warping_error"] = score("warping_error", 0.05)
    v = judge(rec)
    assert v["verdict"] == "below_quality" and v["quality"]["warping_error"]["ok"] is False


def test_a_floor_on_a_metric_the_scenario_does_not_compute_is_refused():
    doc = {"model": {"family": "wan", "source": "tiny"}, "metrics": ["psnr"], "limits": {"min_quality": {"lpips": 0.1}}}
    with pytest.raises(ScenarioError, match=r"limits.min_quality.lpips: needs 'lpips' in metrics \(now: psnr\)"):
        validate_document(doc, source="scenario.yaml")
    doc["metrics"], doc["limits"]["min_quality"] = ["psnr", "temporal"], {"tof": 0.5}
    assert validate_document(doc, source="scenario.yaml").limits.min_quality == {"tof": 0.5}
