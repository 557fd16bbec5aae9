"""The answer the report opens with: per scenario and machine, the fastest configuration that fits.

A run *fits* when :func:`vbench.verdicts.judge` says so: its peak memory is within the scenario's
``limits.memory_budget_gb`` and its quality meets ``limits.min_quality``. The answer names the
fastest fitting run, its speedup over the baseline with the 95 % bootstrap interval of the ratio of
medians (:func:`vbench.stats.change_intervals`, the interval ``vbench compare`` decides on), its
memory against the baseline's, and then every run that failed the budget or the floors, with the
verdict's reasons. With no budget set it says so, names the fastest run overall, and how to set one.

The baseline of a run is the reference configuration of its workload: its quality reference when
that ran the same workload, else the run of the same model and workload with every optimization at
its default (fp32, nothing on), preferring the same prompt and seed.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from vbench.record import BY_NAME
from vbench.report.data import ReportData, fmt_num, fmt_quality, format_bytes
from vbench.report.hardware import cost_per_video, price_for
from vbench.stats import ALPHA, change_intervals
from vbench.units import GIB

#: Runs listed per failure kind before "and N more".
MAX_LISTED = 12
HOW_TO = ("Set <code>limits.memory_budget_gb</code> (GiB) and <code>limits.min_quality</code> "
          "(e.g. <code>{psnr: 30, ssim: 0.9}</code>) in the scenario to get the fastest configuration that fits.")


def section(data: ReportData, prices: Mapping[str, float] | None = None) -> str:
    runs = data.runs
    if runs.empty:
        return ""
    out = []
    for scenario, sr in runs.groupby(runs["scenario"].fillna("—"), sort=True):
        blocks = [_machine(data, machine, mr, prices or {}) for machine, mr in sr.groupby("machine", sort=True)]
        out.append(f'<div class="answer-scenario"><h3>{html.escape(str(scenario))}</h3>{_model(sr)}'
                   f'{_budget(sr)}{"".join(blocks)}</div>')
    return f'<div class="answer">{"".join(out)}</div>'


def _model(runs: pd.DataFrame) -> str:
    """Where the model is described: which text encoders ran and their size, when the records say."""
    modes = runs.dropna(subset=["text_encoder"]).groupby("text_encoder", sort=True)["text_encoder_params"].max()
    if modes.empty:
        return ""
    said = {"full": "the published text encoders, at full size", "pseudo":
            "pseudo text embeddings (no text encoder: text-encode time and memory are not those of the real model)"}
    parts = [said.get(str(mode), str(mode)) + (f" ({params / 1e9:.3g} B parameters)" if mode == "full" and params > 0
                                               else "") for mode, params in modes.items()]
    return "<p class='model'>Text encoders: " + "; ".join(html.escape(p) for p in parts) + ".</p>"


def _budget(runs: pd.DataFrame) -> str:
    texts = sorted({_limits(v) for v in runs["verdict_detail"] if v.get("verdict") != "not_run"} - {""})
    if not texts:
        return f"<p class='budget'><b>No budget was set</b> for this scenario. {HOW_TO}</p>"
    if len(texts) > 1:
        return "<p class='budget'>Budgets differ between these runs: " + "; ".join(html.escape(t) for t in texts) + "</p>"
    return f"<p class='budget'>Budget: {html.escape(texts[0])}.</p>"


def _limits(verdict: Mapping) -> str:
    parts = []
    memory = verdict.get("memory")
    if memory:
        parts.append(f"peak memory ≤ {format_bytes(memory['budget_bytes'])}")
    for name, check in (verdict.get("quality") or {}).items():
        parts.append(f"{BY_NAME[name].label} {'≥' if check['higher_is_better'] else '≤'} {check['floor']:g}")
    return ", ".join(parts)


def _machine(data: ReportData, machine: str, runs: pd.DataFrame, prices: Mapping[str, float]) -> str:
    ok = runs[(runs["status"] == "ok") & runs["latency"].notna()]
    head = f"<h4>{html.escape(str(machine))}</h4>"
    if ok.empty:
        return f'<div class="answer-machine">{head}<p>No run finished here (see <a href="#failed">runs that did not ' \
               f"finish</a>).</p></div>"
    budgeted = runs["verdict"].isin(["fits", "over_memory_budget", "below_quality", "unknown"]).any()
    fits = ok[ok["verdict"] == "fits"] if budgeted else ok
    lines = []
    if not fits.empty:
        best = fits.sort_values("latency", kind="stable").iloc[0]
        what = "Fastest within the budget" if budgeted else "No budget set; fastest overall"
        lines.append(f'<p class="winner">{what}: <b class="pick">{html.escape(str(best["label"]))}</b>'
                     f'{" (the quality reference)" if best["reference"] else ""}.</p>')
        lines.append(_details(data, best, ok, price_for(machine, prices)))
    else:
        lines.append('<p class="winner"><b>No configuration is known to fit the budget here.</b></p>')
    lines.append(_failed(runs))
    return f'<div class="answer-machine">{head}{"".join(lines)}</div>'


def baseline(run: pd.Series, ok: pd.DataFrame) -> pd.Series | None:
    """The reference configuration of ``run``'s workload among the finished runs ``ok`` (one machine)."""
    same = ok[(ok["model_key"] == run["model_key"]) & (ok["workload_key"] == run["workload_key"])
              & (ok["scenario"] == run["scenario"])]
    ref = same[same["run_id"] == run["reference_id"]]
    if not ref.empty:
        return ref.iloc[0]
    if run["reference"] and run["opt_default"]:
        return run
    plain = same[same["opt_default"]]
    if plain.empty:
        return None
    own = plain[plain["prompt"] == run["prompt"]]
    return (own if not own.empty else plain).iloc[0]


