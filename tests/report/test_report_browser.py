"""The report of the golden results, opened in headless Chromium: it renders, offline, as text."""

from __future__ import annotations

import pytest

from vbench import results
from vbench.report import write_report

SCRIPT_PROMPT = '<script>alert("x")</script> a fox & a "hound"'


@pytest.fixture(scope="module")
def opened(browser, golden, tmp_path_factory):
    html_path = write_report(golden, tmp_path_factory.mktemp("report") / "report.html", prices={"H100": 2.49})
    page = browser.new_page()
    errors, dialogs, requests = [], [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.goto(html_path.as_uri(), wait_until="load")
    page.wait_for_function("document.querySelectorAll('.figure').length === "
                           "document.querySelectorAll('.figure.js-plotly-plot').length", timeout=20_000)
    yield page, errors, dialogs, requests
    page.close()


def test_every_figure_renders_with_data(opened):
    page, errors, _, _ = opened
    counts = page.evaluate("""() => {
        const figs = Array.from(document.querySelectorAll('div.figure'));
        return {figures: figs.length,
                drawn: figs.filter(f => f.data && f.data.length > 0 && f.querySelector('.main-svg')).length};
    }""")
    # Pareto (2 per scenario, with quality), 4 sweep axes, 3 breakdowns, 1 hardware figure
    assert counts["figures"] >= 10
    assert counts["drawn"] == counts["figures"]
    assert errors == []


def test_no_console_errors_no_network(opened):
    _, errors, dialogs, requests = opened
    assert errors == [] and dialogs == [] and requests == []


def test_table_lists_every_run_with_reasons(opened, golden):
    page = opened[0]
    recs = results.records(golden)
    assert len(recs) == 15 and {r["status"] for r in recs} == {"ok", "oom", "unsupported"}
    ids = page.eval_on_selector_all("#summary tbody tr.run", "rows => rows.map(r => r.dataset.runId)")
    assert sorted(ids) == sorted(r["run_id"] for r in recs)
    body = page.inner_text("body")
    for rec in recs:
        if rec["status"] != "ok":
            assert rec["reason"][:60] in body


def test_script_prompt_shows_as_text(opened):
    page, _, dialogs, _ = opened
    assert SCRIPT_PROMPT in page.inner_text("#previews")
    assert dialogs == []
    # the only scripts are plotly.js, one per figure and the table sorter
    n_scripts = page.evaluate("document.querySelectorAll('script').length")
    n_figures = page.evaluate("document.querySelectorAll('div.figure').length")
    assert n_scripts == n_figures + 2


def test_header_names_machines_and_counts(opened):
    text = opened[0].inner_text("#top")
    assert "quickstart" in text and "tiling" in text
    assert "15 runs" in text
    machines = opened[0].inner_text("#machines")
    assert "NVIDIA H100 80GB HBM3" in machines and "CPU AMD EPYC" in machines


def test_the_answer_comes_first_and_is_readable(opened):
    page = opened[0]
    page.set_viewport_size({"width": 1280, "height": 900})
    top = page.evaluate("() => ['answer', 'runs'].map(id => document.getElementById(id).getBoundingClientRect().top"
                        " + window.scrollY)")
    assert top[0] < 300 and top[0] < top[1]  # right under the title, above the table
    answer = page.inner_text("#answer")
    assert "Fastest within the budget: VAE tiling · no chunking" in answer
    assert "No budget set; fastest overall: fp32 · no offload · 2 steps" in answer  # the CPU box tried offload
    assert "Over the memory budget (1)" in answer
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#answer .winner')).fontSize)")
    assert size >= 14


def test_previews_decode_in_the_browser(opened):
    sizes = opened[0].evaluate("() => Array.from(document.querySelectorAll('#previews img')).map("
                               "i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert len(sizes) == 6 and all(done and w == 100 and h == 32 for done, w, h in sizes)


def test_table_sorts_numerically(opened):
    page = opened[0]
    header = page.locator("#summary th", has_text="Latency median (s)")
    header.click()
    col = page.evaluate("Array.from(document.querySelectorAll('#summary th')).findIndex("
                        "h => h.textContent.startsWith('Latency median'))")
    values = page.evaluate(f"Array.from(document.querySelectorAll('#summary tbody tr')).map("
                           f"r => r.cells[{col}].dataset.v)")
    numbers = [float(v) for v in values if v]
    assert numbers == sorted(numbers) and values[-1] == ""  # unknown latencies last
