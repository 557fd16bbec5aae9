"""Scoring stored runs: each ok run's video against its reference run's video, and FVD per run set.

``score_session(path)`` reads one session file, scores every ok record whose ``spec.metrics`` is
not empty (and that has no ``quality`` yet, unless ``force``), and writes ``quality`` into those
records. References are looked up among all sessions of the scenario (a ``--resume`` may have
run the reference in an earlier session); videos come from the scenario's ``outputs`` store one
at a time (the current reference is kept), so memory stays bounded by two videos.

Why the file is rewritten rather than appended to: a record is one row per run everywhere
(``results.load``, ``compare``, ``report``, ``--resume``); appending a second, scored copy or a
separate quality record would give every reader two lines per run to reconcile. The scored file is
written beside the original, fsynced and renamed over it under the session lock
(:func:`vbench.store.jsonl.replace_records`), so a crash leaves either the old or the new file,
lines that hold no record are kept byte for byte, records a concurrent writer appended meanwhile
are carried over, and two scorers of one session at once both finish (each replaces the lines it
read, as it read them).
"""

from __future__ import annotations

import copy
import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vbench.errors import ResultsError
from vbench.record import BY_NAME, metric, now, number, score
from vbench.store import OutputStore, read_all
from vbench.store.jsonl import read_content, replace_records
from vbench.store.layout import OUTPUTS_DIR
from vbench.verdicts import judge


@dataclass
class ScoreResult:
    path: Path
    scored: list[str] = field(default_factory=list)  #: run_ids given a quality
    skipped: int = 0  #: ok records already scored, or with no metrics


def score_session(path: str | os.PathLike[str], *, console: Any = None, device: str | None = None,
                  force: bool = False, fvd_extractor: str | None = None,
                  scoring: Scoring | None = None) -> ScoreResult:
    """Score the ok runs of one session file and write ``quality`` into their records.

    Args:
        path: a ``<out_dir>/<scenario>/<session>.jsonl`` file.
        device: ``cuda``, ``cpu``…; default CUDA when there is one.
        force: score records that already have a ``quality`` again.
        fvd_extractor: path of a StyleGAN-V ``i3d_torchscript.pt`` to use instead of the built-in
            I3D (default: ``$VBENCH_I3D_TORCHSCRIPT`` when set).
        scoring: what an earlier scorer of the same scenario loaded and computed (the sweep's
            :class:`~vbench.scoring.overlap.OverlapScorer`); its scores are used where the run,
            its video and its reference's video are the ones it scored, and computed here otherwise.

    Raises:
        ResultsError: the file cannot be read (another schema version, missing).
    """
    path = Path(path)
    original = path.read_bytes()
    read = read_content(original, str(path))  # exactly the bytes that will be rewritten
    result = ScoreResult(path)
    todo = []
    for record, (_, line) in zip(read.records, read.sources, strict=True):
        metrics = (record.get("spec") or {}).get("metrics") or []
        video = (record.get("outputs") or {}).get("video")
        if record["status"] != "ok" or not metrics or not video or ("quality" in record and not force):
            result.skipped += record["status"] == "ok"
            continue
        todo.append((line, record))
    if not todo:
        return result
    known = _known_runs(path.parent)
    scoring = scoring or Scoring(path.parent / OUTPUTS_DIR, device,
                                 fvd_extractor or os.environ.get("VBENCH_I3D_TORCHSCRIPT") or None)
    scored: dict[int, dict] = {}
    # each reference right before the runs that point at it: its video is read, and its temporal
    # profile computed, once
    todo.sort(key=lambda item: (item[1].get("reference_id") or item[1]["run_id"],
                                item[1].get("reference_id") is not None, item[0]))
    for line, record in todo:
        quality = scoring.quality(record, known)
        scored[line] = {**record, "quality": quality}
        scored[line]["verdict"] = judge(scored[line])
        result.scored.append(record["run_id"])
        _report(console, record, quality)
    fvd = scoring.fvd
    fvd.finish(scored, known)
    for line, rec in scored.items():
        previous = next((r for n, r in todo if n == line), {}).get("quality")
        _keep_computed(rec["quality"], previous)
        rec["verdict"] = judge(rec)  # FVD may name a floor too
    _rewrite(path, original, scored)
    if console is not None:
        console.print(f"quality written for {len(scored)} runs → {path}")
    return result


