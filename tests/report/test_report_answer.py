"""The answer panel the report opens with: the fastest configuration within the budget, per machine."""

from __future__ import annotations

import re

import numpy as np
import pytest
from report_pages import derive, figures, section

from vbench.record import summarize
from vbench.report import build_report
from vbench.report.answer import speedup
from vbench.report.data import prepare
from vbench.results import load
from vbench.stats import change_intervals


def budget(gib: float | None, floors: dict | None = None):
    def change(rec):
        rec["spec"]["limits"]["memory_budget_gb"] = gib
        if floors is not None:
            rec["spec"]["limits"]["min_quality"] = floors
    return change


@pytest.fixture(scope="module")
def tiling(golden, tmp_path_factory):
    """The tiling scenario under a 24 GiB budget and a PSNR floor of 35 dB: the untiled reference is
    over the budget, the tiled run chunked by 4 is below the floor, two tiled runs fit."""
    return derive(golden / "gpu-box" / "tiling", tmp_path_factory.mktemp("tiling") / "tiling",
                  budget(24, {"psnr": 35}))


def test_answer_names_the_fastest_fitting_config(tiling):
    page = build_report(tiling)
    answer = section(page, "answer")
    assert page.index('<section id="answer">') < page.index('<section id="runs">')
    assert "Budget: peak memory ≤ 24.0 GiB, PSNR ≥ 35." in answer
    winner = re.search(r'Fastest within the budget: <b class="pick">([^<]+)</b>', answer)
    assert winner and winner[1] == "VAE tiling · no chunking"  # 0.48 s; chunk 8 fits too but takes 0.61 s
    assert "Over the memory budget (1)" in answer and "no VAE tiling · no chunking</b>: peak memory 30.3 GiB" in answer
    assert "Below a quality floor (1)" in answer and "VAE tiling · chunk 4</b>: PSNR 31.5 is not &gt;= 35" in answer
    assert "2 runs did not finish" in answer


def test_speedup_and_memory_against_the_baseline(tiling):
    data = prepare(load(tiling))
    ok = data.ok.set_index("label")
    best, base = ok.loc["VAE tiling · no chunking"], ok.loc["no VAE tiling · no chunking"]
    ratio, interval = speedup(best, base)
    assert ratio == pytest.approx(base["latency"] / best["latency"])
    expected, _ = change_intervals(np.array(best["samples"]), np.array(base["samples"]), "median")
    assert interval == pytest.approx(expected)
    answer = section(build_report(tiling), "answer")
    assert interval[0] < 1 < interval[1]  # 3 samples a side: 0.87× is not told apart from 1×
    assert (f"<b>speedup {ratio:.3g}×</b> (no clear difference: the interval holds 1) over the baseline "
            "<i>no VAE tiling · no chunking</i>") in answer
    assert f"(95% interval {interval[0]:.3g}×–{interval[1]:.3g}×)" in answer
    assert "peak memory 9.29 GiB vs 30.3 GiB for the baseline (−69%, −21.0 GiB)" in answer


def test_a_clear_speedup_against_a_baseline_over_the_budget(golden, tmp_path):
    rng = np.random.default_rng(0)

    def change(rec):
        budget(3.1)(rec)  # fp32 peaks at 3.23 GiB, bf16 at 3.03 GiB
        seconds = 0.2 if rec["spec"]["optimizations"]["precision"] == "bf16" else 0.5
        rec["timing"]["e2e"] = summarize(list(seconds * (1 + 0.02 * rng.standard_normal(10))), "s")
    answer = section(build_report(derive(golden / "gpu-box" / "quickstart", tmp_path / "q", change)), "answer")
    assert 'Fastest within the budget: <b class="pick">bf16 · 2 steps</b>' in answer
    found = re.search(r"<b>speedup ([\d.]+)×</b> \(faster\) over the baseline <i>fp32 · 2 steps</i> "
                      r"\(95% interval ([\d.]+)×–([\d.]+)×\)", answer)
    assert found and 1 < float(found[2]) < float(found[1]) < float(found[3])
    assert float(found[1]) == pytest.approx(2.5, rel=0.05)
    assert "Over the memory budget (2)" in answer  # the fp32 runs, the baseline among them


def test_with_a_gold_reference_the_baseline_is_the_default_run_of_the_same_workload(gold, tmp_path):
    answer = section(build_report(derive(gold, tmp_path / "q", budget(3.1, {"psnr": 30}))), "answer")
    # bf16 is scored against the 50-step gold run, but its speed is compared with fp32 at its own 2 steps
    assert 'Fastest within the budget: <b class="pick">bf16 · 2 steps</b>' in answer
    assert "over the baseline <i>fp32 · 2 steps</i>" in answer
    assert "Over the memory budget (3)" in answer and "fp32 · 50 steps" in answer  # the gold run is judged too


