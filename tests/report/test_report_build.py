"""Building the report without a browser: content, escaping, absent fields, size, the command line."""

from __future__ import annotations

import re

import numpy as np
import pytest

from vbench.cli.main import main
from vbench.record import SCHEMA_VERSION
from vbench.report import build_report, write_report
from vbench.report.data import prepare
from vbench.report.hardware import price_for
from vbench.report.pareto import pareto_mask
from vbench.results import load, records
from vbench.store import RecordWriter
from vbench.units import parse_price

SCRIPT_PROMPT = '<script>alert("x")</script> a fox & a "hound"'


@pytest.fixture(scope="module")
def page(golden) -> str:
    return build_report(golden, prices={"H100": 2.49})


def test_plotly_inlined_once_and_nothing_fetched(page):
    assert page.count("Plotly.newPlot(") == page.count('<div class="figure"')
    assert len(re.findall(r"<script[^>]*\bsrc=", page)) == 0
    assert page.count("plotly.js v") <= 2  # the bundle's own banner, once


def test_user_text_is_escaped(page):
    assert SCRIPT_PROMPT not in page
    assert "<script>alert" not in page
    assert '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; a fox &amp; a &quot;hound&quot;' in page


def test_every_run_and_reason_is_listed(page, golden):
    recs = records(golden)
    for rec in recs:
        assert f'data-run-id="{rec["run_id"]}"' in page
    assert len(re.findall(r'<tr class="run( reference)?"', page)) == len(recs)
    assert "CUDA out of memory. Tried to allocate 26.00 GiB" in page
    assert "requires accelerator, but not found" in page


def test_sections_present(page):
    assert "memory budget 24 GiB" in page
    assert "sweep axis optimizations.vae_tiling" in page and "sweep axis workload.num_inference_steps" in page
    assert "Time per stage" in page and "Latency per denoising step" in page and "Peak allocated memory per stage" in page
    assert "Latency by machine" in page and "$ per video" in page
    assert page.count('<figure class="preview">') == 6


def test_prepare_reads_real_record_fields(golden):
    data = prepare(load(golden))
    assert data.quality[:3] == ["psnr", "ssim", "lpips"] and data.primary_quality == "psnr"
    ok = data.ok
    assert ok["latency"].notna().all() and ok["peak_memory"].notna().all()
    assert set(ok["peak_memory.source"]) == {"host_rss", "nvml_process_used"}
    assert {"stage:denoise", "stage:vae_decode", "memstage:denoise"} <= set(data.runs.columns)
    assert sorted(data.machines["machine"]) == ["CPU AMD EPYC", "NVIDIA H100 80GB HBM3"]
    assert data.axes["tiling"] == ["optimizations.vae_tiling", "optimizations.chunk_frames"]


def test_quality_bookkeeping_is_not_charted_as_a_score():
    import pandas as pd

    quality = {"psnr": {"value": 30.0, "unit": "dB", "identical_frames": 2},
               "fvd": {"value": 10.0, "n": 4, "n_reference": 4, "flagged": True, "config_id": "abc"},
               "temporal": {"tof": 1.5, "tof_window": {"y": 0, "x": 0, "height": 32, "width": 32}},
               "unavailable": {"lpips": "weights are missing"}}
    from vbench.store.v1_to_v2 import upgrade

    record = upgrade({"run_id": "r1", "status": "ok", "quality": quality})  # as schema 1 wrote it
    data = prepare(pd.json_normalize([record]))
    assert data.quality == ["psnr", "fvd", "tof"]
    assert data.runs.loc[0, "psnr"] == 30.0 and data.runs.loc[0, "tof"] == 1.5


def test_report_without_quality_or_gpu_fields(tmp_path, golden):
    path = tmp_path / "noquality" / "quickstart" / "s.jsonl"
    with RecordWriter(path) as w:
        for rec in records(golden / "cpu-box"):
            rec.pop("quality", None)
            w.write(rec)
    page = build_report(path)
    assert "No quality scores in these results" in page
    assert "Results from one machine only" in page
    assert "No device memory per stage" in page and "No host memory per stage" in page
    assert len(re.findall(r'<tr class="run( reference)?"', page)) == 5


def test_host_memory_per_stage_is_charted(tmp_path, golden):
    path = tmp_path / "host" / "quickstart" / "s.jsonl"
    with RecordWriter(path) as w:
        for i, rec in enumerate(records(golden / "cpu-box")):
            host = rec.setdefault("memory", {}).setdefault("host", {}) or {}
            rec["memory"]["host"] = {**host, "stages": {"denoise": {"delta_rss_bytes": (i + 1) * 2**20},
                                                        "vae_decode": {"delta_rss_bytes": 3 * 2**20}}}
            w.write(rec)
    page = build_report(path)
    assert "Host RSS rise per stage" in page and "No host memory per stage" not in page


def test_failed_runs_only(tmp_path):
    path = tmp_path / "r" / "s" / "x.jsonl"
    with RecordWriter(path) as w:
        w.write({"schema_version": SCHEMA_VERSION, "run_id": "abc", "status": "oom", "scenario": "s", "reason": "out of <memory>"})
    page = build_report(path)
    assert "out of &lt;memory&gt;" in page and 'data-run-id="abc"' in page


def test_pareto_mask():
    pts = np.array([[1, 5], [2, 2], [3, 3], [5, 1], [1, 5], [np.nan, 0]], float)
    assert pareto_mask(pts).tolist() == [True, True, False, True, True, False]
    assert pareto_mask(np.empty((0, 2))).tolist() == []


def test_prices():
    assert parse_price("H100=2.49/h") == ("H100", 2.49)
    assert parse_price("NVIDIA A10G=$1.0") == ("NVIDIA A10G", 1.0)
    for bad in ("H100", "H100=", "=2", "H100=-1", "H100=abc"):
        with pytest.raises(ValueError):
            parse_price(bad)
    prices = {"H100": 2.0, "H100 80GB": 3.0}
    assert price_for("NVIDIA H100 80GB HBM3", prices) == 3.0 and price_for("CPU", prices) is None


def test_cli_report(tmp_path, golden, capsys):
    out = tmp_path / "sub" / "r.html"
    assert main(["report", str(golden), "-o", str(out), "--price", "H100=2.49", "--previews", "1"]) == 0
    text = out.read_text()
    assert text.count('<figure class="preview">') == 1 and "$ per video" in text
    assert main(["report", str(golden), "-o", str(out), "--price", "H100"]) == 2
    assert main(["report", str(tmp_path / "missing"), "-o", str(out)]) == 2
    assert "error" in capsys.readouterr().err


def test_size_of_golden_report(tmp_path, golden):
    size = write_report(golden, tmp_path / "r.html").stat().st_size
    assert size < 5_100_000  # plotly.js is ~4.8 MB of it; 5.1 MB with the PNG strips before the animations


def test_cli_pool(tmp_path, golden):
    out = tmp_path / "r.html"
    assert main(["report", str(golden / "gpu-box"), "-o", str(out), "--pool", "--previews", "0"]) == 0
    assert "Previews were turned off" in out.read_text()