class Scoring:
    """What scoring loads once -- the pair scorers, the I3D extractor -- and the qualities it has
    computed, so that the runs of a sweep can be scored as they finish
    (:mod:`vbench.scoring.overlap`) and the session file rewritten once, at the end, with exactly
    those numbers. A quality is reused only for the same run, video, reference video and metrics."""

    def __init__(self, outputs: Path, device: str | None, fvd_extractor: str | None):
        self.store = OutputStore(outputs)
        self.device = device
        self.fvd = _FVD(self.store, device, fvd_extractor)
        self.refs = _RefCache(self.store)
        self.scorers: dict[tuple[str, ...], Any] = {}
        self.computed: dict[tuple, dict] = {}

    def prepare(self, metrics: list[str] | tuple[str, ...]) -> None:
        """Import and load what scoring ``metrics`` needs (networks, weights) before the first run."""
        self._scorer(tuple(metrics))
        if "fvd" in metrics:
            self.fvd.load()

    def _scorer(self, metrics: tuple[str, ...]):
        from vbench.metrics.pair_scorer import PairScorer

        return self.scorers.get(metrics) or self.scorers.setdefault(metrics, PairScorer(metrics, self.device))

    def quality(self, record: dict, known: dict[str, dict]) -> dict[str, Any]:
        """The record's ``quality``: against the video of its reference in ``known`` (run_id ->
        record), or against itself when it is the reference; a failure is a recorded reason."""
        metrics = tuple(record["spec"]["metrics"])
        ref_id = record.get("reference_id")
        own = ref_id is None and _is_reference(record, known)
        ref_sha = ((known.get(ref_id) or {}).get("outputs") or {}).get("video") if ref_id else None
        key = (record["run_id"], record["outputs"]["video"], ref_id, ref_sha, own, metrics)
        if key in self.computed:
            return copy.deepcopy(self.computed[key])
        quality: dict[str, Any] = {"reference_run_id": ref_id, "scored_at": now()}
        try:
            scorer = self._scorer(metrics)
            quality["device"] = str(scorer.device)
            sha = record["outputs"]["video"]
            video = self.store.get(sha)
            ref_video = None
            if ref_id is None:
                self.refs.put(sha, video)
            else:
                ref_sha, ref_video = self.refs.get(known, ref_id)
            quality.update(scorer.score(video, ref_video, ref_sha, key=sha, own_reference=own))
            if "fvd" in metrics:  # features while the videos are in memory; the sets are formed at the end
                self.fvd.features(sha, video)
                if ref_sha is not None:
                    self.fvd.features(ref_sha, ref_video)
        except Exception as exc:  # one bad run is a recorded reason, never a crashed sweep
            quality.setdefault("unavailable", {})["all"] = f"scoring failed: {type(exc).__name__}: {exc}"
            quality["traceback"] = traceback.format_exc(limit=8)
            return quality  # not kept: the next attempt tries again
        self.computed[key] = copy.deepcopy(quality)
        return quality


class _RefCache:
    """The reference video in use (runs are sorted by reference, so one is enough)."""

    def __init__(self, store: OutputStore):
        self.store, self.key, self.video = store, None, None

    def put(self, sha: str, video) -> None:
        """A reference just read to score it: the runs that follow use it without reading it again."""
        self.key, self.video = sha, video

    def get(self, known: dict[str, dict], ref_id: str):
        ref = known.get(ref_id)
        if ref is None:
            raise ResultsError(f"the reference run {ref_id} has no ok record with a stored video in "
                               f"{self.store.root.parent}; run the scenario again (with --resume)")
        sha = ref["outputs"]["video"]
        if sha != self.key:
            self.key, self.video = sha, self.store.get(sha)
        return sha, self.video


