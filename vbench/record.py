"""The record contract: what one run's record holds, and the one table of metrics read from it.

Every layer hands the next one a record: a plain JSON object per run, written by the harness and
the scorer, read by ``results``, ``compare``, ``report`` and the pytest plugin. This module is its
single home (layer 1, standard library only, never torch):

* the sections of a record as :class:`~typing.TypedDict` s (:class:`Record`, :class:`Summary`,
  :class:`Timing`, :class:`Memory`, :class:`Energy`, :class:`Flops`, :class:`Outputs`,
  :class:`Quality`, :class:`Env`), so a record stays plain JSON (``rec["memory"]["peak"]["bytes"]``)
  while its shape is written down once;
* :data:`METRICS`, one row per metric: its canonical name (what ``--fail`` rules, report columns
  and the plugin use), where it lives in a record, its unit, whether higher is better and the label
  readers show;
* :data:`SCHEMA_VERSION`, :class:`Status`, :func:`summarize` and :func:`score`, the helpers
  writers build sections with, so no writer spells a key that the table does not know.

>>> metric("latency").path, metric("latency").unit, metric("latency").higher_is_better
('timing.e2e', 's', False)
>>> metric("quality.psnr").name  # an older name still finds its metric
'psnr'
>>> score("psnr", 31.5)
{'value': 31.5, 'unit': 'dB', 'higher_is_better': True}
"""

from __future__ import annotations

import datetime as _dt
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, TypedDict

#: Version of the record format. Bump it when a field changes meaning or moves, and add the step
#: from the previous version to ``vbench.store.migrate.MIGRATIONS`` and a golden session under
#: ``tests/store/golden/v<N>/``. Version 2 put every quality score under ``quality.scores``.
SCHEMA_VERSION = 2


class Status(str, Enum):
    """How a run ended. Every run becomes a record with one of these, never an empty row."""

    OK = "ok"
    OOM = "oom"  #: out of memory, on the device or the host
    ERROR = "error"  #: an exception or a crashed worker
    TIMEOUT = "timeout"  #: the run exceeded ``limits.timeout_s``
    UNSUPPORTED = "unsupported"  #: the combination cannot run here; the reason says why

    def __str__(self) -> str:
        return self.value


STATUSES = tuple(s.value for s in Status)

#: ``unavailable`` maps a field (or metric) name to the reason it could not be measured.
Unavailable = dict[str, str]


class Summary(TypedDict):
    """A sampled measurement: every raw sample and its statistics (:func:`summarize`)."""

    unit: str
    n: int
    samples: list[float]
    mean: float | None
    median: float | None
    p90: float | None
    stdev: float | None
    min: float | None
    max: float | None


class StageSummary(Summary, total=False):
    """One stage's :class:`Summary`; a stage that ran inside another names it."""

    within: str  #: the enclosing stage: its seconds are part of that stage's


class Steps(TypedDict, total=False):
    tracked: bool
    #: "callback_on_step_end" (the pipeline's step callback) | "scheduler.step" (the end of each call of
    #: the scheduler's ``step``, for pipelines without a callback) | None (not tracked)
    marked_by: str | None
    per_call: list[list[float]]  #: seconds of each denoising step, per timed call
    median_by_step: list[float]
    all: Summary  #: every step of every call


class Timing(TypedDict, total=False):
    clock: str  #: "cuda_events" | "perf_counter"
    load_s: float
    first_call_s: float  #: the first call, compile and cold caches included
    cold_included: bool
    warmup_s: list[float]
    e2e: Summary  #: end-to-end seconds per timed call
    #: :data:`STAGES` and any other stage, seconds; a stage that ran inside another (``vae_encode``
    #: inside ``prepare_latents``) has ``within``: its seconds are part of that stage's, so add only those without it
    stages: dict[str, StageSummary]
    steps: Steps
    unaccounted: Summary  #: e2e minus every stage and step: a check of the clock
    fps: Summary  #: frames per second of each call (plus ``of_median_latency``)
    frames_per_call: int
    precision: Precision  #: how precisely the median latency is known, and why the repeats stopped
    unavailable: Unavailable