def test_the_quality_floor_is_drawn(tiling):
    [lq] = [f for f in figures(build_report(tiling)) if "latency vs psnr" in f["layout"]["title"]["text"]]
    assert lq["layout"]["shapes"][0]["y0"] == 35 and lq["layout"]["annotations"][0]["text"] == "PSNR floor 35"


def test_the_verdict_is_a_table_column(tiling):
    table = section(build_report(tiling), "runs")
    heads = re.findall(r"<th>([^<]*)</th>", table)
    assert "verdict" in heads
    verdicts = re.findall(r'<span class="verdict v-([a-z_]+)">', table)
    assert sorted(verdicts) == sorted(["over_memory_budget", "fits", "not_run", "fits", "not_run", "below_quality"])
    assert "peak memory 30.3 GiB (nvml_process_used) is over the 24.0 GiB budget" in table


def test_nothing_fits(golden, tmp_path):
    path = derive(golden / "gpu-box" / "tiling", tmp_path / "tiling", budget(1))
    answer = section(build_report(path), "answer")
    assert "No configuration is known to fit the budget here." in answer
    assert "Over the memory budget (4)" in answer and "Fastest within the budget" not in answer


def test_runs_without_a_score_cannot_be_judged(golden, tmp_path):
    def change(rec):
        budget(24, {"lpips": 0.1})(rec)
        rec.pop("quality", None)
    answer = section(build_report(derive(golden / "gpu-box" / "tiling", tmp_path / "t", change)), "answer")
    assert "No configuration is known to fit" in answer
    assert "Could not be judged (3)" in answer and "LPIPS unknown (not scored yet), floor &lt;= 0.1" in answer


def test_no_budget_says_so_and_how_to_set_one(golden):
    answer = section(build_report(golden / "gpu-box" / "quickstart"), "answer")
    assert "No budget was set" in answer
    assert "limits.memory_budget_gb" in answer and "limits.min_quality" in answer
    winner = re.search(r'No budget set; fastest overall: <b class="pick">([^<]+)</b>', answer)
    data = prepare(load(golden / "gpu-box" / "quickstart"))
    fastest = data.ok.sort_values("latency").iloc[0]
    assert winner and winner[1] == fastest["label"] == "fp32 · 2 steps"
    assert "it is the baseline itself" in answer  # the fp32 run is the default configuration


def test_missing_baseline_is_said(golden, tmp_path):
    def change(rec):
        if rec["spec"]["optimizations"]["precision"] == "fp32":
            return []
    answer = section(build_report(derive(golden / "gpu-box" / "quickstart", tmp_path / "q", change)), "answer")
    assert "fastest overall: <b class=\"pick\">2 steps</b>" in answer  # only the steps vary now
    assert "no baseline: the default configuration (fp32, no optimization) of this workload is not in these results" in answer


def test_answer_per_machine(golden):
    answer = section(build_report(golden), "answer")
    assert answer.count('<div class="answer-machine">') == 3  # quickstart on two machines, tiling on one
    assert answer.count("<h4>NVIDIA H100 80GB HBM3</h4>") == 2 and "<h4>CPU AMD EPYC</h4>" in answer


def test_text_encoder_mode_is_shown_where_the_model_is(golden, tmp_path):
    def change(rec):
        if rec.get("model_info") is not None:
            rec["model_info"]["text_encoder"] = {"mode": "pseudo"}
    page = build_report(derive(golden / "gpu-box" / "quickstart", tmp_path / "q", change))
    assert "Text encoders: pseudo text embeddings" in section(page, "answer")

    def full(rec):
        if rec.get("model_info") is not None:
            rec["model_info"]["text_encoder"] = {"mode": "full", "components": {
                "text_encoder": {"class": "UMT5EncoderModel", "parameters": 5_680_910_336}}}
    page = build_report(derive(golden / "gpu-box" / "quickstart", tmp_path / "full", full))
    assert "Text encoders: the published text encoders, at full size (5.68 B parameters)." in section(page, "answer")
    assert "Text encoders:" not in build_report(golden / "gpu-box" / "quickstart")  # old records say nothing


def test_price_gives_the_winners_cost_per_video(golden):
    answer = section(build_report(golden / "gpu-box" / "quickstart", prices={"H100": 2.49}), "answer")
    data = prepare(load(golden / "gpu-box" / "quickstart"))
    latency = data.ok.sort_values("latency").iloc[0]["latency"]
    assert f"${latency * 2.49 / 3600:.5f} per video at $2.49/h" in answer