#: Key added to the records of :func:`_known_runs`: the session file the record was read from.
_SESSION_FILE = "_session_file"


def _known_runs(folder: Path) -> dict[str, dict]:
    """run_id → the latest ok record with a video, over every session of the scenario in ``folder``
    (with the name of its session file under ``_SESSION_FILE``)."""
    known: dict[str, dict] = {}
    if not folder.is_dir():
        return known
    read = read_all([folder])
    for record, (source, _) in zip(read.records, read.sources, strict=True):
        if record["status"] == "ok" and (record.get("outputs") or {}).get("video"):
            known[record["run_id"]] = {**record, _SESSION_FILE: Path(source).stem}
    return known


def _keep_computed(quality: dict, previous: dict | None) -> None:
    """A rescore never replaces a computed score by an unavailable one (weights missing this time,
    a crash): the stored value stays, and ``quality.rescore_failed`` says why the new attempt
    gave none."""
    if not previous:
        return
    old_scores, scores = previous.get("scores") or {}, quality.setdefault("scores", {})
    unavailable = quality.setdefault("unavailable", {})
    details, old_details = quality.setdefault("details", {}), previous.get("details") or {}
    for name, entry in old_scores.items():
        if number((entry or {}).get("value")) is None or number((scores.get(name) or {}).get("value")) is not None:
            continue  # nothing to keep, or the new attempt has its own (NaN counts as none)
        why = unavailable.pop(name, None) or unavailable.get("all") or "the new attempt gave no value"
        scores[name] = entry
        # the bookkeeping the kept value was computed with: its own, the temporal set's, the resize
        for key in (name, *(("temporal",) if BY_NAME[name].scorer == "temporal" else ()), "resize"):
            if key in old_details:
                details[key] = old_details[key]
        quality.setdefault("rescore_failed", {})[name] = (f"kept the value scored at {previous.get('scored_at')}; "
                                                          f"rescoring gave none: {why}")
    if quality.get("rescore_failed") and "all" in unavailable:  # a crashed rescore: the old scores stand
        quality["rescore_failed"]["all"] = unavailable.pop("all")
    if quality.get("rescore_failed") and previous.get("reference"):
        quality["reference"] = True


def _is_reference(record: dict, known: dict[str, dict]) -> bool:
    """The run is the quality reference: marked so, or pointed at by another run (records written
    before references were marked)."""
    return record.get("role") == "reference" or any(
        rec.get("reference_id") == record["run_id"] for rec in known.values())


def _config(record: dict) -> str:
    return record.get("config_id") or record["run_id"]


