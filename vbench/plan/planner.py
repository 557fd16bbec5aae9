"""What fits a memory budget: the largest frames, resolution and batch a memory model allows.

The budget a model's peak must stay under is the card's memory (``--budget-gb``, or a hardware
profile's) minus a margin the allocator peak does not show:

* allocator fragmentation: the largest *reserved − allocated* at the peak among the
  configuration's runs (torch's caching allocator holds blocks it cannot hand out whole),
* the CUDA context and memory outside torch: the largest *NVML process used − reserved*, where
  NVML was read; otherwise an assumed 0.5 GiB, said so.

A CPU run's host RSS is the whole process, so it gets no margin. Every answer comes with the
predicted peak, and a *safe* answer where the peak plus the model's largest leave-one-out error
still fits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from vbench.plan.memory_model import MemoryModel
from vbench.units import budget_bytes

#: CUDA context plus memory outside torch, when no NVML reading measured it (torch 2.x on Hopper: ~0.5 GiB).
ASSUMED_CONTEXT_BYTES = 512 * 2**20
#: The largest values a scenario accepts (vbench.scenario.schema).
MAX_FRAMES, MAX_SIDE, MAX_BATCH = 1025, 4096, 64


@dataclass(frozen=True)
class Margin:
    bytes: float
    fragmentation_bytes: float | None
    context_bytes: float | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {"bytes": self.bytes, "fragmentation_bytes": self.fragmentation_bytes,
                "context_bytes": self.context_bytes, "note": self.note}


def margin_of(model: MemoryModel, override_gb: float | None = None) -> Margin:
    """The margin between the allocator's peak and the card for this configuration (see module doc)."""
    if override_gb is not None:
        return Margin(float(budget_bytes(override_gb)), None, None, f"--margin-gb {override_gb:g}")
    points = model.group.points
    if model.group.source == "host_rss":
        return Margin(0.0, None, None, "host RSS is the whole process: no allocator or context margin")
    frag = [p.reserved - p.peak for p in points if p.reserved is not None]
    ctx = [p.process - p.reserved for p in points if p.process is not None and p.reserved is not None]
    fragmentation = max(frag) if frag else 0.0
    if ctx:
        context, how = max(ctx), "the largest NVML process used - reserved"
    else:
        context, how = float(ASSUMED_CONTEXT_BYTES), "an assumed 0.5 GiB (no NVML reading in the runs)"
    note = (f"fragmentation: the largest reserved - allocated at the peak over {len(frag)} runs; context: {how}")
    return Margin(fragmentation + context, fragmentation, context, note)


@dataclass(frozen=True)
class Answer:
    """The largest value of one size that fits, at the other sizes given."""

    field: str  #: "num_frames" | "resolution" | "num_videos_per_prompt"
    at: dict[str, int]  #: the sizes held fixed
    value: Any  #: the largest that fits (an int, or [height, width]); None: not even the smallest
    predicted_peak_bytes: float | None  #: of that value
    safe_value: Any  #: the largest that fits with the leave-one-out error added; None when unknown
    limit: str | None = None  #: why the search stopped short of a larger value ("schema limit")
    undecided: str | None = None  #: why there is no answer (then value and safe_value are None)
    beyond: float | None = None  #: the answer over the largest measured value of that size, when above 1

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "at": self.at, "value": self.value,
                "predicted_peak_bytes": self.predicted_peak_bytes, "safe_value": self.safe_value,
                "limit": self.limit, "undecided": self.undecided, "extrapolated_factor": self.beyond}


def _largest(candidates: list[Any], peak: Callable[[Any], float], usable: float, err: float | None,
             field: str, at: dict[str, int], limit_name: str) -> Answer:
    """The last of ``candidates`` (ascending, peak monotone) whose predicted peak fits ``usable``."""
    best = safe = None
    best_peak = None
    for value in candidates:
        p = peak(value)
        if p <= usable:
            best, best_peak = value, p
            if err is not None and p + err <= usable:
                safe = value
        else:
            break
    limit = limit_name if best is not None and best == candidates[-1] else None
    return Answer(field, at, best, best_peak, safe if err is not None else None, limit)


def max_frames(model: MemoryModel, usable: float, *, height: int, width: int, batch: int = 1) -> Answer:
    g = model.geometry
    frames = list(range(1, MAX_FRAMES + 1, g.frame_step))
    return _largest(frames, lambda f: model.predict_peak(frames=f, height=height, width=width, batch=batch),
                    usable, model.peak_loo.max_abs_bytes, "num_frames",
                    {"height": height, "width": width, "num_videos_per_prompt": batch},
                    f"the schema's limit of {MAX_FRAMES} frames")


