"""Assembling the report: header, sections, style and the scripts, in one self-contained page.

plotly.js is inlined once at the top of the body, so the page opens offline; the only other
script is the table sorter below. All text from results is escaped by the section builders.
"""

from __future__ import annotations

import datetime as _dt
import html

import pandas as pd
from plotly.offline import get_plotlyjs

from vbench.report.data import ReportData, format_bytes
from vbench.report.figure import note

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1400px;padding:0 24px 60px;color:#222}
h1{margin:24px 0 4px}h2{margin-top:40px;border-bottom:1px solid #ddd;padding-bottom:4px}
table.data{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
table.data th,table.data td{border:1px solid #e2e2e2;padding:3px 7px;vertical-align:top;text-align:left;white-space:nowrap}
table.data th{background:#f5f5f5;position:sticky;top:0}table.sortable th{cursor:pointer;user-select:none}
table.sortable th[data-dir=asc]::after{content:" ▲"}table.sortable th[data-dir=desc]::after{content:" ▼"}
td.num{text-align:right;font-variant-numeric:tabular-nums}td.mono{font-family:ui-monospace,monospace}
td.reason{white-space:normal;min-width:260px;max-width:420px;font-size:12px;color:#555}.wrap{overflow-x:auto}
.status{padding:1px 6px;border-radius:8px;font-size:12px;background:#eee}.s-ok{background:#d4f3dc}
.s-oom,.s-error,.s-timeout{background:#fbd5d0}.s-unsupported{background:#fbeecb}
.note{color:#666;font-style:italic}.figure{min-height:300px}
figure.preview{margin:12px 0;padding:8px;border:1px solid #e2e2e2;display:inline-block}
.prompt{color:#555;font-size:12px}
.counts span{margin-right:12px}
.answer{border:2px solid #0072B2;border-radius:6px;padding:4px 18px 10px;margin:12px 0 8px;background:#f6fafd}
.answer h3{margin:10px 0 2px;font-size:18px}.answer h4{margin:10px 0 2px;font-size:15px;color:#333}
.answer .winner{font-size:17px;margin:4px 0}.answer .pick{color:#0b4f7c}.answer ul{margin:2px 0 6px}
.answer .budget,.answer .model{margin:2px 0;color:#444}.failed-kind{margin:6px 0 0;font-weight:600}
.verdict{padding:1px 6px;border-radius:8px;font-size:12px;background:#eee;white-space:nowrap}
.v-fits{background:#d4f3dc}.v-over_memory_budget,.v-below_quality{background:#fbd5d0}.v-unknown{background:#fbeecb}
p.failed-kind.v-over_memory_budget,p.failed-kind.v-below_quality,p.failed-kind.v-unknown{background:none}
td.verdict{white-space:normal;min-width:120px;max-width:320px}td.verdict .why{font-size:11px;color:#555}
.ref{font-size:11px;padding:0 5px;border-radius:6px;background:#000;color:#fff}tr.reference td.label{font-weight:600}
.noisy{color:#a33}.legend,.repeats{color:#555;font-size:13px;margin:4px 0}
.preview img{image-rendering:pixelated;height:128px;display:block;margin:4px 0}
td.b-projected{font-style:italic;color:#8a5200}td.b-measured{color:#1a5e2a}.answer .mono{font-weight:400;color:#666}
.ci{font-size:11px;color:#555}
.panels{display:flex;font-size:12px;color:#555}.panels span{flex:none;padding-right:4px;box-sizing:border-box}
"""

SORTER = """
document.querySelectorAll("table.sortable th").forEach(function(th){
  th.addEventListener("click",function(){
    var table=th.closest("table"),body=table.tBodies[0],i=th.cellIndex,asc=th.dataset.dir!=="asc";
    table.querySelectorAll("th").forEach(function(h){delete h.dataset.dir;});th.dataset.dir=asc?"asc":"desc";
    function key(row){var c=row.cells[i];if(!c)return "";if(c.dataset.v!==undefined){var v=parseFloat(c.dataset.v);
      return isNaN(v)?null:v;}return c.textContent;}
    var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){var x=key(a),y=key(b);if(x===null)return 1;if(y===null)return -1;
      var r=(typeof x==="number"&&typeof y==="number")?x-y:String(x).localeCompare(String(y),undefined,{numeric:true});
      return asc?r:-r;});
    rows.forEach(function(r){body.appendChild(r);});
  });
});
"""


def header(data: ReportData, title: str) -> str:
    """The title and one line on what the results are: scenarios, dates, runs by status."""
    runs = data.runs
    scenarios = ", ".join(html.escape(s) for s in sorted(runs["scenario"].dropna().unique())) or "—"
    started = pd.to_datetime(runs["started_at"], errors="coerce", utc=True).dropna()
    when = "—" if started.empty else (f"{started.min():%Y-%m-%d %H:%M} – {started.max():%Y-%m-%d %H:%M} UTC")
    counts = runs["status"].value_counts()
    status = "".join(f'<span><span class="status s-{html.escape(s)}">{html.escape(s)}</span> {n}</span>'
                     for s, n in counts.items())
    generated = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"<h1>{html.escape(title)}</h1>"
            f"<p>Scenarios: <b>{scenarios}</b> · runs: {when} · report generated {generated}</p>"
            f'<p class="counts">{len(runs)} runs: {status}</p>')


def machines(data: ReportData) -> str:
    """The machines the results ran on, and lines of the results that hold no record."""
    cols = [("machine", "machine"), ("gpu", "GPU"), ("gpu_memory_bytes", "GPU memory"), ("driver", "driver"),
            ("cuda", "CUDA"), ("torch", "torch"), ("diffusers", "diffusers"), ("vbench", "vbench"),
            ("host", "host"), ("cpu", "CPU"), ("runs", "runs")]
    rows = []
    for m in data.machines.to_dict("records"):
        cells = []
        for key, _ in cols:
            v = m.get(key)
            if key == "gpu_memory_bytes":
                cells.append(format_bytes(float(v)) if v is not None and pd.notna(v) else "—")
            else:
                cells.append("—" if v is None or (isinstance(v, float) and pd.isna(v)) else html.escape(str(v)))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    table = ("<table class='data'><thead><tr>" + "".join(f"<th>{h}</th>" for _, h in cols)
             + f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    problems = ""
    if data.problems:
        shown = "".join(f"<li>{html.escape(p)}</li>" for p in data.problems[:20])
        problems = (f"<p><b>{len(data.problems)} line(s) of the results hold no readable record</b> "
                    f"and are not in this report:</p><ul>{shown}</ul>")
    return table + problems


def assemble(title: str, sections: list[tuple[str, str, str]]) -> str:
    """The page: ``sections`` are ``(anchor, heading, body html)``; the first one has no heading."""
    nav = " · ".join(f'<a href="#{a}">{html.escape(h)}</a>' for a, h, _ in sections if h)
    parts = []
    for anchor, heading, body in sections:
        parts.append(f'<section id="{anchor}">' + (f"<h2>{html.escape(heading)}</h2>" if heading else "")
                     + (body or note("Nothing to show.")) + "</section>")
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>\n<script>{get_plotlyjs()}</script>\n"
            + parts[0] + f"<nav>{nav}</nav>" + "\n".join(parts[1:])
            + f"\n<script>{SORTER}</script></body></html>\n")