class _FVD:
    """FVD per ``config_id``: the features of every ok run of the configuration, over all sessions
    of the scenario (a ``--resume`` or a later session adds to the set, never splits it), against
    the features of the references those runs point at. Features are computed once per video hash.
    """

    def __init__(self, store: OutputStore, device: str | None, torchscript: str | None):
        self.store, self.device, self.torchscript = store, device, torchscript
        self.extractor, self.missing = None, None  # missing: why there is no extractor
        self.feats: dict[str, Any] = {}  # video sha -> (clips, 400) features
        self.errors: dict[str, str] = {}  # video sha -> why it has no features

    def features(self, sha: str, video=None):
        """Features of the stored video ``sha`` (``video``: already read); None, with the reason kept
        in ``errors`` or ``missing``, when they cannot be computed."""
        if sha in self.feats or sha in self.errors:
            return self.feats.get(sha)
        if not self.load():
            return None
        import torch

        from vbench.metrics.fvd import video_features

        try:
            video = video if video is not None else self.store.get(sha)
            clips = torch.from_numpy(video if video.ndim == 5 else video[None])
            self.feats[sha] = video_features(clips, self.extractor)
        except (ValueError, ResultsError, OSError) as exc:  # too few frames; a video missing from the store
            self.errors[sha] = f"{type(exc).__name__}: {exc}"
            return None
        return self.feats[sha]

    def load(self) -> bool:
        """Build the I3D extractor once; False (the reason in ``missing``) when it cannot be."""
        if self.extractor is None and not self.missing:
            from vbench.env import pick_device
            from vbench.metrics.fvd import make_extractor
            from vbench.metrics.weights import WeightsMissing

            try:
                self.extractor = make_extractor(pick_device(self.device), self.torchscript)
            except (WeightsMissing, FileNotFoundError, RuntimeError) as exc:
                self.missing = str(exc)
        return self.extractor is not None

    def finish(self, scored: dict[int, dict], known: dict[str, dict]) -> None:
        """Write ``quality.fvd`` into each scored record that asks for FVD."""
        wanting = [rec for rec in scored.values() if "fvd" in rec["spec"]["metrics"]]
        for config in sorted({_config(rec) for rec in wanting}):
            entry = self._entry(config, known)
            reason, value = entry.pop("reason", None), entry.pop("value", None)
            for rec in wanting:
                if _config(rec) != config:
                    continue
                quality = rec["quality"]
                quality.setdefault("scores", {})["fvd"] = score("fvd", value)
                quality.setdefault("details", {})["fvd"] = dict(entry)
                if reason:
                    quality.setdefault("unavailable", {})["fvd"] = reason

    def _entry(self, config: str, known: dict[str, dict]) -> dict[str, Any]:
        from vbench.metrics.fvd import FVDMeter

        members = sorted((rec for rec in known.values()
                          if _config(rec) == config and "fvd" in ((rec.get("spec") or {}).get("metrics") or [])),
                         key=lambda rec: rec["run_id"])
        entry: dict[str, Any] = {"value": None, "config_id": config,
                                 "sessions": sorted({rec[_SESSION_FILE] for rec in members})}
        refs = sorted({known[rec["reference_id"]]["outputs"]["video"] for rec in members
                       if rec.get("reference_id") in known})
        if not refs:
            return {**entry, "reason": "the runs of this configuration have no reference run"}
        meter = FVDMeter()
        for sha in [rec["outputs"]["video"] for rec in members] + refs:
            if self.features(sha) is None:
                why = self.missing or self.errors[sha]
                return {**entry, "reason": why if self.missing else f"no I3D features for video {sha[:12]}: {why}"}
        for rec in members:
            meter.update(run_features=self.feats[rec["outputs"]["video"]])
        for sha in refs:
            meter.update(reference_features=self.feats[sha])
        entry.update(meter.compute(), **self.extractor.describe())
        return entry


def _report(console: Any, record: dict, quality: dict) -> None:
    if console is None:
        return
    scores = quality.get("scores") or {}
    parts = [f"{metric(name).label} {entry['value']:.4g}{' ' + entry['unit'] if entry.get('unit') else ''}"
             for name, entry in scores.items() if isinstance(entry.get("value"), (int, float)) and name in _SHOWN]
    missing = quality.get("unavailable") or {}
    if quality.get("reference"):
        parts = ["the quality reference (scored against itself: PSNR infinite)", *parts]
    if missing:
        parts.append("; ".join(f"{name} unavailable: {why}" for name, why in sorted(missing.items())))
    console.print(f"  {record.get('label') or record['run_id']}: " + ("; ".join(parts) or "scored"))


#: The scores printed as each run is scored.
_SHOWN = ("psnr", "ssim", "lpips", "mean_abs_frame_diff_gap")


def _rewrite(path: Path, original: bytes, scored: dict[int, dict]) -> None:
    """Replace the scored records' lines, found by their content as read (so a concurrent rescore
    or writer loses nothing); keep every other line, and anything appended since, as is."""
    lines = original.split(b"\n")
    replace_records(path, {lines[number - 1]: record for number, record in scored.items()})
