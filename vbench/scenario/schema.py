"""The scenario file's schema: strict pydantic models, unknown keys rejected, values range-checked.

These models are data only: building them does no I/O and touches no environment. Cross-file
checks (frame counts per family, sweep axes) live in :mod:`vbench.scenario.expand`.
"""

from __future__ import annotations

import math
import re
import typing
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vbench.record import BY_NAME, QUALITY, SCORERS
from vbench.scenario.caches import MODES as CACHE_MODES
from vbench.scenario.caches import check_options as check_cache_options
from vbench.scenario.families import ARCH_MODELS, FAMILIES, GENERIC, GENERIC_SOURCES, SOURCES, TINY_NAMES

#: the known families, and ``generic``: any other diffusers pipeline (from local or hub files, or an object)
FamilyName = Literal["wan", "cogvideox", "ltx", "svd", "hunyuan", "hunyuan15", "ltx2", "mochi", "generic"]
SourceName = Literal["tiny", "arch", "hub", "local", "object"]
Precision = Literal["fp32", "fp16", "bf16", "int8-weight-only", "int8-dynamic", "fp8", "fp8-dynamic", "nf4", "dynamic"]
FloatPrecision = Literal["fp32", "fp16", "bf16"]
Offload = Literal["none", "model", "sequential", "group-leaf", "group-block"]
QuantBackend = Literal["torchao", "quanto", "bitsandbytes"]
QuantGranularity = Literal["per_row", "per_tensor"]
CompileMode = Literal["default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs"]
Isolation = Literal["process", "group", "inline"]
CacheMode = Literal[CACHE_MODES]
MetricName = Literal[SCORERS]  # what vbench.record.METRICS can score
METRIC_NAMES = typing.get_args(MetricName)
#: The quality metrics a ``limits.min_quality`` floor can name: those with a better direction.
QUALITY_FLOORS = tuple(m.name for m in QUALITY if m.higher_is_better is not None)

#: diffusers' attention backend names (``diffusers.models.attention_dispatch.AttentionBackendName``).
ATTENTION_BACKENDS = (
    "native", "_native_math", "_native_flash", "_native_efficient", "_native_cudnn", "_native_npu",
    "_native_xla", "flex", "flash", "flash_varlen", "flash_hub", "flash_varlen_hub", "flash_4_hub",
    "_flash_3", "_flash_varlen_3", "_flash_3_hub", "_flash_3_varlen_hub", "aiter_fa2_hub",
    "sage", "sage_varlen", "sage_hub", "sage_blackwell_hub", "_sage_qk_int8_pv_fp8_cuda",
    "_sage_qk_int8_pv_fp8_cuda_sm90", "_sage_qk_int8_pv_fp16_cuda", "_sage_qk_int8_pv_fp16_triton",
    "xformers",
)

#: Names a scenario cannot take: the store's own folders (``vbench.store.layout.OUTPUTS_DIR``; a
#: test keeps the two in step) and the relative path parts.
RESERVED_NAMES = ("outputs", ".", "..")
#: ``workload.image`` value of a seeded generated conditioning image
GENERATED_IMAGE = "generated"

