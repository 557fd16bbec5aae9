"""The figures as plotly reads them: p10–p90 whiskers, category and number axes, memory from zero,
and previews that play."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest
from report_pages import figures, section

from vbench.report import build_report
from vbench.report.data import prepare
from vbench.results import load


@pytest.fixture(scope="module")
def page(golden) -> str:
    return build_report(golden, prices={"H100": 2.49})


def by_title(page: str, words: str) -> list[dict]:
    return [f for f in figures(page) if words in f["layout"]["title"]["text"]]


def test_latency_points_have_p10_p90_whiskers(page, golden):
    data = prepare(load(golden))
    [lm] = by_title(page, "quickstart: latency vs peak memory")
    cpu = next(t for t in lm["data"] if t["name"] == "CPU AMD EPYC")
    runs = data.ok[(data.ok["machine"] == "CPU AMD EPYC") & ~data.ok["reference"]]
    assert cpu["x"] == pytest.approx(runs["latency"].tolist())
    err = cpu["error_x"]
    assert err["array"] == pytest.approx((runs["latency.p90"] - runs["latency"]).tolist())
    assert err["arrayminus"] == pytest.approx((runs["latency"] - runs["latency.p10"]).tolist())
    samples = runs.iloc[0]["samples"]
    assert runs.iloc[0]["latency.p10"] == pytest.approx(np.percentile(samples, 10))  # from the raw samples
    [axis] = by_title(page, "sweep axis optimizations.precision")
    assert all("error_y" in t for t in axis["data"] if t.get("yaxis") == "y")
    [bars] = by_title(page, "Latency by machine")
    assert all(t["error_y"]["array"] for t in bars["data"])


def test_categorical_axes_are_categories_numeric_axes_numbers(page):
    [precision] = by_title(page, "sweep axis optimizations.precision")
    assert precision["layout"]["xaxis"]["type"] == "category"
    assert precision["layout"]["xaxis"]["categoryarray"] == ["fp32", "bf16"]
    [tiling] = by_title(page, "sweep axis optimizations.vae_tiling")
    assert tiling["layout"]["xaxis"]["type"] == "category"  # a switch is not a trend
    [chunks] = by_title(page, "sweep axis optimizations.chunk_frames")
    assert chunks["layout"]["xaxis"]["type"] == "category"  # "none" is not a number
    [steps] = by_title(page, "sweep axis workload.num_inference_steps")
    assert steps["layout"]["xaxis"]["type"] == "linear"
    assert {x for t in steps["data"] for x in t["x"]} == {2.0, 4.0}


def test_memory_axes_start_at_zero_in_binary_units(page):
    for f in by_title(page, "latency vs peak memory"):
        assert f["layout"]["yaxis"]["rangemode"] == "tozero"
        assert f["layout"]["yaxis"]["title"]["text"] in ("peak memory (GiB)", "peak memory (MiB)")
    [tiling] = by_title(page, "tiling: latency vs peak memory")
    assert tiling["layout"]["annotations"][0]["text"] == "memory budget 24 GiB"
    assert tiling["layout"]["shapes"][0]["y0"] == 24.0  # on the GiB axis
    for f in by_title(page, "sweep axis"):
        assert f["layout"]["yaxis2"]["rangemode"] == "tozero"
    [stages] = by_title(page, "Peak allocated memory per stage")
    assert stages["layout"]["xaxis"]["title"]["text"] == "GiB"


def test_small_memory_is_drawn_in_mib(golden):
    page = build_report(golden / "cpu-box")
    [lm] = by_title(page, "latency vs peak memory")
    assert lm["layout"]["yaxis"]["title"]["text"] == "peak memory (MiB)"
    ys = [y for t in lm["data"] if t.get("mode") != "lines" for y in t["y"]]
    assert min(ys) > 900 and max(ys) < 950  # 920–937 MiB, from zero: no cliff


def test_previews_play(page):
    from PIL import Image

    previews = section(page, "previews")
    uris = re.findall(r'src="data:image/webp;base64,([A-Za-z0-9+/=]+)"', previews)
    assert len(uris) == previews.count('<figure class="preview">') == 6
    assert "data:image/png" not in previews
    for uri in uris:
        image = Image.open(io.BytesIO(base64.b64decode(uri)))
        assert image.format == "WEBP" and image.is_animated and image.n_frames == 9  # every frame of the video
        assert image.size[1] == 32 and image.size[0] == 3 * 32 + 2 * 2  # run | reference | difference
        frames = []
        for i in (0, image.n_frames - 1):
            image.seek(i)
            frames.append(np.asarray(image.convert("RGB"), dtype=int))
        assert np.abs(frames[0] - frames[1]).mean() > 5  # it moves


def test_previews_downscale_large_videos():
    from vbench.report.previews import MAX_FRAMES, MAX_HEIGHT, _frames, animation

    video = np.random.default_rng(0).integers(0, 256, (1, 81, 480, 832, 3), dtype=np.uint8)
    frames = _frames(video)
    assert frames.shape == (MAX_FRAMES, MAX_HEIGHT, round(832 * MAX_HEIGHT / 480), 3)
    assert len(animation([frames])) < 600_000


def test_breakdown_rows_are_distinct_runs(page):
    [stages] = by_title(page, "Time per stage")
    names = stages["data"][0]["y"]
    assert len(names) == len(set(names)) == 12  # short labels are unique per scenario and machine only
    assert "fp32 · no offload · 2 steps · quickstart · CPU AMD EPYC" in names
