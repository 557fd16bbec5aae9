"""Fixtures of the report tests: the golden results and a headless Chromium page."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
from report_pages import derive

GOLDEN = Path(__file__).parent / "golden"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def golden() -> Path:
    return GOLDEN


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright; skipped with the reason when either is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[browser]')")
    exe = chromium_path()
    if exe is None:
        pytest.skip("no chromium executable on PATH (apt-get install -y chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def gold(golden, tmp_path_factory) -> Path:
    """The quickstart scored the new way: one gold reference (fp32, 50 steps, role reference, scored
    against itself: PSNR null, SSIM 1, LPIPS 0) for every run, the fp32 runs included."""
    from vbench.record import summarize
    from vbench.results import records

    bf16 = records(golden / "gpu-box" / "quickstart")[2]

    def change(rec):
        rec["reference_id"] = "gold00000000"
        scores = rec["quality"]["scores"] if "quality" in rec else None
        if scores is not None and "psnr" not in scores:  # the fp32 runs, now scored against the gold run
            rec["quality"] = copy.deepcopy(bf16["quality"])
            rec["quality"]["scores"]["psnr"]["value"] = 33.0 + rec["spec"]["workload"]["num_inference_steps"]
        if rec["run_id"] == "e444d6c24386":
            ref = copy.deepcopy(rec)
            ref.update(run_id="gold00000000", config_id="goldconfig00", role="reference", reference_id=None,
                       label="wan-tiny-fp32-steps50")
            ref["spec"]["workload"]["num_inference_steps"] = 50
            ref["spec"]["axes"] = {}
            ref["timing"]["e2e"] = summarize([x * 12 for x in rec["timing"]["e2e"]["samples"]], "s")
            ref["quality"] = {"reference": True, "reference_run_id": None, "scores": {
                "psnr": {"value": None, "unit": "dB", "higher_is_better": True},
                "ssim": {"value": 1.0, "unit": "", "higher_is_better": True},
                "lpips": {"value": 0.0, "unit": "", "higher_is_better": False}}}
            return [ref, rec]
    return derive(golden / "gpu-box" / "quickstart", tmp_path_factory.mktemp("gold") / "quickstart", change)