_DEVICE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class Section(BaseModel):
    """Base of every section: strict types, unknown keys are errors, immutable once built."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ModelSpec(Section):
    """Which model is built and from where."""

    family: FamilyName
    source: SourceName = "tiny"
    #: arch: a published model name; tiny: none, or a tiny stand-in of one (``TINY_NAMES``); hub: the hub id
    name: str | None = None
    revision: str | None = None  #: hub: a pinned commit or tag
    path: str | None = None  #: local: a ``save_pretrained`` directory
    weights_seed: int = Field(0, ge=0, lt=2**63)  #: tiny/arch: seed of the random weights
    num_layers: int | None = Field(None, ge=1, le=1000)  #: arch: keep only this many blocks
    #: arch: the published text encoders at full size, random weights (``full``, the default), or
    #: seeded pseudo-embeddings instead (``pseudo``: no text-encode time or encoder memory; CPU tests)
    text_encoder: Literal["full", "pseudo"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _text_encoder_default(cls, data: Any) -> Any:
        # Resolved here, not at build time, so an arch run's identity says which encoders it measured.
        if isinstance(data, dict) and data.get("source") == "arch" and data.get("text_encoder") is None:
            data = {**data, "text_encoder": "full"}
        return data

    @model_validator(mode="after")
    def _source_fields(self) -> ModelSpec:
        if self.family == GENERIC and self.source not in GENERIC_SOURCES:
            raise ValueError(f"family: '{GENERIC}' is a pipeline vbench does not build itself; allowed sources: "
                             f"{', '.join(GENERIC_SOURCES)} (source {self.source!r} builds one of "
                             f"{', '.join(FAMILIES)})")
        if self.source == "arch":
            names = sorted(n for n, fam in ARCH_MODELS.items() if fam == self.family)
            if self.name not in names:
                raise ValueError(f"name: source 'arch' of family '{self.family}' needs a published "
                                 f"architecture name; allowed: {', '.join(names)}")
        if self.source == "tiny" and self.name is not None and TINY_NAMES.get(self.name) != self.family:
            names = sorted(n for n, fam in TINY_NAMES.items() if fam == self.family)
            raise ValueError(f"name: source 'tiny' of family '{self.family}' takes no name (the family's tiny model) "
                             f"or a tiny stand-in of a published architecture; allowed: {', '.join(names) or 'none'}")
        if self.source == "hub":
            if not self.name:
                raise ValueError("name: source 'hub' needs the hub id, e.g. Wan-AI/Wan2.1-T2V-1.3B-Diffusers")
            if not self.revision:
                raise ValueError("revision: source 'hub' needs a pinned revision (commit hash or tag) "
                                 "so results are reproducible")
        if self.source == "object" and (self.path or self.revision or self.num_layers is not None
                                        or self.text_encoder is not None):
            raise ValueError("source 'object' is a pipeline the caller built (vbench.measure_pipeline): it takes "
                             "a name only")
        if self.source == "local" and not self.path:
            raise ValueError("path: source 'local' needs the directory written by save_pretrained")
        if self.source in ("tiny", "local") and self.num_layers is not None:
            raise ValueError("num_layers: only the 'arch' source can cut the number of blocks")
        if self.source == "arch" and self.family == "svd" and self.text_encoder == "pseudo":
            raise ValueError("text_encoder: svd is conditioned on an image and its CLIP image encoder is always "
                             "built at full size; allowed for svd: full")
        if self.source == "tiny" and self.text_encoder == "full":
            raise ValueError("text_encoder: source 'tiny' has no full-size text encoders (it passes pseudo-"
                             "embeddings); allowed for tiny: pseudo or unset; use source 'arch' for full-size ones")
        if self.source in ("hub", "local") and self.text_encoder is not None:
            raise ValueError(f"text_encoder: source {self.source!r} uses the encoders its model files hold; "
                             "allowed: unset (the field chooses full or pseudo for source 'arch')")
        return self


class WorkloadSettings(Section):
    """The arguments of one pipeline call, in diffusers' own names."""

    negative_prompt: str = ""
    num_frames: int = Field(17, ge=1, le=1025)
    height: int = Field(64, ge=8, le=4096)
    width: int = Field(64, ge=8, le=4096)
    num_inference_steps: int = Field(4, ge=1, le=1000)
    guidance_scale: float = Field(5.0, ge=0.0, le=100.0)
    num_videos_per_prompt: int = Field(1, ge=1, le=64)  #: the batch size of one call
    #: image-to-video: the conditioning image, ``generated`` (a smooth image seeded from the prompt and
    #: seed, at the workload's size) or a file (relative to the scenario file); null: text-to-video
    image: str | None = None
    #: set by the loader for an image file: its content's digest (the run id follows the content, not the path)
    image_sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")

    @model_validator(mode="after")
    def _image(self) -> WorkloadSettings:
        if self.image is not None and not self.image.strip():
            raise ValueError("image: give 'generated' or the path of an image file")
        if self.image_sha256 is not None and self.image in (None, GENERATED_IMAGE):
            raise ValueError("image_sha256: belongs to an image file (set by the loader)")
        return self


class Workload(WorkloadSettings):
    """The scenario's workload: settings plus the prompts and seeds every configuration runs."""

    prompts: list[str] = Field(default_factory=lambda: ["a red fox running through fresh snow"], min_length=1)
    prompt_file: str | None = None  #: one prompt per line, relative to the scenario file
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1)

    @field_validator("prompts")
    @classmethod
    def _prompts(cls, v: list[str]) -> list[str]:
        if any(not p.strip() for p in v):
            raise ValueError("prompts must not be empty strings")
        return v

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, v: list[int]) -> list[int]:
        if any(s < 0 or s >= 2**63 for s in v):
            raise ValueError("seeds must lie in [0, 2**63)")
        if len(set(v)) != len(v):
            raise ValueError("seeds must not repeat")
        return v

    def settings(self) -> dict[str, Any]:
        """The per-call settings, without prompts and seeds."""
        return self.model_dump(exclude={"prompts", "prompt_file", "seeds"})