def max_resolution(model: MemoryModel, usable: float, *, frames: int, height: int, width: int,
                   batch: int = 1) -> Answer:
    """The largest height x width of the aspect ratio of ``height`` x ``width`` (each a multiple
    of the family's spatial step) that fits at ``frames``."""
    step = model.geometry.spatial_step
    aspect = width / height
    sizes: list[list[int]] = []
    for h in range(step, MAX_SIDE + 1, step):
        w = int(h * aspect) // step * step
        if w >= step and w <= MAX_SIDE and (not sizes or sizes[-1] != [h, w]):
            sizes.append([h, w])
    return _largest(sizes, lambda hw: model.predict_peak(frames=frames, height=hw[0], width=hw[1], batch=batch),
                    usable, model.peak_loo.max_abs_bytes, "resolution",
                    {"num_frames": frames, "num_videos_per_prompt": batch, "aspect_w_over_h": aspect},
                    f"the schema's limit of {MAX_SIDE} px")


def max_batch(model: MemoryModel, usable: float, *, frames: int, height: int, width: int) -> Answer:
    return _largest(list(range(1, MAX_BATCH + 1)),
                    lambda b: model.predict_peak(frames=frames, height=height, width=width, batch=b),
                    usable, model.peak_loo.max_abs_bytes, "num_videos_per_prompt",
                    {"num_frames": frames, "height": height, "width": width},
                    f"the schema's limit of {MAX_BATCH} videos per call")


@dataclass(frozen=True)
class Plan:
    model: MemoryModel
    budget_bytes: float
    budget_from: str  #: "--budget-gb 24" | "profile rtx-4090 (24 GiB)"
    margin: Margin
    answers: list[Answer]

    @property
    def usable_bytes(self) -> float:
        return self.budget_bytes - self.margin.bytes

    def to_dict(self) -> dict[str, Any]:
        m = self.model
        return {"configuration": m.group.label, "key": m.group.key, "family": m.group.family,
                "device": m.group.device, "source": m.group.source, "runs": len(m.group.points),
                "oom_runs": m.group.oom,
                "geometry": {"temporal_compression": m.geometry.temporal, "tokens_per_pixel": m.geometry.per_pixel,
                             "spatial_step": m.geometry.spatial_step},
                "stages": {name: s.to_dict() for name, s in m.stages.items()},
                "peak_loo": m.peak_loo.to_dict(), "notes": m.notes,
                "budget": {"bytes": self.budget_bytes, "from": self.budget_from, "margin": self.margin.to_dict(),
                           "usable_bytes": self.usable_bytes},
                "answers": [a.to_dict() for a in self.answers]}


def make_plan(model: MemoryModel, budget: float, budget_from: str, *, frames: int, height: int, width: int,
              batch: int = 1, margin_gb: float | None = None) -> Plan:
    """The three answers for one configuration under ``budget`` bytes."""
    margin = margin_of(model, margin_gb)
    usable = budget - margin.bytes
    answers = [max_frames(model, usable, height=height, width=width, batch=batch),
               max_resolution(model, usable, frames=frames, height=height, width=width, batch=batch),
               max_batch(model, usable, frames=frames, height=height, width=width)]
    return Plan(model, budget, budget_from, margin, [_judged(a, model) for a in answers])


def _judged(answer: Answer, model: MemoryModel) -> Answer:
    """Undecided when the runs are all at one size (the model cannot say how memory grows), and the
    factor by which the answer lies beyond the largest measured size otherwise."""
    points = model.group.points
    sizes = {(p.frames, p.height, p.width, p.batch) for p in points}
    if len(sizes) < 2:
        frames, height, width, batch = next(iter(sizes))
        why = (f"the runs are all at one size ({frames} frames, {height}x{width}, batch {batch}): sweep num_frames, "
               "height/width or num_videos_per_prompt to learn how memory grows")
        return replace(answer, value=None, predicted_peak_bytes=None, safe_value=None, limit=None, undecided=why)
    if answer.value is None:
        return answer
    if answer.field == "num_frames":
        factor = answer.value / max(p.frames for p in points)
    elif answer.field == "resolution":
        factor = answer.value[0] * answer.value[1] / max(p.height * p.width for p in points)
    else:
        factor = answer.value / max(p.batch for p in points)
    return replace(answer, beyond=factor) if factor > 1 else answer