def speedup(run: pd.Series, base: pd.Series) -> tuple[float, tuple[float, float] | None]:
    """Median latency of ``base`` over that of ``run``, and the bootstrap interval of that ratio."""
    ratio = base["latency"] / run["latency"] if run["latency"] else math.nan
    xa, xb = (np.array(s if isinstance(s, list) else [], float) for s in (run["samples"], base["samples"]))
    if len(xa) < 2 or len(xb) < 2:
        return ratio, None
    interval, _ = change_intervals(xa, xb, "median")  # b / a: baseline over run
    return ratio, interval


def _details(data: ReportData, best: pd.Series, ok: pd.DataFrame, price: float | None) -> str:
    items = [f"latency {fmt_num(best['latency'])} s (median; p10–p90 {fmt_num(best['latency.p10'])}–"
             f"{fmt_num(best['latency.p90'])} s over {int(best['latency.n'])} calls)"
             + (f', <span class="noisy">noisy: {html.escape(best["noise"])}</span>' if best["noise"] else "")]
    base = baseline(best, ok)
    if base is None:
        items.append("no baseline: the default configuration (fp32, no optimization) of this workload is not in "
                     "these results, so there is no speedup to give")
    elif base["run_id"] == best["run_id"]:
        items.append("it is the baseline itself (the default configuration of this workload)")
    else:
        ratio, interval = speedup(best, base)
        ci = (" (no interval: a side has fewer than 2 samples)" if interval is None else
              f" ({1 - ALPHA:.0%} interval {fmt_num(interval[0])}×–{fmt_num(interval[1])}×)")
        if interval is not None and interval[0] <= 1 <= interval[1]:
            word = "no clear difference: the interval holds 1"
        else:
            word = "faster" if ratio > 1 else "slower" if ratio < 1 else "the same speed"
        items.append(f"<b>speedup {fmt_num(ratio)}×</b> ({word}) over the baseline "
                     f"<i>{html.escape(str(base['label']))}</i>{ci}")
        items.append(_memory_vs(best, base))
    if base is None or base["run_id"] == best["run_id"]:
        items.append(f"peak memory {format_bytes(best['peak_memory'])}")
    shown = [q for q in data.quality if BY_NAME[q].higher_is_better is not None and pd.notna(best.get(q))][:3]
    if shown:
        items.append(", ".join(f"{BY_NAME[q].label} {fmt_quality(q, best[q], bool(best['reference']) and k == 0)}"
                               for k, q in enumerate(shown)))
    dollars = cost_per_video(best["latency"], best["videos_per_call"], price)
    if math.isfinite(dollars):
        items.append(f"${dollars:.5f} per video at ${price:g}/h")
    return "<ul class='facts'>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _memory_vs(best: pd.Series, base: pd.Series) -> str:
    a, b = best["peak_memory"], base["peak_memory"]
    if not (math.isfinite(a) and math.isfinite(b)) or not b:
        return f"peak memory {format_bytes(a)} (baseline {format_bytes(b)})"
    change = a / b - 1
    small = " — a small difference" if abs(a - b) < 0.05 * GIB and abs(change) < 0.05 else ""
    share = f"{change:+.1%}" if abs(change) < 0.01 else f"{change:+.0%}"
    text = (f"peak memory {format_bytes(a)} vs {format_bytes(b)} for the baseline "
            f"({share}, {'+' if a >= b else '−'}{format_bytes(abs(a - b))}{small})")
    return text.replace("(-", "(−")


def _failed(runs: pd.DataFrame) -> str:
    out = []
    for verdict, title in (("over_memory_budget", "Over the memory budget"), ("below_quality", "Below a quality floor"),
                           ("unknown", "Could not be judged")):
        bad = runs[runs["verdict"] == verdict].sort_values("latency", na_position="last")
        if bad.empty:
            continue
        items = "".join(f"<li><b>{html.escape(str(r.label))}</b>: {html.escape('; '.join(r.verdict_reasons))}</li>"
                        for r in bad.head(MAX_LISTED).itertuples())
        more = f"<li>… and {len(bad) - MAX_LISTED} more (see the table)</li>" if len(bad) > MAX_LISTED else ""
        out.append(f'<p class="failed-kind v-{verdict}">{title} ({len(bad)}):</p><ul class="failed">{items}{more}</ul>')
    not_run = int((runs["status"] != "ok").sum())
    if not_run:
        out.append(f'<p>{not_run} run{"s" if not_run != 1 else ""} did not finish (<a href="#failed">why</a>).</p>')
    return "".join(out)

