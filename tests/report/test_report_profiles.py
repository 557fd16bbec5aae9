"""`vbench report --gpu …`: the answer panel per GPU profile shows what `vbench recommend` answers."""

from __future__ import annotations

import json
import re

import pytest

from vbench.cli.main import main
from vbench.hardware import get_profile
from vbench.plan.recommend import recommend_by_scenario
from vbench.report import build_report
from vbench.results import records

GPUS = ["rtx-4090", "h100-sxm"]


def _blocks(page: str) -> dict[str, list[str]]:
    """Per profile block, in page order: the picked config id, then the table's config ids."""
    out = {}
    for k, block in enumerate(page.split('<div class="answer-profile" data-profile="')[1:]):
        profile = block.split('"', 1)[0]
        pick = re.search(r'class="pick" data-config-id="([^"]+)"', block)
        rows = re.findall(r'<tr data-config-id="([^"]+)">', block)
        out[f"{k}:{profile}"] = [pick.group(1) if pick else None, *rows]
    return out


@pytest.fixture(scope="module")
def page(golden):
    return build_report(golden, previews=0, gpus=[get_profile(g) for g in GPUS], floors={"psnr": 35})


def test_panel_shows_recommend_per_scenario_and_profile(page, golden):
    answers = recommend_by_scenario(records(golden), [get_profile(g) for g in GPUS], floors={"psnr": 35})
    want = {}
    k = 0
    for _, targets in answers:
        for t in targets:
            want[f"{k}:{t.id}"] = [t.best.config_id if t.best else None, *(r.config_id for r in t.rows)]
            k += 1
    assert _blocks(page) == want
    assert len(want) == 4  # two scenarios x two profiles
    # the tiling baseline (30 GiB) does not fit the RTX 4090's 24 GiB, and is said to be over budget
    assert "over the memory budget" in page
    # the RTX 4090 rows are projected from the H100, the H100 rows measured: never one basis for both
    rtx, h100 = (page.split('data-profile="rtx-4090"')[1].split("answer-profile")[0],
                 page.split('data-profile="h100-sxm"')[1].split("answer-profile")[0])
    assert "b-projected" in rtx and "b-measured" not in rtx
    assert "b-measured" in h100 and "b-projected" not in h100
    # a floor the bf16 runs (PSNR 38.5, 39.5) pass and the chunk-4 tiling (31.5) fails
    assert "PSNR 31.5 &lt; 35" in page or "PSNR 31.5 < 35" in page


def test_without_profiles_the_panel_is_absent(golden):
    assert 'class="answer-profile"' not in build_report(golden, previews=0)


def test_cli_writes_the_panel_and_names_bad_options(golden, tmp_path, capsys):
    out = tmp_path / "r.html"
    args = ["report", str(golden), "-o", str(out), "--previews", "0", "--min", "psnr=35"]
    assert main([*args, "--gpu", "rtx-4090", "--gpu", "h100-sxm", "--price", "rtx-4090=0.3"]) == 0
    text = out.read_text()
    assert len(_blocks(text)) == 4 and "$0.30/h" in text
    assert main(["recommend", str(golden), "--gpu", "rtx-4090", "--gpu", "h100-sxm", "--min", "psnr=35",
                 "--price", "rtx-4090=0.3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    picks = [t["fastest"]["config_id"] if t["fastest"] else None for s in data["scenarios"] for t in s["targets"]]
    assert [b[0] for b in _blocks(text).values()] == picks
    assert main([*args]) == 2
    assert "give --gpu PROFILE too" in capsys.readouterr().err
    assert main([*args, "--gpu", "h100"]) == 2
    assert "did you mean h100-nvl or h100-pcie or h100-sxm" in capsys.readouterr().err


def test_panel_renders_in_chromium(browser, golden, tmp_path):
    out = tmp_path / "r.html"
    out.write_text(build_report(golden, previews=0, gpus=[get_profile("rtx-4090")]))
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(out.as_uri(), wait_until="load")
    panel = page.locator(".answer-profile").first
    assert panel.is_visible()
    assert "Fastest that fits" in panel.inner_text() and "projected" in panel.inner_text()
    page.close()
    assert errors == []


def test_the_runs_table_says_what_a_cache_computed(golden, tmp_path):
    from report_pages import derive, section

    def change(rec):
        if rec["label"] == "wan-tiny-bf16-steps2" and rec["status"] == "ok":
            rec["applied"]["cache"] = {"mode": "first-block", "counts": {
                "blocks": {"computed": 5, "total": 8}, "attention": {"computed": 10, "total": 16}}}

    folder = derive(golden / "gpu-box" / "quickstart", tmp_path / "quickstart", change)
    runs = section(build_report(folder, previews=0), "runs")
    assert "cache: computed / total" in runs
    assert 'data-v="0.625">blocks 5/8 · attention 10/16<' in runs
    assert "cache: computed" not in section(build_report(golden / "gpu-box" / "quickstart", previews=0), "runs")