class RunWorkload(WorkloadSettings):
    """The workload of one run: one prompt, one seed."""

    prompt: str
    seed: int = Field(ge=0, lt=2**63)


class Optimizations(Section):
    """Settings that change how the model runs. The defaults are the reference: fp32, nothing on."""

    precision: Precision = "fp32"
    vae_precision: FloatPrecision | None = None  #: null: the denoiser's compute dtype
    quant_backend: QuantBackend = "torchao"
    quant_granularity: QuantGranularity = "per_row"  #: int8 scales: one per output row, or one per tensor
    dynamic_error_budget: float = Field(0.02, gt=0.0, le=1.0)  #: relative output error allowed by `dynamic`
    dynamic_policy: str | None = None  #: a saved per-module policy file to reuse instead of a new pass
    offload: Offload = "none"
    offload_stream: bool = False
    vae_slicing: bool = False
    vae_tiling: bool = False
    vae_tile_size: int | None = Field(None, ge=16, le=4096)  #: pixels
    vae_tile_overlap: float | None = Field(None, ge=0.0, lt=1.0)  #: fraction of a tile
    vae_temporal_tiling: bool | None = None  #: null: the VAE's own default (recorded); true/false switch it
    attention_backend: str | None = None
    compile: bool = False
    compile_mode: CompileMode = "default"
    compile_vae: bool = False
    compile_fullgraph: bool = False
    chunk_frames: int | None = Field(None, ge=1, le=1025)  #: latent frames per denoiser chunk
    chunk_overlap: int = Field(0, ge=0, le=1025)  #: latent frames shared by neighbouring chunks
    vae_chunk_frames: int | None = Field(None, ge=1, le=1025)  #: latent frames per VAE decode chunk
    cache: CacheMode = "none"  #: a step-level cache through diffusers' hooks (:mod:`vbench.scenario.caches`)
    cache_options: dict[str, Any] = Field(default_factory=dict)  #: its settings, in diffusers' field names

    @field_validator("attention_backend")
    @classmethod
    def _backend(cls, v: str | None) -> str | None:
        if v is not None and v not in ATTENTION_BACKENDS:
            raise ValueError(f"unknown attention backend; allowed: {', '.join(ATTENTION_BACKENDS)}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Optimizations:
        problems = check_cache_options(self.cache, self.cache_options)
        if problems:
            raise ValueError("cache_options: " + "; ".join(problems))
        if self.cache != "none" and self.chunk_frames is not None:
            raise ValueError("cache: a step-level cache counts each chunked denoiser forward as a step; "
                             "set chunk_frames: null with a cache")
        if self.chunk_frames is not None and self.chunk_overlap >= self.chunk_frames:
            raise ValueError("chunk_overlap: must be smaller than chunk_frames")
        if self.chunk_frames is None and self.chunk_overlap:
            raise ValueError("chunk_overlap: needs chunk_frames")
        if not self.vae_tiling and (self.vae_tile_size is not None or self.vae_tile_overlap is not None):
            raise ValueError("vae_tile_size/vae_tile_overlap: need vae_tiling: true")
        if self.quant_backend == "bitsandbytes" and self.precision not in ("int8-weight-only", "nf4"):
            raise ValueError("quant_backend: bitsandbytes provides int8-weight-only and nf4 only")
        if self.precision == "fp8-dynamic" and self.quant_backend != "torchao":
            raise ValueError("precision: fp8-dynamic needs quant_backend: torchao")
        if self.precision == "nf4" and self.quant_backend != "bitsandbytes":
            raise ValueError("precision: nf4 needs quant_backend: bitsandbytes")
        if self.quant_granularity != "per_row":
            if self.precision not in ("int8-weight-only", "int8-dynamic"):
                raise ValueError("quant_granularity: applies to precision int8-weight-only and int8-dynamic only")
            if self.quant_backend != "torchao":
                raise ValueError("quant_granularity: per_tensor needs quant_backend: torchao "
                                 "(quanto and bitsandbytes scale per output row)")
        return self


class Reference(Section):
    """What every run is compared with for fidelity: the default optimizations plus these overrides."""

    enabled: bool = True
    optimizations: dict[str, Any] = Field(default_factory=dict)
    workload: dict[str, Any] = Field(default_factory=dict)


class Measure(Section):
    """How each run is measured: warm-ups, then timed calls until ``repeats`` and ``min_seconds``
    are met and the median latency is known to ``rel_ci`` (half-width of its bootstrap 95 %
    interval over the median), at most ``max_repeats`` calls or ``max_seconds`` of timed calls.

    The defaults (5 calls at least, ±2 %) give two runs enough samples for a ±5 % ``compare``
    rule to be decided: two medians each known to ±2 % give a ratio known to about ±3 %."""

    warmup: int = Field(1, ge=0, le=100)
    repeats: int = Field(5, ge=1, le=10000)
    min_seconds: float = Field(0.0, ge=0.0, le=86400.0)
    max_repeats: int = Field(50, ge=1, le=100000)
    rel_ci: float | None = Field(0.02, gt=0.0, le=1.0)  #: null: stop at repeats / min_seconds
    max_seconds: float = Field(300.0, gt=0.0, le=7 * 86400.0)  #: cap on the timed calls' seconds
    isolation: Isolation = "process"
    device: str = "auto"
    sample_interval_ms: float = Field(10.0, ge=1.0, le=1000.0)
    flops: bool = True

    @field_validator("device")
    @classmethod
    def _device(cls, v: str) -> str:
        if not _DEVICE.match(v):
            raise ValueError("allowed: auto, cpu, cuda, cuda:N")
        return v

    @model_validator(mode="after")
    def _repeats(self) -> Measure:
        if self.max_repeats < self.repeats:
            raise ValueError("max_repeats: must be at least repeats")
        if self.min_seconds > self.max_seconds:
            raise ValueError("min_seconds: must be at most max_seconds")
        return self


class Limits(Section):
    timeout_s: float = Field(1800.0, gt=0.0, le=7 * 86400.0)  #: per run, build and warmup included
    #: the card a run must fit, in GiB: every record gets a verdict against it (:mod:`vbench.verdicts`)
    memory_budget_gb: float | None = Field(None, gt=0.0, le=1e6)
    host_memory_gb: float | None = Field(None, gt=0.0, le=1e6)  #: address-space limit of a worker process
    #: quality floors, metric -> bound: a minimum where higher is better (psnr: 30), a maximum where
    #: lower is better (lpips: 0.1); a run that misses one is ``below_quality``
    min_quality: dict[str, float] = Field(default_factory=dict)

    @field_validator("min_quality", mode="before")
    @classmethod
    def _floors(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        out = {}
        for name, bound in v.items():
            if name not in QUALITY_FLOORS:
                raise ValueError(f"{name!r} is not a quality metric with a better direction; "
                                 f"allowed: {', '.join(QUALITY_FLOORS)}")
            if isinstance(bound, bool) or not isinstance(bound, (int, float)) or not math.isfinite(bound):
                raise ValueError(f"the floor of {name} must be a finite number, got {bound!r}")
            out[name] = float(bound)
        return out


class SweepSpec(Section):
    """Axes are field paths (``precision`` or ``optimizations.precision``) mapped to value lists."""

    product: dict[str, list[Any]] = Field(default_factory=dict)
    zip: list[dict[str, list[Any]]] = Field(default_factory=list)
    exclude: list[dict[str, Any]] = Field(default_factory=list)


class Scenario(Section):
    """A whole scenario file, validated."""

    name: str | None = None
    description: str = ""
    model: ModelSpec
    workload: Workload = Field(default_factory=Workload)
    optimizations: Optimizations = Field(default_factory=Optimizations)
    sweep: SweepSpec = Field(default_factory=SweepSpec)
    reference: Reference = Field(default_factory=Reference)
    measure: Measure = Field(default_factory=Measure)
    limits: Limits = Field(default_factory=Limits)
    metrics: list[MetricName] = Field(default_factory=lambda: ["psnr", "ssim", "lpips", "temporal"])

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        if v is not None and not _NAME.match(v):
            raise ValueError("allowed: letters, digits, '_', '.', '-' (it names the results folder)")
        if v is not None and v.lower() in RESERVED_NAMES:
            raise ValueError(f"{v!r} is the name of a folder of the results store; allowed: any other name "
                             "(the scenario's name, or its file's stem, names its results folder)")
        return v

    @field_validator("metrics")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("metrics must not repeat")
        return v

    @model_validator(mode="after")
    def _floors_are_scored(self) -> Scenario:
        """A floor on a metric the scenario does not compute would leave every run ``unknown``."""
        for name in self.limits.min_quality:
            scorer = BY_NAME[name].scorer
            if scorer not in self.metrics:
                raise ValueError(f"limits.min_quality.{name}: needs {scorer!r} in metrics (now: "
                                 f"{', '.join(self.metrics) or 'none'}); add it, or drop the floor")
        return self


assert set(FAMILIES) | {GENERIC} == set(FamilyName.__args__) and set(SOURCES) == set(SourceName.__args__)
