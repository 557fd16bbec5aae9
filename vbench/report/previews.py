"""Video previews that play: for a few runs, the run, its reference and their difference, animated.

Each preview is one animated WebP (Pillow), inline as a data URI, of three panels side by side so
that they play in step: the run, its reference run (same prompt and seed, same machine when
possible) and a heatmap of the mean absolute difference over colour channels (black 0, white ≥
:data:`ERROR_FULL_SCALE` of 255). Frames are downscaled to at most :data:`MAX_HEIGHT` pixels and
:data:`MAX_FRAMES` frames (evenly spaced). The number of previews is limited so that a report of
hundreds of runs stays small; runs with the worst quality score are shown first.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd

from vbench.errors import ResultsError
from vbench.report.data import ReportData, direction, fmt_quality
from vbench.report.figure import note
from vbench.store import OutputStore

MAX_FRAMES = 48
MAX_HEIGHT = 96
FRAME_MS = 100  #: how long each frame is shown
WEBP_QUALITY = 60  #: lossy WebP quality (0–100): a page of previews stays small; clear enough at this size
ERROR_FULL_SCALE = 32  #: a difference of this many levels (of 255) or more is drawn white
DISPLAY_HEIGHT = 128  #: pixels the page draws a preview at (page.STYLE: ``.preview img``)


def _stops() -> np.ndarray:
    x = np.linspace(0, 1, 256)[:, None]
    stops = np.array([[0, 0, 0], [120, 0, 90], [230, 60, 20], [255, 200, 0], [255, 255, 255]], float)
    pos = np.linspace(0, 1, len(stops))
    return np.stack([np.interp(x[:, 0], pos, stops[:, c]) for c in range(3)], axis=1).astype(np.uint8)


_LUT = _stops()


def _frames(video: np.ndarray) -> np.ndarray:
    """At most :data:`MAX_FRAMES` evenly spaced RGB frames, at most :data:`MAX_HEIGHT` pixels high."""
    from PIL import Image

    video = np.asarray(video)
    if video.ndim == 5:
        video = video[0]
    idx = np.linspace(0, len(video) - 1, min(MAX_FRAMES, len(video))).round().astype(int)
    frames = np.ascontiguousarray(video[idx][..., :3], dtype=np.uint8)
    h, w = frames.shape[1:3]
    if h <= MAX_HEIGHT:
        return frames
    size = (max(1, round(w * MAX_HEIGHT / h)), MAX_HEIGHT)
    return np.stack([np.asarray(Image.fromarray(f).resize(size, Image.Resampling.BOX)) for f in frames])


def animation(panels: list[np.ndarray]) -> bytes:
    """An animated WebP of ``panels`` (each ``(T, H, W, 3)`` uint8, same T and H) side by side."""
    from PIL import Image

    gap = np.full((*panels[0].shape[:2], 2, 3), 255, np.uint8)
    joined = np.concatenate([p for panel in panels for p in (panel, gap)][:-1], axis=2)
    images = [Image.fromarray(f) for f in joined]
    out = io.BytesIO()
    images[0].save(out, "WEBP", save_all=True, append_images=images[1:], duration=FRAME_MS, loop=0,
                   quality=WEBP_QUALITY, method=6)
    return out.getvalue()


def _img(data: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/webp;base64,{base64.b64encode(data).decode()}">'


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
    out, missing = [], []
    for r in runs.itertuples():
        if len(out) >= limit:
            break
        try:
            video = _frames(_load(r.source_file, r.outputs_video))
        except (ResultsError, ValueError) as exc:  # not stored, damaged, or not a hash at all
            missing.append(f"{r.label}: {exc}")
            continue
        panels, names = [video], ["run"]
        caption = (f"{html.escape(str(r.label))}{' (quality reference)' if r.reference else ''} · "
                   f"{html.escape(str(r.scenario))} · {html.escape(str(r.machine))}")
        ref = _reference(by_id, r)
        if ref is not None:
            try:
                ref_video = _frames(_load(ref.source_file, ref.outputs_video))
            except (ResultsError, ValueError) as exc:
                missing.append(f"reference of {r.label}: {exc}")
                ref_video = None
            if ref_video is not None and ref_video.shape == video.shape:
                panels += [ref_video, _heatmap(video, ref_video)]
                names += [f"reference {ref.label}", f"|run − reference|, white ≥ {ERROR_FULL_SCALE}/255"]
        shown = [q for q in data.quality if pd.notna(data.runs.at[r.Index, q])]
        scores = " · ".join(f"{html.escape(q)} {fmt_quality(q, data.runs.at[r.Index, q], bool(r.reference) and k == 0)}"
                            for k, q in enumerate(shown))
        scale = DISPLAY_HEIGHT / video.shape[1]  # each name under its panel, as the page draws it
        legend = "".join(f'<span style="width:{round((p.shape[2] + 2) * scale)}px">{html.escape(str(name))}</span>'
                         for name, p in zip(names, panels, strict=True))
        prompt = html.escape(str(r.prompt))
        out.append(f'<figure class="preview"><figcaption>{caption}{" · " + scores if scores else ""}'
                   f'<br><span class="prompt">prompt: {prompt}</span></figcaption>'
                   f'{_img(animation(panels), "animated preview: " + ", ".join(names))}'
                   f'<div class="panels">{legend}</div></figure>')
    shown = (f"<p>{len(out)} of {len(runs)} runs with stored videos shown, animated (left to right: the run, its "
             f"reference, their difference; at most {MAX_FRAMES} frames, {FRAME_MS} ms each; worst quality "
             "first).</p>")
    if missing:
        shown += note(f"{len(missing)} stored video(s) could not be shown: " + "; ".join(missing[:5])
                      + (" …" if len(missing) > 5 else ""))
    return shown + "\n".join(out)


def _load(source_file: str, sha: str) -> np.ndarray:
    if not source_file:
        raise ResultsError("no source file")
    # verified: a video whose content does not hash to the record's reference is not shown as that run's
    return OutputStore(Path(source_file).parent / "outputs").get(sha, verify=True)


def _reference(runs: pd.DataFrame, r) -> object | None:
    if not isinstance(r.reference_id, str) or r.reference_id == r.run_id:
        return None
    refs = runs[runs["run_id"] == r.reference_id]
    same = refs[refs["machine"] == r.machine]
    refs = same if not same.empty else refs
    return next(refs.itertuples(), None)