class Precision(TypedDict):
    """Why the measuring loop stopped (``measure.rel_ci``, ``max_repeats``, ``max_seconds``)."""

    target_rel_ci: float | None  #: ``measure.rel_ci``
    rel_ci: float | None  #: half-width of the median's bootstrap 95 % interval over the median
    n: int  #: timed calls
    reached: bool  #: the target was met (always, without one)
    stopped: str  #: why, in words


class AllocatorMemory(TypedDict, total=False):
    """torch's CUDA caching allocator after a reset of its peaks, highest over the timed calls."""

    peak_allocated_bytes: int
    peak_reserved_bytes: int
    activation_peak_bytes: int
    baseline_allocated_bytes: int
    baseline_reserved_bytes: int
    alloc_retries: int
    per_call: dict[str, list[int | None]]
    stages: dict[str, dict[str, int]]  #: stage -> {"peak_allocated_bytes": …, "peak_reserved_bytes": …}


class HostMemory(TypedDict, total=False):
    """The process's resident set (VmHWM reset per call), highest over the timed calls."""

    peak_rss_bytes: int
    delta_rss_bytes: int
    baseline_rss_bytes: int
    final_rss_bytes: int
    ru_maxrss_bytes: int
    peak_source: str
    note: str
    per_call: dict[str, list[int | None]]
    stages: dict[str, dict[str, Any]]  #: stage -> {"peak_rss_bytes", "delta_rss_bytes", …}
    stages_source: str
    steps_peak_rss_bytes: list[int] | None


class NvmlMemory(TypedDict, total=False):
    """NVML sampled in a thread (what ``nvidia-smi`` shows), highest over the timed calls."""

    process_used_peak_bytes: int | None
    device_used_peak_bytes: int | None
    device_used_baseline_bytes: int | None
    per_call: dict[str, list[int | None]]


class PeakMemory(TypedDict):
    """The one peak a user compares with their card, and which source it came from."""

    bytes: int | None
    source: Literal["nvml_process_used", "allocator_reserved", "host_rss"] | None


class Memory(TypedDict, total=False):
    weights: dict[str, int]  #: component -> bytes of its parameters and buffers, plus ``total_bytes``
    allocator: AllocatorMemory | None
    host: HostMemory | None
    nvml: NvmlMemory | None
    peak: PeakMemory
    unavailable: Unavailable


class Energy(TypedDict, total=False):
    joules_per_call: Summary | None
    joules_per_video: Summary | None
    method: str | None  #: "energy_counter" | "power_integral"
    scope: str | None
    unavailable: Unavailable


class Flops(TypedDict, total=False):
    flops: int  #: one denoiser forward
    by_op: dict[str, int]
    forwards: int
    forwards_per_call: int
    flops_per_call: int
    achieved_tflops: float | None
    fraction_of_peak: float | None
    unavailable: Unavailable


class AudioOutput(TypedDict, total=False):
    """The sound a pipeline made with the video (LTX-2), from the last timed call."""

    shape: list[int]  #: (batch, channels, samples)
    sample_rate: int | None  #: the vocoder's output rate, Hz
    seconds: float | None  #: samples / sample_rate
    hash: str  #: sha256 of the float32 samples


class Outputs(TypedDict, total=False):
    video: str | None  #: sha256 of the stored uint8 video (``vbench.store.videos``)
    shape: list[int]
    dtype: str
    hashes: list[str]  #: the video of every timed call
    nondeterministic: bool
    stored: bool
    audio: AudioOutput  #: only where the pipeline returns audio


class Score(TypedDict, total=False):
    """One quality score (:func:`score`): its value, unit and direction, per frame where it has one."""

    value: float | None
    unit: str
    higher_is_better: bool | None
    per_frame: list[float | None]


