"""The HTML report: ``vbench report RESULTS… -o report.html``.

One self-contained file that opens offline (plotly.js inlined once). It opens with the answer: per
scenario and machine, the fastest configuration within the memory budget and quality floors, its
speedup and memory against the baseline, and the runs that failed the budget and why. Then a
sortable table of every run including the ones that did not finish (one row per configuration when
sessions repeat it), Pareto views, one figure per sweep axis, stage/step/memory breakdowns, a
hardware comparison when several machines are present, animated video previews, and the machines.
Reads stored results only; never imports torch.

* :mod:`~vbench.report.data` -- results to the report's columns, with
  :mod:`~vbench.report.settings` (resolved settings, short labels) and
  :mod:`~vbench.report.repeats` (repeated runs, latency spread and noise)
* :mod:`~vbench.report.answer` -- the answer panel, and :mod:`~vbench.report.profiles` its part per
  GPU profile (``--gpu``)
* :mod:`~vbench.report.table` -- the summary table and the list of failed runs
* :mod:`~vbench.report.pareto`, :mod:`~vbench.report.axis_figures`, :mod:`~vbench.report.breakdown`,
  :mod:`~vbench.report.hardware` -- the figure families
* :mod:`~vbench.report.previews` -- the run, its reference and their difference, animated
* :mod:`~vbench.report.page` -- the page around them
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from vbench.store.layout import PathLike

if TYPE_CHECKING:
    from vbench.hardware import Profile

__all__ = ["DEFAULT_PREVIEWS", "build_report", "write_report"]

#: Runs previewed by default; each costs roughly 10–80 kB of page.
DEFAULT_PREVIEWS = 6


def build_report(paths: PathLike | Iterable[PathLike], *, prices: Mapping[str, float] | None = None,
                 previews: int = DEFAULT_PREVIEWS, title: str | None = None, pool: bool = False,
                 gpus: Sequence[Profile] = (), budget_gb: float | None = None,
                 floors: Mapping[str, float] | None = None) -> str:
    """The report of the results under ``paths`` as one HTML string.

    Args:
        paths: results files or folders, as for :func:`vbench.results.load`.
        prices: US dollars per hour by (a substring of) machine name, for the cost per video.
        previews: how many runs get video previews.
        title: the page title; by default names the scenarios.
        pool: a run repeated across sessions pools its raw latency samples (by default its newest
            record is shown); the page says which.
        gpus: hardware profiles; the answer then opens with :func:`vbench.plan.recommend.recommend`'s
            answer for each (measured or projected), under ``budget_gb`` and the quality ``floors``
            (``{"psnr": 30}``), as ``vbench recommend`` prints it.

    Raises:
        ResultsError: a path does not exist, a record has another schema version, or there are
            no records at all.
    """
    import warnings

    from vbench import results
    from vbench.errors import ResultsError
    from vbench.report import answer, axis_figures, breakdown, hardware, page, pareto, profiles, table
    from vbench.report import previews as preview_section
    from vbench.report.data import prepare

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", results.ResultsWarning)  # listed in the header instead
        frame = results.load(paths)
    if frame.empty:
        raise ResultsError(f"no run records under {_names(paths)}")
    data = prepare(frame, pool=pool)
    scenarios = sorted(data.runs["scenario"].dropna().unique())
    title = title or f"vbench report: {', '.join(scenarios)}"
    panel = answer.section(data, prices)
    if gpus:
        from vbench.plan.recommend import recommend_by_scenario

        answers = recommend_by_scenario(results.records(paths), list(gpus), budget_gb=budget_gb, floors=floors,
                                        prices={p.id: prices[p.id] for p in gpus if p.id in (prices or {})})
        labels = dict(zip(data.runs["config_id"], data.runs["label"], strict=True))
        panel = (profiles.section(answers, dict(floors or {}), labels)
                 + "<h3 class='measured-head'>As measured, per machine</h3>" + panel)
    sections = [
        ("top", "", page.header(data, title)),
        ("answer", "The answer: fastest within the budget", panel),
        ("runs", "Runs", table.summary(data, prices)),
        ("failed", "Runs that did not finish", table.failures(data)),
        ("pareto", "Pareto: latency, memory, quality", pareto.figures(data)),
        ("sweep", "Sweep axes", axis_figures.figures(data)),
        ("breakdown", "Breakdowns", breakdown.figures(data)),
        ("hardware", "Hardware comparison", hardware.section(data, prices)),
        ("previews", "Video previews", preview_section.section(data, previews)),
        ("machines", "Machines", page.machines(data)),
    ]
    return page.assemble(title, sections)


def write_report(paths: PathLike | Iterable[PathLike], html_path: str | os.PathLike[str], **options) -> Path:
    """Write :func:`build_report` to ``html_path`` (parent folders created) and return the path."""
    out = Path(html_path)
    text = build_report(paths, **options)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)
    return out


def _names(paths) -> str:
    if isinstance(paths, (str, os.PathLike)):
        return str(paths)
    return ", ".join(str(p) for p in paths)
