"""The measuring loop repeats until the median is known to ``measure.rel_ci`` (or a cap is hit),
and says in the record why it stopped."""

import random

import pytest

from vbench.harness.execute import enough
from vbench.scenario.schema import Measure
from vbench.stats import relative_half_width

DEFAULT = Measure().model_dump()


def loop(draw, measure):
    """The loop's stopping rule driven by a sample generator, as repeat_loop drives it."""
    samples = []
    while (stop := enough(samples, measure)) is None:
        samples.append(draw())
    return samples, stop


def test_steady_samples_stop_at_the_minimum_repeats():
    rng = random.Random(0)
    samples, stop = loop(lambda: 1.0 + rng.gauss(0, 0.001), DEFAULT)
    assert len(samples) == DEFAULT["repeats"] == 5
    assert stop["reached"] and stop["rel_ci"] <= 0.02 and stop["n"] == 5


def test_noisy_samples_repeat_until_the_target_is_met():
    rng = random.Random(1)
    samples, stop = loop(lambda: 1.0 + rng.gauss(0, 0.05), DEFAULT)
    assert len(samples) > DEFAULT["repeats"]
    assert stop["reached"] and stop["rel_ci"] <= 0.02
    assert relative_half_width(samples[:-1]) > 0.02  # one fewer was not enough


def test_max_repeats_and_max_seconds_cap_the_loop_and_say_so():
    rng = random.Random(2)
    noisy = lambda: 1.0 + rng.gauss(0, 0.5)  # noqa: E731
    samples, stop = loop(noisy, {**DEFAULT, "max_repeats": 12})
    assert len(samples) == 12 and not stop["reached"] and "max_repeats (12)" in stop["stopped"]
    samples, stop = loop(noisy, {**DEFAULT, "max_seconds": 8.0})
    assert sum(samples[:-1]) < 8.0 <= sum(samples) and not stop["reached"] and "max_seconds" in stop["stopped"]


def test_no_cap_cuts_the_minimum_repeats_short():
    """A 200 s call still gets its 5 samples: the caps end only the extension for rel_ci."""
    samples, stop = loop(lambda: 200.0, DEFAULT)
    assert len(samples) == 5 and stop["reached"]
    rng = random.Random(4)
    samples, stop = loop(lambda: 200.0 * (1 + rng.gauss(0, 0.2)), DEFAULT)
    assert len(samples) == 5 and not stop["reached"] and "max_seconds (300 s) reached before ±2.0%" in stop["stopped"]


def test_min_seconds_that_max_repeats_cuts_short_says_so():
    samples, stop = loop(lambda: 0.01, {**DEFAULT, "rel_ci": None, "min_seconds": 1.0, "max_repeats": 20})
    assert len(samples) == 20 and not stop["reached"]
    assert stop["stopped"] == "max_repeats (20) reached before min_seconds (1 s)"


def test_without_a_target_repeats_and_min_seconds_decide():
    samples, stop = loop(lambda: 0.2, {**DEFAULT, "rel_ci": None, "repeats": 2, "min_seconds": 1.0})
    assert len(samples) == 5 and stop["reached"] and stop["target_rel_ci"] is None


def test_the_default_settings_make_a_5_percent_rule_decidable():
    """Two runs measured with the defaults on 3 % noise: no change passes, a 10 % change fails,
    both decided (the reason the defaults are what they are)."""
    from vbench.compare import compare_records

    rng = random.Random(3)

    def run(run_id, scale):
        samples, _ = loop(lambda: scale * (1.0 + rng.gauss(0, 0.03)), DEFAULT)
        return {"run_id": run_id, "status": "ok", "timing": {"e2e": {"samples": samples}}}

    same = compare_records([run("a", 1.0)], [run("a", 1.0)], ["latency:+5%"]).rows[0]
    slower = compare_records([run("a", 1.0)], [run("a", 1.10)], ["latency:+5%"]).rows[0]
    assert same.verdict == "ok", same.note
    assert slower.verdict == "regression", slower.note


@pytest.mark.parametrize("bad", [{"rel_ci": 0}, {"rel_ci": 2}, {"max_seconds": 0},
                                 {"min_seconds": 10, "max_seconds": 5}])
def test_bad_precision_settings_are_refused(bad):
    with pytest.raises(ValueError):
        Measure(**bad)


def test_a_run_records_its_precision(tmp_path):
    from tests.harness.harness_cases import TINY_WAN, runs_of
    from vbench.harness import run_sweep

    runs = runs_of(TINY_WAN, measure={"repeats": 2, "rel_ci": 0.5, "warmup": 0, "flops": False,
                                      "isolation": "inline"}, reference={"enabled": False})
    record = run_sweep(runs[:1], out_dir=tmp_path).records[0]
    precision = record["timing"]["precision"]
    assert precision["n"] == record["timing"]["e2e"]["n"] >= 2
    assert precision["target_rel_ci"] == 0.5 and precision["reached"] and precision["rel_ci"] <= 0.5
