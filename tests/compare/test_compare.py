"""vbench compare on synthetic samples: noise never flags, a real shift does, too few samples say so."""

from __future__ import annotations

import json

import numpy as np
import pytest

from vbench.cli.main import main
from vbench.compare import DEFAULT_RULES, RuleError, compare_records, parse_rule
from vbench.record import BY_NAME, SCHEMA_VERSION, score
from vbench.store import RecordWriter


def record(run_id: str, samples, *, status: str = "ok", peak: float | None = 4e9, psnr: float | None = None,
           label: str | None = None) -> dict:
    rec = {"schema_version": SCHEMA_VERSION, "run_id": run_id, "status": status, "scenario": "synthetic",
           "label": label or f"run-{run_id}", "reason": None if status == "ok" else "CUDA out of memory"}
    if status == "ok":
        rec["timing"] = {"e2e": {"unit": "s", "samples": [float(x) for x in samples],
                                 "median": float(np.median(samples))}}
        rec["memory"] = {"peak": {"bytes": peak, "source": "allocator_reserved"}}
        if psnr is not None:
            rec["quality"] = {"scores": {"psnr": score("psnr", psnr)}}
    return rec


def noisy(seed: int, n: int, scale: float = 1.0, noise: float = 0.02) -> np.ndarray:
    return scale * (1.0 + noise * np.random.default_rng(seed).standard_normal(n))


LATENCY = [parse_rule("latency.median:+5%")]


@pytest.mark.parametrize("seed", range(20))
def test_identical_distributions_never_flag(seed):
    base = [record("a", noisy(seed, 20)), record("b", noisy(seed + 100, 5, noise=0.1))]
    new = [record("a", noisy(seed + 1000, 20)), record("b", noisy(seed + 2000, 5, noise=0.1))]
    result = compare_records(base, new, LATENCY)
    assert result.regressions == []
    assert compare_records(base, base, LATENCY).regressions == []


def test_ten_percent_shift_with_twenty_samples_flags():
    result = compare_records([record("a", noisy(1, 20))], [record("a", noisy(2, 20, scale=1.1))], LATENCY)
    (row,) = result.rows
    assert row.verdict == "regression"
    assert row.p_value < 1e-4
    assert row.ci[0] > 1.05 and row.ci[0] < row.ratio < row.ci[1]
    assert 1.07 < row.ratio < 1.13


def test_ten_percent_shift_with_two_noisy_samples_is_undecided_and_says_so():
    result = compare_records([record("a", [1.00, 1.06])], [record("a", [1.04, 1.18])], LATENCY)
    (row,) = result.rows
    assert row.ratio == pytest.approx(1.11 / 1.03)
    assert row.verdict == "undecided" and result.undecided == [row] and result.regressions == []
    assert "straddles the allowed 5 %" in row.note and "2 and 2 samples" in row.note
    assert "more repeats would tell" in row.note


@pytest.mark.parametrize("seed", range(5))
def test_an_8x_slowdown_with_3_and_3_samples_is_caught(seed):
    """Mann–Whitney with 3 and 3 samples never goes below p = 0.1: the gate used to say "no
    regression" for an 8.4x slowdown. The interval of the ratio decides it."""
    base, new = [record("a", noisy(seed, 3))], [record("a", noisy(seed + 50, 3, scale=8.4))]
    (row,) = compare_records(base, new, LATENCY).rows
    assert row.p_value >= 0.1  # the test alone could never have fired
    assert row.verdict == "regression" and row.ci[0] > 1.05
    assert "p=0.1" in row.note


@pytest.mark.parametrize("seed", range(5))
def test_a_2x_slowdown_at_the_default_repeats_is_caught(seed):
    from vbench.scenario.schema import Measure

    n = Measure().repeats  # the fewest samples a default run has
    base, new = [record("a", noisy(seed, n, noise=0.05))], [record("a", noisy(seed + 50, n, scale=2.0, noise=0.05))]
    assert compare_records(base, new, LATENCY).rows[0].verdict == "regression"