class Quality(TypedDict, total=False):
    reference_run_id: str | None  #: the run this one was scored against (None: it is a reference)
    reference: bool  #: this run is the quality reference, scored against itself (PSNR infinite)
    scored_at: str
    device: str
    scores: dict[str, Score]  #: metric name (a ``quality`` row of :data:`METRICS`) -> score
    details: dict[str, dict[str, Any]]  #: bookkeeping per metric: videos, the FVD set, tOF's window …
    unavailable: Unavailable  #: metric name -> why it has no score
    rescore_failed: Unavailable  #: metric -> why a rescore gave no value (the earlier value is kept)
    traceback: str


class MemoryCheck(TypedDict):
    peak_bytes: int | None  #: ``memory.peak.bytes``
    source: str | None  #: ``memory.peak.source``
    budget_bytes: int  #: ``limits.memory_budget_gb`` in bytes (GiB)
    ok: bool | None  #: None: the peak is unknown


class QualityCheck(TypedDict):
    value: float | None
    floor: float  #: ``limits.min_quality.<metric>``: a minimum, or a maximum where lower is better
    higher_is_better: bool
    ok: bool | None  #: None: the run has no score for it (not scored, or unavailable)


class Verdict(TypedDict, total=False):
    """Whether a run meets the scenario's budget: ``limits.memory_budget_gb`` and ``limits.min_quality``
    (:func:`vbench.verdicts.judge`). ``verdict`` is the first of :data:`VERDICTS` that applies."""

    verdict: str  #: one of :data:`VERDICTS`
    failed: list[str]  #: every failed check: "over_memory_budget", "below_quality"
    memory: MemoryCheck | None  #: None: no memory budget set
    quality: dict[str, QualityCheck]  #: metric name -> its floor check
    reasons: list[str]  #: one sentence per failed or undecidable check, with the numbers
    caveats: list[str]  #: what a passed check rests on, where it can read low (a peak without NVML)
    reference: bool  #: the run is the quality reference (its floors against the reference hold by definition)


#: A run's budget verdict: ``not_run`` (status is not ok), ``over_memory_budget``, ``below_quality``,
#: ``unknown`` (no check failed, but one lacks its number: a quality not scored yet), ``fits``, and
#: ``no_budget`` (the scenario sets neither a memory budget nor a quality floor).
VERDICTS = ("not_run", "over_memory_budget", "below_quality", "unknown", "fits", "no_budget")


class Latent(TypedDict, total=False):
    """The latent of the run's first denoiser forward (:func:`vbench.models.latents.latent_info`):
    what the memory planner (:mod:`vbench.plan`) fits against."""

    shape: list[int]
    layout: str | None  #: "BCFHW" | "BFCHW" | "packed"
    batch: int | None  #: the forward's batch (classifier-free guidance may double it)
    tokens: int | None  #: batch x sequence length of one forward
    patch: list[int]  #: (t, h, w) patch the transformer embeds


class Executions(TypedDict):
    computed: int  #: executions that ran
    total: int  #: executions an uncached call runs (per forward x forwards)


class CacheCounts(TypedDict, total=False):
    """``applied.cache.counts``: what a step-level cache did in one pipeline call, counted by torch
    forward hooks under diffusers' hooks (:class:`vbench.optim.caching.CacheCounter`)."""

    calls_counted: int
    same_every_call: bool  #: every counted call computed the same blocks and attention
    forwards: int  #: denoiser forwards of the call
    blocks_per_forward: int
    attention_per_forward: int
    blocks: Executions  #: transformer blocks that ran (a child of the block ran)
    attention: Executions  #: attention modules that ran (their projection ran)
    forwards_all_blocks: int
    forwards_some_blocks: int
    forwards_reused: int  #: forwards that ran at most the first block (the step was reused)
    per_forward: list[list[int]]  #: [blocks, attention] computed in each forward
    state_bytes_peak: int  #: most bytes the cache's states held after a forward (first counted call)
    state_measured: str
    counted_by: str
    unavailable: str  #: why nothing was counted


