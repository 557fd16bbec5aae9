"""A memory model per configuration: each stage's peak as weights plus terms in the sizes.

Each stage's peak bytes is fitted by non-negative least squares (so no term can make memory
fall as a video grows) on terms of:

* ``tokens``: the denoiser forward's token count (linear: activations; ``tokens²``: attention
  scores, where attention is not memory-efficient),
* ``pixel_frames``: decoded pixels x frames x batch (the VAE decode's output and working set),
* ``pixels``: pixels of one frame x batch (a causal VAE decoder's per-chunk working set),

plus a constant (the weights and whatever else stays resident). Which terms a stage gets is chosen
by leave-one-out over the sweep's own runs: each run is predicted by the model fitted on the
others, and the candidate with the smallest leave-one-out error wins (the simpler one on a tie).
That error is the model's stated uncertainty; a prediction never comes without it.

>>> import numpy as np
>>> x = {"1": np.ones(6), "tokens": np.array([1., 2, 3, 4, 5, 6])}
>>> fit = fit_terms(x, 100 + 7 * x["tokens"], ("1", "tokens"))
>>> [round(c, 6) for c in fit.coef]
[100.0, 7.0]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import nnls

from vbench.plan.geometry import Geometry, infer
from vbench.plan.points import Group, Point

#: Candidate terms per stage, simplest first. Other stages get the denoiser's.
CANDIDATES: dict[str, tuple[tuple[str, ...], ...]] = {
    "denoise": (("1",), ("1", "tokens"), ("1", "tokens", "tokens2")),
    "vae_decode": (("1",), ("1", "pixel_frames"), ("1", "pixels", "pixel_frames")),
    "postprocess": (("1",), ("1", "pixel_frames"), ("1", "pixels", "pixel_frames")),
}
_TOKENLESS = (("1",), ("1", "pixel_frames"), ("1", "pixels", "pixel_frames"))
#: A more complex candidate must cut the leave-one-out RMS error by this fraction to be chosen.
BETTER_BY = 0.05


@dataclass(frozen=True)
class Fit:
    terms: tuple[str, ...]
    coef: list[float]  #: bytes per unit of each term (the constant in bytes)

    def predict(self, features: Mapping[str, float]) -> float:
        return float(sum(c * features[t] for t, c in zip(self.terms, self.coef, strict=True)))


@dataclass(frozen=True)
class Loo:
    """Leave-one-out errors of a fit over its points (prediction minus measurement)."""

    n: int
    rms_bytes: float | None
    max_abs_bytes: float | None
    max_rel: float | None  #: the largest |error| / measured
    errors: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "rms_bytes": self.rms_bytes, "max_abs_bytes": self.max_abs_bytes,
                "max_rel": self.max_rel, "errors_bytes": self.errors}


@dataclass(frozen=True)
class StageModel:
    stage: str
    fit: Fit
    loo: Loo
    tried: dict[str, float | None]  #: candidate terms -> its leave-one-out RMS error

    def to_dict(self) -> dict[str, Any]:
        return {"terms": list(self.fit.terms), "coef": dict(zip(self.fit.terms, self.fit.coef, strict=True)),
                "loo": self.loo.to_dict(), "tried": self.tried}


@dataclass
class MemoryModel:
    """The fitted model of one configuration (:class:`~vbench.plan.points.Group`)."""

    group: Group
    geometry: Geometry
    stages: dict[str, StageModel]
    peak_loo: Loo  #: leave-one-out error of the predicted peak (the largest stage) against the run's peak
    notes: list[str] = field(default_factory=list)

    def features(self, *, frames: int, height: int, width: int, batch: int) -> dict[str, float]:
        tokens = self.geometry.tokens(frames=frames, height=height, width=width, batch=batch)
        pixels = float(batch * height * width)
        t = float(tokens) if tokens is not None else pixels * frames
        return {"1": 1.0, "tokens": t, "tokens2": t * t, "pixels": pixels, "pixel_frames": pixels * frames}

    def predict_stages(self, **sizes: int) -> dict[str, float]:
        features = self.features(**sizes)
        return {name: s.fit.predict(features) for name, s in self.stages.items()}

    def predict_peak(self, **sizes: int) -> float:
        """The predicted peak bytes of a run of these sizes: its largest stage."""
        return max(self.predict_stages(**sizes).values())


def features_of(points: Sequence[Point], geometry: Geometry) -> dict[str, np.ndarray]:
    pixels = np.array([p.pixels for p in points], dtype=float)
    pf = np.array([p.pixel_frames for p in points], dtype=float)
    if geometry.per_pixel is not None and all(p.tokens for p in points):
        tokens = np.array([p.tokens for p in points], dtype=float)
    else:
        tokens = pf
    return {"1": np.ones(len(points)), "tokens": tokens, "tokens2": tokens**2, "pixels": pixels,
            "pixel_frames": pf}


def fit_terms(x: Mapping[str, np.ndarray], y: np.ndarray, terms: Sequence[str]) -> Fit:
    """Non-negative least squares of ``y`` on the columns ``terms`` of ``x`` (each scaled to its
    largest value first, so bytes per token and bytes per token² are fitted alike)."""
    a = np.column_stack([x[t] for t in terms])
    scale = np.abs(a).max(axis=0)
    scale[scale == 0] = 1.0
    coef, _ = nnls(a / scale, np.asarray(y, dtype=float))
    return Fit(tuple(terms), [float(c) for c in coef / scale])


def leave_one_out(x: Mapping[str, np.ndarray], y: np.ndarray, terms: Sequence[str]) -> Loo:
    """Each point predicted by the fit on the others. Undefined (None) with fewer points than terms + 1."""
    n = len(y)
    if n < len(terms) + 1:
        return Loo(n, None, None, None)
    errors = []
    for i in range(n):
        keep = np.arange(n) != i
        fit = fit_terms({k: v[keep] for k, v in x.items()}, y[keep], terms)
        errors.append(fit.predict({k: float(v[i]) for k, v in x.items()}) - float(y[i]))
    e = np.array(errors)
    rel = np.abs(e) / np.maximum(np.abs(y), 1.0)
    return Loo(n, float(math.sqrt(np.mean(e**2))), float(np.abs(e).max()), float(rel.max()),
               [float(v) for v in e])


def fit_stage(stage: str, x: Mapping[str, np.ndarray], y: np.ndarray, tokens_known: bool) -> StageModel:
    """The stage's model: the candidate with the smallest leave-one-out error (see :data:`BETTER_BY`)."""
    candidates = CANDIDATES.get(stage, CANDIDATES["denoise"] if tokens_known else _TOKENLESS)
    chosen: tuple[tuple[str, ...], Loo] | None = None
    tried: dict[str, float | None] = {}
    for terms in candidates:
        loo = leave_one_out(x, y, terms)
        tried[" + ".join(terms)] = loo.rms_bytes
        if loo.rms_bytes is None:
            continue
        if chosen is None or loo.rms_bytes < chosen[1].rms_bytes * (1 - BETTER_BY):
            chosen = (terms, loo)
    if chosen is None:  # too few points for any leave-one-out: the constant, its error unknown
        chosen = (("1",), leave_one_out(x, y, ("1",)))
    return StageModel(stage, fit_terms(x, y, chosen[0]), chosen[1], tried)