def test_noisy_samples_are_flagged_beside_the_verdict():
    base, new = [record("a", [1.0])], [record("a", [1.0, 1.5, 2.2, 1.1, 1.0])]
    (row,) = compare_records(base, new, LATENCY).rows
    assert row.noise == "base single sample; new high spread: p10–p90 is 84% of the median"
    (few,) = compare_records([record("a", [1.0, 1.01, 0.99])], [record("a", noisy(1, 20))], LATENCY).rows
    assert few.noise == "base only 3 samples: the interval is about their range, less than 95 % sure"
    (quiet,) = compare_records([record("a", noisy(0, 20))], [record("a", noisy(1, 20))], LATENCY).rows
    assert quiet.noise is None


def test_an_interval_entirely_within_the_threshold_passes():
    base, new = [record("a", noisy(1, 30, noise=0.005))], [record("a", noisy(2, 30, scale=1.01, noise=0.005))]
    row = compare_records(base, new, LATENCY).rows[0]
    assert row.verdict == "ok" and row.ci[1] < 1.05


def test_improvement_and_direction_of_rules():
    base, new = [record("a", noisy(1, 20, scale=1.1))], [record("a", noisy(2, 20))]
    assert compare_records(base, new, LATENCY).rows[0].verdict == "improvement"
    with pytest.raises(RuleError, match=r"lower latency is better, so a regression is an increase: write latency.median:\+5%"):
        parse_rule("latency.median:-5%")
    fps = [{**r, "timing": {"fps": {"samples": [10 / x for x in r["timing"]["e2e"]["samples"]]}}} for r in base + new]
    rows = compare_records(fps[:1], fps[1:], [parse_rule("fps:-5%")]).rows  # fewer frames/s is worse
    assert rows[0].verdict == "improvement" and rows[0].unit == "frames/s"
    assert compare_records(fps[1:], fps[:1], [parse_rule("fps:-5%")]).rows[0].verdict == "regression"


def test_quality_deltas_are_absolute():
    base = [record("a", [1.0] * 5, psnr=40.0), record("b", [1.0] * 5, psnr=40.0)]
    new = [record("a", [1.0] * 5, psnr=39.6), record("b", [1.0] * 5, psnr=39.0)]
    rows = {r.run_id: r for r in compare_records(base, new, [parse_rule("quality.psnr:-0.5")]).rows}
    assert rows["a"].delta == pytest.approx(-0.4) and rows["a"].verdict == "ok"
    assert rows["b"].delta == pytest.approx(-1.0) and rows["b"].verdict == "regression"
    assert rows["b"].unit == "dB"


def test_memory_peak_is_compared_exactly():
    base, new = [record("a", [1.0] * 3, peak=4.0e9)], [record("a", [1.0] * 3, peak=4.2e9)]
    assert compare_records(base, new, [parse_rule("memory.peak:+3%")]).rows[0].verdict == "regression"
    assert compare_records(base, new, [parse_rule("memory.peak:+6%")]).rows[0].verdict == "ok"


def test_unmatched_and_failed_runs():
    base = [record("a", [1.0] * 3), record("b", [1.0] * 3), record("only-base", [1.0] * 3)]
    new = [record("a", [1.0] * 3), record("b", [], status="oom"), record("only-new", [1.0] * 3)]
    result = compare_records(base, new, LATENCY)
    assert [x.split()[0] for x in result.only_base] == ["only-base"]
    assert [x.split()[0] for x in result.only_new] == ["only-new"]
    (status_row,) = [r for r in result.rows if r.metric == "status"]
    assert status_row.verdict == "regression" and "ok → oom" in status_row.note


@pytest.mark.parametrize("bad", ["latency", "latency.median:5%", "latency.median:+x%", "nope.metric:+5%", "",
                                 "peak_memory.p90:+5%", "psnr:+0.5", "latency.p95:+5%"])
def test_bad_rules(bad):
    with pytest.raises(RuleError):
        parse_rule(bad)


