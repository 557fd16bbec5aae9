"""Video previews: for a few runs, frames of the run, of its reference and their difference.

Each preview is three strips of a few evenly spaced frames, downscaled, as inline PNGs: the run,
its reference run (same prompt and seed, same machine when possible) and a heatmap of the mean
absolute difference over colour channels (black 0, white ≥ :data:`ERROR_FULL_SCALE` of 255).
The number of previews is limited so that a report of hundreds of runs stays small; runs with
the worst quality score are shown first.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import numpy as np
import pandas as pd

from vbench.errors import ResultsError
from vbench.report import png
from vbench.report.data import ReportData, direction, fmt_num
from vbench.report.figure import note
from vbench.store import OutputStore

FRAMES = 4
MAX_HEIGHT = 96
ERROR_FULL_SCALE = 32  #: a difference of this many levels (of 255) or more is drawn white


def _stops() -> np.ndarray:
    x = np.linspace(0, 1, 256)[:, None]
    stops = np.array([[0, 0, 0], [120, 0, 90], [230, 60, 20], [255, 200, 0], [255, 255, 255]], float)
    pos = np.linspace(0, 1, len(stops))
    return np.stack([np.interp(x[:, 0], pos, stops[:, c]) for c in range(3)], axis=1).astype(np.uint8)


_LUT = _stops()


def _frames(video: np.ndarray) -> np.ndarray:
    video = np.asarray(video)
    if video.ndim == 5:
        video = video[0]
    idx = np.linspace(0, len(video) - 1, min(FRAMES, len(video))).round().astype(int)
    frames = video[idx]
    step = max(1, -(-frames.shape[1] // MAX_HEIGHT))
    return frames[:, ::step, ::step, :3]


def _strip(frames: np.ndarray) -> str:
    gap = np.full((frames.shape[1], 2, 3), 255, np.uint8)
    parts = [p for f in frames for p in (f, gap)][:-1]
    data = base64.b64encode(png.encode(np.concatenate(parts, axis=1))).decode()
    return f'<img alt="" src="data:image/png;base64,{data}">'


def _heatmap(run: np.ndarray, ref: np.ndarray) -> np.ndarray:
    err = np.abs(run.astype(np.int16) - ref.astype(np.int16)).mean(axis=-1)
    level = np.clip(err * (255.0 / ERROR_FULL_SCALE), 0, 255).astype(np.uint8)
    return _LUT[level]


def candidates(data: ReportData) -> pd.DataFrame:
    """Finished runs with a stored video, those with a reference and the worst quality first."""
    runs = data.ok[data.ok["outputs_video"].notna()].copy()
    runs["has_ref"] = runs["reference_id"].notna()
    q = data.primary_quality
    keys, ascending = ["has_ref"], [False]
    if q is not None:
        runs["_q"] = runs[q] * direction(q)
        keys.append("_q")
        ascending.append(True)
    return runs.sort_values([*keys, "scenario", "label"], ascending=[*ascending, True, True],
                            na_position="last", kind="stable")


def section(data: ReportData, limit: int) -> str:
    if limit <= 0:
        return note("Previews were turned off (--previews 0).")
    runs = candidates(data)
    if runs.empty:
        return note("No finished run has a stored video to preview.")
    by_id = data.ok[data.ok["outputs_video"].notna()]
    out, missing = [], 0
    for r in runs.itertuples():
        if len(out) >= limit:
            break
        try:
            video = _frames(_load(r.source_file, r.outputs_video))
        except ResultsError:
            missing += 1
            continue
        strips = [("run", _strip(video))]
        caption = f"{html.escape(str(r.label))} · {html.escape(str(r.scenario))} · {html.escape(str(r.machine))}"
        ref = _reference(by_id, r)
        if ref is not None:
            try:
                ref_video = _frames(_load(ref.source_file, ref.outputs_video))
            except ResultsError:
                ref_video = None
            if ref_video is not None and ref_video.shape == video.shape:
                strips.append((f"reference {html.escape(str(ref.label))}", _strip(ref_video)))
                strips.append((f"|run − reference|, white ≥ {ERROR_FULL_SCALE}/255", _strip(_heatmap(video, ref_video))))
        scores = " · ".join(f"{html.escape(q)} {fmt_num(data.runs.at[r.Index, q])}"
                            for q in data.quality if pd.notna(data.runs.at[r.Index, q]))
        rows = "".join(f'<div class="strip"><span>{name}</span>{img}</div>' for name, img in strips)
        prompt = html.escape(str(r.prompt))
        out.append(f'<figure class="preview"><figcaption>{caption}{" · " + scores if scores else ""}'
                   f'<br><span class="prompt">prompt: {prompt}</span></figcaption>{rows}</figure>')
    shown = f"<p>{len(out)} of {len(runs)} runs with stored videos shown (frames evenly spaced; worst quality first).</p>"
    if missing:
        shown += note(f"{missing} stored video(s) could not be read and were skipped.")
    return shown + "\n".join(out)


def _load(source_file: str, sha: str) -> np.ndarray:
    if not source_file:
        raise ResultsError("no source file")
    return OutputStore(Path(source_file).parent / "outputs").get(sha, verify=False)


def _reference(runs: pd.DataFrame, r) -> object | None:
    if not isinstance(r.reference_id, str) or r.reference_id == r.run_id:
        return None
    refs = runs[runs["run_id"] == r.reference_id]
    same = refs[refs["machine"] == r.machine]
    refs = same if not same.empty else refs
    return next(refs.itertuples(), None)