class CacheApplied(TypedDict, total=False):
    """``applied.cache``: the cache diffusers ran (:mod:`vbench.optim.caching`)."""

    mode: str  #: :data:`vbench.scenario.caches.MODES`
    config_class: str  #: diffusers' config class
    settings: dict[str, Any]  #: its fields as given, with what vbench set
    hooked_modules: int  #: modules carrying one of diffusers' cache hooks
    counts: CacheCounts
    notes: list[str]
    calibration: dict[str, Any]  #: MagCache: the ratios calibrated on the run's workload, and the seconds


class Experts(TypedDict, total=False):
    """``experts``: a two-expert pipeline (Wan2.2-A14B), counted during the last call."""

    boundary_ratio: float | None  #: the pipeline's switch point, a fraction of the training timesteps
    forwards: dict[str, int]  #: denoiser forwards per expert ("transformer", "transformer_2")
    steps: dict[str, float | None]  #: denoising steps per expert
    switch_step: int | None  #: the first step the second expert ran
    counted_by: str


class Overlap(TypedDict):
    """``isolation.overlap``: the parent's scoring of earlier runs around this run
    (:mod:`vbench.scoring.overlap`); absent when nothing was scored during the sweep's runs."""

    paused: bool  #: paused from before the run's first clock until its record (False: it outlasted the timeout)
    waited_s: float  #: how long the run waited for the score in progress
    note: str


class GpuDevice(TypedDict, total=False):
    index: int
    name: str
    memory_bytes: int
    compute_capability: str
    multiprocessors: int


class GpuEnv(GpuDevice, total=False):
    """The run's device (its :class:`GpuDevice` fields) and every visible one."""

    count: int
    #: the hardware profile the device matched (:func:`vbench.hardware.match_profile`): id, name,
    #: memory_gib, bandwidth_gb_s, bf16_tflops, profiles_version; None when none matches
    profile: dict[str, Any] | None
    driver: str | None
    devices: list[GpuDevice]
    cuda_visible_devices: str | None


class Env(TypedDict, total=False):
    host: str
    os: str
    python: str
    cpu: dict[str, Any]  #: {"model": …, "logical_cores": …}
    ram_total_bytes: int
    versions: dict[str, str]  #: package -> version (vbench, torch, diffusers …)
    gpu: GpuEnv | None
    cuda: str | None
    git: dict[str, Any]
    unavailable: Unavailable
    warnings: list[str]  #: what the run's process printed (import warnings of torch, diffusers …), not shown


class ConditioningImage(TypedDict, total=False):
    """``image``: the conditioning image of an image-to-video run (``workload.image``)."""

    source: Literal["generated", "file"]
    size: list[int]  #: [width, height] as given to the pipeline (which resizes it to the workload's size)
    path: str  #: file: where it was read
    sha256: str  #: file: the digest of its bytes (the run id follows it)
    mode: str  #: file: Pillow's mode before conversion to RGB
    seeded_by: str  #: generated: what seeds it


class GenericCall(TypedDict):
    """``generic.call``: the workload fields the pipeline's ``__call__`` has a keyword for."""

    taken: list[str]
    not_taken: list[str]  #: given to the pipeline not at all: the run did not honour them
    guidance: Literal["keyword", "guider"] | None  #: how the guidance scale reached it (None: not at all)


class GenericPipeline(TypedDict):
    """``generic``: a pipeline outside the known families (``family: generic``), timed generically."""

    pipeline: str  #: its class
    denoiser: str  #: the component whose forwards are the steps: "transformer" or "unet"
    call: GenericCall
    stages: dict[str, str]  #: stage -> what was wrapped to time it ("encode_prompt", "vae.decode" ...)
    #: weighted components no stage covers: their time is in the enclosing stage or ``timing.unaccounted``
    unattributed: list[str]


