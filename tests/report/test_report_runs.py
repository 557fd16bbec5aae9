"""The runs table: short labels, quality beside them, references marked, one unit family, noise
flags, one row per repeated configuration, and the cost per video on a single machine."""

from __future__ import annotations

import copy
import re

import pandas as pd
import pytest
from report_pages import derive, figures, section

from vbench.record import summarize
from vbench.report import build_report
from vbench.report.data import prepare
from vbench.results import load, records
from vbench.stats import NOISE_SPREAD
from vbench.units import GIB, MIB


def heads(table: str) -> list[str]:
    return re.findall(r"<th>([^<]*)</th>", table)


def rows(table: str) -> list[str]:
    return re.findall(r'<tr class="run[^"]*".*?</tr>', table)


def test_labels_are_built_from_the_settings_that_vary(golden):
    data = prepare(load(golden / "gpu-box" / "quickstart"))
    assert sorted(data.runs["label"]) == ["bf16 · 2 steps", "bf16 · 4 steps", "fp32 · 2 steps", "fp32 · 4 steps"]
    assert set(data.runs["full_label"]) == {"wan-tiny-fp32-steps2", "wan-tiny-fp32-steps4", "wan-tiny-bf16-steps2",
                                            "wan-tiny-bf16-steps4"}
    table = section(build_report(golden / "gpu-box" / "quickstart"), "runs")
    assert 'title="wan-tiny-bf16-steps2 · run_id 353d93b5cc72">bf16 · 2 steps</td>' in table


def test_long_quantization_labels_become_short(golden):
    base = records(golden / "gpu-box" / "quickstart")[2]
    recs = []
    for i, (precision, backend, granularity) in enumerate([("int8-weight-only", "torchao", "per_row"),
                                                           ("int8-weight-only", "torchao", "per_tensor"),
                                                           ("int8-weight-only", "quanto", "per_row"),
                                                           ("bf16", "torchao", "per_row")]):
        rec = copy.deepcopy(base)
        rec["run_id"] = f"q{i}"
        rec["label"] = f"wan-tiny-steps2-{precision}-quant-backend={backend}-quant-granularity={granularity}"
        rec["spec"]["optimizations"].update(precision=precision, quant_backend=backend, quant_granularity=granularity)
        recs.append(rec)
    labels = prepare(pd.json_normalize(recs)).runs["label"].tolist()
    assert labels == ["int8-weight-only · quant backend torchao · quant granularity per_row",
                      "int8-weight-only · quant backend torchao · quant granularity per_tensor",
                      "int8-weight-only · quant backend quanto · quant granularity per_row",
                      "bf16 · quant backend torchao · quant granularity per_row"]


def test_a_setting_older_records_lack_reads_as_its_default(golden):
    recs = records(golden / "gpu-box" / "quickstart")
    recs[0]["spec"]["optimizations"]["quant_granularity"] = "per_row"  # written by a newer vbench
    assert "quant_granularity" not in recs[1]["spec"]["optimizations"]
    labels = prepare(pd.json_normalize(recs)).runs["label"]
    assert not labels.str.contains("granularity").any()


def test_quality_columns_next_to_the_label(golden):
    table = section(build_report(golden), "runs")
    assert heads(table)[:6] == ["#", "run", "PSNR (dB)", "SSIM", "LPIPS", "tOF"]
    assert heads(table).index("verdict") < heads(table).index("scenario")


def test_reference_rows_are_marked_never_missing(golden):
    table = section(build_report(golden), "runs")
    refs = [r for r in rows(table) if r.startswith('<tr class="run reference"')]
    assert len(refs) == 5  # the two fp32 runs on each machine, the untiled tiling run
    for row in refs:
        assert '<span class="ref">reference</span>' in row
        assert '<td class="num" data-v="Infinity">∞ (reference)</td>' in row  # PSNR
        assert '<td class="num" data-v="1.0">1</td>' in row and '<td class="num" data-v="0.0">0</td>' in row


def test_a_gold_reference_is_in_the_table_and_the_steps_panel(gold):
    page = build_report(gold)
    table = section(page, "runs")
    [ref] = [r for r in rows(table) if "reference" in r.split(">")[0]]
    assert ">fp32 · 50 steps <span class=\"ref\">reference</span>" in ref and "∞ (reference)" in ref
    steps = next(f for f in _figures(page) if "sweep axis workload.num_inference_steps" in f["layout"]["title"]["text"])
    assert steps["layout"]["xaxis"]["type"] == "linear"
    psnr = [t for t in steps["data"] if t.get("yaxis") == "y3" and t.get("mode") == "lines+markers"]
    fp32 = next(t for t in psnr if "precision=fp32" in t["name"])
    assert fp32["x"] == [2.0, 4.0, 50.0]  # fewer steps against the one gold run
    assert fp32["y"][:2] == [35.0, 37.0] and fp32["y"][2] > max(fp32["y"][:2])  # ∞ drawn at the top
    assert fp32["marker"]["symbol"] == ["circle", "circle", "star"]
    labels = [t for t in steps["data"] if t.get("mode") == "text"]
    assert labels and labels[0]["text"] == ["reference"] and labels[0]["y"] == [fp32["y"][2]]


