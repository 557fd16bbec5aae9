"""What the planner reads from records: one point per finished run, grouped by configuration.

A point is a run's sizes (frames, height, width, batch), the token count of its denoiser forward
(``latent.tokens``) and the peak memory of each stage: torch's allocator (peak allocated bytes,
what the weights and activations need; a CUDA run) or, without an allocator, the process's
resident set (host RSS, a CPU run). Runs that differ only in these sizes, the prompt, the seed or
the step count (which leaves the peak of a step unchanged) share a configuration and one memory
model. Plain Python: no torch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vbench.record import ALLOCATOR_STAGES, HOST_STAGES, lookup, number
from vbench.scenario.ids import short_hash

#: Workload fields a memory model is a function of (or that do not change the peak of a call).
SIZE_FIELDS = ("num_frames", "height", "width", "num_videos_per_prompt")
_NOT_CONFIG = (*SIZE_FIELDS, "prompt", "seed", "num_inference_steps", "negative_prompt")

#: Where a point's stage peaks come from.
SOURCES = {"allocator": (ALLOCATOR_STAGES, "peak_allocated_bytes", "memory.allocator.peak_allocated_bytes"),
           "host_rss": (HOST_STAGES, "peak_rss_bytes", "memory.host.peak_rss_bytes")}


@dataclass(frozen=True)
class Point:
    run_id: str
    frames: int
    height: int
    width: int
    batch: int
    tokens: int | None  #: batch x sequence length of one denoiser forward, as recorded
    stages: dict[str, float]  #: stage -> peak bytes
    peak: float  #: the run's peak of the same source (allocator allocated, or host RSS)
    reserved: float | None = None  #: allocator peak reserved (CUDA)
    process: float | None = None  #: NVML process peak (CUDA)
    latent: dict[str, Any] = field(default_factory=dict)

    @property
    def pixels(self) -> int:
        """Decoded pixels of one frame, times the batch."""
        return self.batch * self.height * self.width

    @property
    def pixel_frames(self) -> int:
        """Decoded pixels x frames, times the batch: what the VAE decode writes."""
        return self.pixels * self.frames


@dataclass
class Group:
    """The runs of one configuration on one device, with the memory source they share."""

    key: str
    config: str  #: :func:`config_key` without the device
    label: str
    family: str
    device: str
    source: str  #: "allocator" | "host_rss"
    spec: dict[str, Any]  #: the spec of the first run (model, optimizations, workload)
    gpu_profile: str | None
    points: list[Point] = field(default_factory=list)
    oom: list[dict[str, Any]] = field(default_factory=list)  #: sizes of runs that ran out of memory


def config_key(record: Mapping[str, Any], *, device: bool = True) -> str:
    """The configuration of a record for the planner: model, optimizations, the workload without
    sizes, prompt, seed and step count, and (unless ``device=False``) the device."""
    spec = record.get("spec") or {}
    workload = {k: v for k, v in (spec.get("workload") or {}).items() if k not in _NOT_CONFIG}
    return short_hash({"model": spec.get("model"), "optimizations": spec.get("optimizations"),
                       "workload": workload, **({"device": _device_kind(record)} if device else {})})


def _device_kind(record: Mapping[str, Any]) -> str:
    device = str(record.get("device") or "")
    if device.startswith("cuda"):
        return lookup(record, "env.gpu.name") or "cuda"
    return device or "unknown"


def label_of(record: Mapping[str, Any]) -> str:
    """A readable name of a record's configuration: family, model and the swept values that are
    not sizes (``wan-tiny-bf16``)."""
    spec = record.get("spec") or {}
    model = spec.get("model") or {}
    parts = [model.get("family") or "?", model.get("name") or model.get("source") or "?"]
    for path, value in (spec.get("axes") or {}).items():
        name = path.rsplit(".", 1)[-1]
        if name in _NOT_CONFIG or name in ("family", "source", "name"):
            continue
        parts.append(f"{name}={value}" if not isinstance(value, str) else value)
    return "-".join(str(p) for p in parts)


def source_of(record: Mapping[str, Any]) -> str | None:
    if lookup(record, ALLOCATOR_STAGES):
        return "allocator"
    if lookup(record, HOST_STAGES):
        return "host_rss"
    return None


def point_of(record: Mapping[str, Any], source: str) -> Point | None:
    """The point of one ok record, or None when it lacks its sizes or stage peaks."""
    workload = lookup(record, "spec.workload") or {}
    stages_path, key, peak_path = SOURCES[source]
    stages = {name: number(values.get(key)) for name, values in (lookup(record, stages_path) or {}).items()}
    stages = {k: v for k, v in stages.items() if v is not None}
    peak = number(lookup(record, peak_path))
    if not stages or peak is None or any(workload.get(f) is None for f in SIZE_FIELDS):
        return None
    latent = record.get("latent") or {}
    return Point(run_id=record["run_id"], frames=int(workload["num_frames"]), height=int(workload["height"]),
                 width=int(workload["width"]), batch=int(workload["num_videos_per_prompt"]),
                 tokens=latent.get("tokens"), stages=stages, peak=max(peak, *stages.values()),
                 reserved=number(lookup(record, "memory.allocator.peak_reserved_bytes")),
                 process=number(lookup(record, "memory.nvml.process_used_peak_bytes")), latent=dict(latent))


def group_records(records: Iterable[Mapping[str, Any]]) -> list[Group]:
    """The planner's groups of ``records``: ok runs with stage peaks become points; runs that ran
    out of memory are kept as sizes that do not fit. Groups keep the order runs were first seen."""
    groups: dict[str, Group] = {}
    for record in records:
        status = record.get("status")
        if status not in ("ok", "oom") or not record.get("spec"):
            continue
        key = config_key(record)
        source = source_of(record)
        group = groups.get(key)
        if group is None:
            if status != "ok" or source is None:
                continue  # an oom before any finished run of its configuration: nothing to fit yet
            spec = record["spec"]
            group = groups[key] = Group(key=key, config=config_key(record, device=False), label=label_of(record), family=spec["model"]["family"],
                                        device=_device_kind(record), source=source, spec=dict(spec),
                                        gpu_profile=lookup(record, "env.gpu.profile.id"))
        if status == "oom":
            workload = lookup(record, "spec.workload") or {}
            group.oom.append({f: workload.get(f) for f in SIZE_FIELDS} | {"run_id": record["run_id"]})
            continue
        point = point_of(record, group.source)
        if point is not None:
            group.points.append(point)
    return list(groups.values())