class Record(TypedDict, total=False):
    """One run. ``schema_version``, ``run_id``, ``status`` and ``scenario`` are always there
    (:data:`REQUIRED_KEYS`); a run that did not finish has a ``reason`` and no measurements."""

    schema_version: int
    vbench_version: str
    run_id: str  #: hash of what is run (model, workload, optimizations)
    config_id: str  #: the same without prompt and seed: one configuration
    reference_id: str | None  #: the run_id this run is scored against
    role: str  #: "run" | "reference"
    scenario: str
    session: str | None
    label: str | None
    spec: dict[str, Any]  #: the resolved RunSpec: model, workload, optimizations, measure, limits …
    status: str  #: one of :data:`STATUSES`
    reason: str | None
    traceback: str | None
    started_at: str
    finished_at: str
    device: str
    isolation: dict[str, Any]  #: mode, worker_pid, worker_start, peaks_reset … and ``overlap`` (:class:`Overlap`)
    applied: dict[str, Any]  #: what each optimization did; ``applied["cache"]`` is a :class:`CacheApplied`
    model_info: dict[str, Any]
    latent: Latent  #: what the denoiser was called with (absent when it never ran)
    experts: Experts  #: a two-expert pipeline only: which expert denoised which steps
    image: ConditioningImage  #: an image-to-video run only: the conditioning image it was given
    generic: GenericPipeline  #: a pipeline outside the known families only: how it was called and timed
    timing: Timing
    memory: Memory
    energy: Energy
    flops: Flops
    outputs: Outputs
    quality: Quality
    verdict: Verdict  #: the budget verdict, written when the run is recorded and again when it is scored
    env: Env


#: Keys without which a JSON object is not a run record.
REQUIRED_KEYS = ("schema_version", "run_id", "status", "scenario")

#: Where per-stage readings live: stage name -> Summary / allocator peaks / host RSS reading.
STAGE_TIMES = "timing.stages"
ALLOCATOR_STAGES = "memory.allocator.stages"
HOST_STAGES = "memory.host.stages"
#: The stages the harness times, in pipeline order (a family may add others).
STAGES = ("text_encode", "text_connect", "image_encode", "prepare_latents", "vae_encode", "denoise", "vae_decode",
          "audio_decode", "vocode", "postprocess")

Kind = Literal["samples", "value", "score"]
Group = Literal["timing", "memory", "energy", "flops", "quality"]