def test_reference_on_the_quality_plot_at_the_top(gold):
    page = build_report(gold)
    lq = next(f for f in _figures(page) if "latency vs psnr" in f["layout"]["title"]["text"])
    [ref] = [t for t in lq["data"] if t["name"].endswith("quality reference")]
    others = [y for t in lq["data"] if t.get("mode") == "markers" for y in t["y"]]
    assert ref["text"] == ["reference"] and ref["marker"]["symbol"] == "star"
    assert ref["y"][0] > max(others)


def _figures(page):
    return figures(page)


def test_one_unit_family(golden):
    page = build_report(golden)
    assert not re.search(r"\d GB\b", page.replace("80GB", ""))
    table = section(page, "runs")
    assert "3.23 GiB" in table and "928 MiB" in table  # GPU runs in GiB, CPU runs under 1 GiB in MiB


def test_noise_flags(golden, tmp_path):
    def change(rec):
        if rec.get("timing"):
            samples = rec["timing"]["e2e"]["samples"]
            rec["timing"]["e2e"] = summarize(samples[:1] if rec["run_id"] == "353d93b5cc72" else
                                             [samples[0]] * 5, "s")
            if rec["run_id"] == "0379a2c00368":
                rec["timing"]["e2e"] = summarize([1.0, 1.0, 1.5, 1.0, 1.0], "s")
    page = build_report(derive(golden / "gpu-box" / "quickstart", tmp_path / "q", change))
    table = section(page, "runs")
    by_label = {re.search(r">([^<]+?)( <span|</td>)", r[r.index('class="label"'):])[1]: r for r in rows(table)}
    assert '<td class=\'noisy\'>single sample</td>' in by_label["bf16 · 2 steps"]
    assert "high spread: p10–p90 is 30% of the median" in by_label["bf16 · 4 steps"]
    assert "noisy" not in by_label["fp32 · 2 steps"]
    assert f"wider than {NOISE_SPREAD:.0%} of the median" in table
    hovers = [h for f in _figures(page) for t in f["data"] for h in (t.get("hovertext") or [])]
    assert any("noisy: single sample" in h for h in hovers)


def later(hours: int, factor: float):
    def change(rec):
        rec["session"] = "20261123T090000-gpu"
        rec["started_at"] = rec["started_at"].replace("2026-11-22", "2026-11-23")
        if rec.get("timing"):
            rec["timing"]["e2e"] = summarize([x * factor for x in rec["timing"]["e2e"]["samples"]], "s")
    return change


def test_repeated_runs_one_row_newest_shown(golden, tmp_path):
    path = derive(golden / "gpu-box" / "quickstart", tmp_path / "q", later(24, 2.0), session="20261123T090000-gpu")
    assert len(records(path)) == 8
    data = prepare(load(path))
    assert len(data.runs) == 4 and set(data.runs["session"]) == {"20261123T090000-gpu"}
    first = records(golden / "gpu-box" / "quickstart")[0]
    newest = data.runs.set_index("run_id").loc[first["run_id"]]
    assert newest["latency"] == pytest.approx(2 * first["timing"]["e2e"]["median"])
    page = build_report(path)
    assert len(rows(section(page, "runs"))) == 4
    assert "4 older records of the same configuration hidden; newest shown" in page


def test_repeated_runs_pooled(golden, tmp_path):
    path = derive(golden / "gpu-box" / "quickstart", tmp_path / "q", later(24, 2.0), session="20261123T090000-gpu")
    data = prepare(load(path), pool=True)
    first = records(golden / "gpu-box" / "quickstart")[0]
    samples = first["timing"]["e2e"]["samples"]
    row = data.runs.set_index("run_id").loc[first["run_id"]]
    assert row["latency.n"] == 6
    assert row["latency"] == pytest.approx(pd.Series(samples + [2 * x for x in samples]).median())
    assert "latency pooled from the raw samples of every finished repeat" in build_report(path, pool=True)


def test_price_per_video_on_one_machine(golden):
    page = build_report(golden / "gpu-box" / "quickstart", prices={"H100": 2.49})
    assert "Results from one machine only" in page
    hardware = section(page, "hardware")
    assert "Cost per video on <b>NVIDIA H100 80GB HBM3</b> at $2.49/h" in hardware
    data = prepare(load(golden / "gpu-box" / "quickstart"))
    for r in data.ok.itertuples():
        assert f"${r.latency * 2.49 / 3600:.5f}" in hardware
    assert "$ per video" in heads(section(page, "runs"))


def test_memory_unit_follows_the_values():
    from vbench.report.data import memory_unit
    assert memory_unit(pd.Series([900 * MIB, 14 * MIB])) == (MIB, "MiB")
    assert memory_unit(pd.Series([3 * GIB]), pd.Series([float("nan")])) == (GIB, "GiB")