def fit_group(group: Group) -> MemoryModel:
    """Fit every stage of a configuration, and the leave-one-out error of the peak it predicts."""
    points = group.points
    geometry = infer(group.family, points)
    stage_names = [s for s in points[0].stages if all(s in p.stages for p in points)] if points else []
    x = features_of(points, geometry)
    tokens_known = geometry.per_pixel is not None
    stages = {s: fit_stage(s, x, np.array([p.stages[s] for p in points]), tokens_known) for s in stage_names}
    notes = [geometry.note] if geometry.note else []
    if len(points) < 3:
        notes.append(f"{len(points)} run(s): too few to fit sizes; the peak is taken as constant")
    peak_loo = _peak_loo(x, points, stages)
    return MemoryModel(group, geometry, stages, peak_loo, notes)


def _peak_loo(x: Mapping[str, np.ndarray], points: Sequence[Point], stages: Mapping[str, StageModel]) -> Loo:
    """Each run's peak predicted by every stage refitted without it (same terms), against its peak."""
    n = len(points)
    if not stages or any(s.loo.rms_bytes is None for s in stages.values()):
        return Loo(n, None, None, None)
    y = np.array([p.peak for p in points])
    errors = []
    for i in range(n):
        keep = np.arange(n) != i
        feats = {k: float(v[i]) for k, v in x.items()}
        sub = {k: v[keep] for k, v in x.items()}
        preds = [fit_terms(sub, np.array([p.stages[name] for p in points])[keep], s.fit.terms).predict(feats)
                 for name, s in stages.items()]
        errors.append(max(preds) - float(y[i]))
    e = np.array(errors)
    return Loo(n, float(math.sqrt(np.mean(e**2))), float(np.abs(e).max()),
               float((np.abs(e) / np.maximum(y, 1.0)).max()), [float(v) for v in e])