def test_rule_names_are_the_record_tables():
    """Every rule names a metric of vbench.record's table; older names find the same metric."""
    for text in DEFAULT_RULES:
        assert parse_rule(text).metric in BY_NAME
    for old, new in (("latency.median:+5%", "latency:+5%"), ("memory.peak:+3%", "peak_memory:+3%"),
                     ("quality.psnr:-0.5", "psnr:-0.5"), ("step.median:+5%", "step_time:+5%"),
                     ("energy.per_video:+5%", "energy_per_video:+5%"), ("temporal.tof:+0.1", "tof:+0.1"),
                     ("quality.temporal.tof:+0.1", "tof:+0.1"), ("fps.median:-5%", "fps:-5%")):
        a, b = parse_rule(old), parse_rule(new)
        assert (a.metric, a.stat, a.threshold, a.worse) == (b.metric, b.stat, b.threshold, b.worse)
    p90 = parse_rule("latency.p90:+10%")
    assert (p90.metric, p90.stat, p90.name) == ("latency", "p90", "latency.p90")
    base, new = [record("a", [1.0] * 9 + [2.0])], [record("a", [1.0] * 9 + [3.0])]
    row = compare_records(base, new, [p90]).rows[0]
    assert row.metric == "latency.p90" and row.base == pytest.approx(1.1) and row.new == pytest.approx(1.2)


def test_parse_rule_forms():
    assert parse_rule("quality.psnr:-0.5") == parse_rule(" quality.psnr:-0.5 ")
    rule = parse_rule("memory.peak:+3%")
    assert (rule.threshold, rule.relative, rule.worse) == (0.03, True, 1)
    rule = parse_rule("quality.lpips:+.02")
    assert (rule.threshold, rule.relative, rule.worse) == (0.02, False, 1)


def write(path, recs):
    with RecordWriter(path) as w:
        for r in recs:
            w.write(r)
    return str(path)


def test_cli_exit_codes_and_json(tmp_path, capsys):
    base = write(tmp_path / "base" / "synthetic" / "s.jsonl", [record("a", noisy(1, 20))])
    same = write(tmp_path / "same" / "synthetic" / "s.jsonl", [record("a", noisy(3, 20))])
    slow = write(tmp_path / "slow" / "synthetic" / "s.jsonl", [record("a", noisy(2, 20, scale=1.1))])
    other = write(tmp_path / "other" / "synthetic" / "s.jsonl", [record("z", noisy(2, 20))])
    assert main(["compare", base, same]) == 0
    few = write(tmp_path / "few" / "synthetic" / "s.jsonl", [record("a", [1.00, 1.06])])
    few_new = write(tmp_path / "few_new" / "synthetic" / "s.jsonl", [record("a", [1.04, 1.18])])
    assert main(["compare", few, few_new]) == 3  # undecided is not a pass
    assert "undecided" in capsys.readouterr().out
    assert main(["compare", few, few_new, "--allow-undecided"]) == 0
    eight = write(tmp_path / "eight" / "synthetic" / "s.jsonl", [record("a", noisy(7, 3, scale=8.0))])
    assert main(["compare", write(tmp_path / "b3" / "synthetic" / "s.jsonl", [record("a", noisy(6, 3))]),
                 eight]) == 1  # the default rules, the default sample count
    assert main(["compare", base, slow, "--fail", "latency.median:+5%"]) == 1
    assert main(["compare", base, slow, "--fail", "latency.median:+20%"]) == 0
    capsys.readouterr()
    assert main(["compare", base, slow, "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["regressions"] == 1 and out["rows"][0]["metric"] == "latency"
    assert main(["compare", base, slow, "--fail", "latency.median:5"]) == 2  # no sign
    assert main(["compare", base, str(tmp_path / "missing")]) == 2
    assert main(["compare", base, other]) == 2  # nothing in common
    assert "no run_id in common" in capsys.readouterr().err


def test_a_relative_rule_on_a_negative_base_is_no_data_not_a_verdict():
    """A frame-difference gap is often negative: -0.1 -> -0.2 went down, yet new/base = 2 reads as +100 %."""
    def gap(run_id, v):
        return {"schema_version": SCHEMA_VERSION, "run_id": run_id, "status": "ok", "scenario": "synthetic",
                "quality": {"scores": {"mean_abs_frame_diff_gap": score("mean_abs_frame_diff_gap", v)}}}

    rule = parse_rule("mean_abs_frame_diff_gap:+10%")
    row = compare_records([gap("a", -0.1)], [gap("a", -0.2)], [rule]).rows[0]
    assert row.verdict == "no data" and "positive base" in row.note
    absolute = compare_records([gap("a", -0.1)], [gap("a", -0.2)], [parse_rule("mean_abs_frame_diff_gap:+0.05")])
    assert absolute.rows[0].verdict == "improvement" and absolute.rows[0].delta == pytest.approx(-0.1)