@dataclass(frozen=True)
class Metric:
    """One metric: its canonical name and where it lives in a record.

    ``kind`` says what ``path`` points at: ``samples``, a :class:`Summary` (raw samples kept, so a
    comparison can test them); ``value``, one number; ``score``, a :class:`Score` under
    ``quality.scores``. ``higher_is_better`` is None where neither direction is better (a frame
    difference describes motion, it is not a quality).
    """

    name: str
    path: str
    unit: str
    higher_is_better: bool | None
    label: str
    kind: Kind
    group: Group
    aliases: tuple[str, ...] = ()  #: older names (schema 1 rules and columns) that still find it
    gate: str | None = None  #: the default ``vbench compare`` threshold (``+5%``), where there is one
    scorer: str | None = None  #: for a quality metric, the name a scenario's ``metrics`` lists to get it

    @property
    def value_path(self) -> str:
        """The dotted path of the single number readers show (a summary's median, a score's value)."""
        return {"samples": f"{self.path}.median", "score": f"{self.path}.value"}.get(self.kind, self.path)

    @property
    def samples_path(self) -> str | None:
        return f"{self.path}.samples" if self.kind == "samples" else None

    @property
    def title(self) -> str:
        """The label with its unit, for an axis or a column header."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


def _timing(name: str, path: str, unit: str, label: str, *, higher: bool = False,
            aliases: tuple[str, ...] = (), gate: str | None = None) -> Metric:
    return Metric(name, path, unit, higher, label, "samples", "timing", aliases, gate)


def _quality(name: str, unit: str, higher: bool | None, label: str, aliases: tuple[str, ...] = (),
             gate: str | None = None, scorer: str | None = None) -> Metric:
    older = (f"quality.{name}", *aliases, *(f"quality.{a}" for a in aliases))  # quality.temporal.tof …
    return Metric(name, f"quality.scores.{name}", unit, higher, label, "score", "quality", older, gate,
                  scorer or name)


#: Every metric a reader may show or compare, in the order reports list them.
METRICS: tuple[Metric, ...] = (
    _timing("latency", "timing.e2e", "s", "Latency", gate="+5%"),
    _timing("fps", "timing.fps", "frames/s", "Frames per second", higher=True),
    _timing("step_time", "timing.steps.all", "s", "Denoising step", aliases=("step",)),
    _timing("text_encode", f"{STAGE_TIMES}.text_encode", "s", "Text encode"),
    _timing("image_encode", f"{STAGE_TIMES}.image_encode", "s", "Image encode"),
    _timing("vae_encode", f"{STAGE_TIMES}.vae_encode", "s", "VAE encode (conditioning image)"),
    _timing("denoise", f"{STAGE_TIMES}.denoise", "s", "Denoise"),
    _timing("vae_decode", f"{STAGE_TIMES}.vae_decode", "s", "VAE decode"),
    _timing("text_connect", f"{STAGE_TIMES}.text_connect", "s", "Text connectors (LTX-2)"),
    _timing("audio_decode", f"{STAGE_TIMES}.audio_decode", "s", "Audio VAE decode"),
    _timing("vocode", f"{STAGE_TIMES}.vocode", "s", "Vocoder"),
    Metric("load_time", "timing.load_s", "s", False, "Model load", "value", "timing"),
    Metric("first_call", "timing.first_call_s", "s", False, "First call (cold)", "value", "timing"),
    Metric("peak_memory", "memory.peak.bytes", "bytes", False, "Peak memory", "value", "memory",
           ("memory.peak",), "+5%"),
    Metric("allocated_peak", "memory.allocator.peak_allocated_bytes", "bytes", False,
           "Allocator peak allocated", "value", "memory"),
    Metric("reserved_peak", "memory.allocator.peak_reserved_bytes", "bytes", False,
           "Allocator peak reserved", "value", "memory"),
    Metric("nvml_process_peak", "memory.nvml.process_used_peak_bytes", "bytes", False,
           "NVML process peak", "value", "memory"),
    Metric("host_rss_peak", "memory.host.peak_rss_bytes", "bytes", False, "Host RSS peak", "value", "memory"),
    Metric("weights_memory", "memory.weights.total_bytes", "bytes", False, "Weights", "value", "memory"),
    Metric("energy_per_video", "energy.joules_per_video", "J", False, "Energy per video", "samples", "energy",
           ("energy.per_video",)),
    Metric("achieved_tflops", "flops.achieved_tflops", "TFLOP/s", True, "Achieved", "value", "flops"),
    Metric("fraction_of_peak", "flops.fraction_of_peak", "", True, "Fraction of peak FLOP/s", "value", "flops"),
    _quality("psnr", "dB", True, "PSNR", gate="-0.5"),
    _quality("ssim", "", True, "SSIM", gate="-0.01"),
    _quality("lpips", "", False, "LPIPS", gate="+0.01"),
    _quality("fvd", "", False, "FVD"),
    _quality("mean_abs_frame_diff_gap", "", None, "Frame-difference gap",
             ("temporal.mean_abs_frame_diff_gap",), scorer="temporal"),
    _quality("tof", "", False, "tOF", ("temporal.tof",), scorer="temporal"),
    _quality("tlp", "", False, "tLP", ("temporal.tlp",), scorer="temporal"),
    _quality("warping_error", "", False, "Warping error", ("temporal.warping_error",), scorer="temporal"),
    _quality("mean_abs_frame_diff", "", None, "Mean frame difference", ("temporal.mean_abs_frame_diff",), scorer="temporal"),
    _quality("frame_ssim", "", None, "Adjacent-frame SSIM", ("temporal.frame_ssim",), scorer="temporal"),
)

BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}
_BY_ALIAS: dict[str, Metric] = {a: m for m in METRICS for a in m.aliases}
#: The quality metrics, best known first (the report colours by the first one present).
QUALITY: tuple[Metric, ...] = tuple(m for m in METRICS if m.group == "quality")
#: What a scenario's ``metrics`` may list: each scorer of the quality metrics (``temporal`` computes
#: the frame-difference, warping, tOF and tLP scores together).
SCORERS: tuple[str, ...] = tuple(dict.fromkeys(m.scorer for m in METRICS if m.scorer))
#: The rules ``vbench compare`` applies when given none: each metric's ``gate``.
DEFAULT_RULES: tuple[str, ...] = tuple(f"{m.name}:{m.gate}" for m in METRICS if m.gate)
#: The statistics a rule may name after a sampled metric (``latency.p90``); the median by default.
STATISTICS = ("median", "p90", "mean", "min", "max")


def metric(name: str) -> Metric:
    """The metric of a canonical name or an older alias.

    Raises:
        KeyError: naming the known metrics.
    """
    found = BY_NAME.get(name) or _BY_ALIAS.get(name)
    if found is None:
        raise KeyError(f"unknown metric {name!r}; known: {', '.join(BY_NAME)}")
    return found


def lookup(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of a nested record; None where any part is missing."""
    node: Any = record
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def number(value: Any) -> float | None:
    """A finite number as float; None for anything else (missing, null, NaN, a bool, text)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def value(record: Mapping[str, Any], name: str) -> float | None:
    """The number a reader shows for metric ``name`` in ``record`` (a nested dict), or None."""
    return number(lookup(record, metric(name).value_path))


def score(name: str, value: float | None, per_frame: Sequence[float | None] | None = None) -> Score:
    """A quality score entry with the unit and direction of the metric ``name``."""
    m = BY_NAME[name]
    if m.group != "quality":
        raise KeyError(f"{name!r} is not a quality metric; quality metrics: {', '.join(q.name for q in QUALITY)}")
    entry: Score = {"value": value, "unit": m.unit, "higher_is_better": m.higher_is_better}
    if per_frame is not None:
        entry["per_frame"] = list(per_frame)
    return entry


def now() -> str:
    """The current UTC time as ISO 8601 with milliseconds: every timestamp in a record."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def summarize(samples: Sequence[float], unit: str) -> Summary:
    """A sampled measurement: its unit, every raw sample and the usual summary statistics.

    The p90 uses linear interpolation between closest ranks (numpy's default), so it is
    defined for any non-empty sample.

    >>> summarize([1.0, 2.0, 3.0, 4.0], "s")["median"]
    2.5
    """
    values = [float(x) for x in samples]
    if not values:
        return {"unit": unit, "n": 0, "samples": [], "mean": None, "median": None,
                "p90": None, "stdev": None, "min": None, "max": None}
    ordered = sorted(values)
    return {
        "unit": unit,
        "n": len(values),
        "samples": values,
        "mean": statistics.fmean(values),
        "median": statistics.median(values),
        "p90": percentile(ordered, 90.0),
        "stdev": statistics.stdev(values) if len(values) > 1 else 0.0,
        "min": ordered[0],
        "max": ordered[-1],
    }


def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-th percentile of already sorted values, linear between closest ranks."""
    if not ordered:
        raise ValueError("percentile of no values")
    pos = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
