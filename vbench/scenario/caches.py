"""The step-level caches a scenario can ask for, and their settings in diffusers' own names.

``optimizations.cache`` names the cache; ``optimizations.cache_options`` holds its parameters,
spelled as the fields of diffusers' config class (``diffusers.hooks``), so a value found in a
paper or a diffusers issue is written as it is there. What vbench sets itself is not an option:
the timestep callback (the pipeline's own ``current_timestep``), MagCache's
``num_inference_steps`` (the run's) and ``calibrate`` (vbench calibrates when no ``mag_ratios``
are given). A test keeps these tables in step with diffusers' dataclasses.

Torch-free: scenario validation never imports diffusers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: cache mode -> diffusers' config class in ``diffusers.hooks``.
CONFIG_CLASSES = {
    "first-block": "FirstBlockCacheConfig",
    "faster-cache": "FasterCacheConfig",
    "pab": "PyramidAttentionBroadcastConfig",
    "mag-cache": "MagCacheConfig",
    "taylorseer": "TaylorSeerCacheConfig",
}
MODES = ("none", *CONFIG_CLASSES)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 1


def _count_or_none(v: Any) -> bool:
    return v is None or _count(v)


def _steps_or_none(v: Any) -> bool:
    return v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 0)


def _range(v: Any) -> bool:
    return isinstance(v, list) and len(v) == 2 and all(_number(x) for x in v) and v[0] <= v[1]


def _patterns(v: Any) -> bool:
    return v is None or (isinstance(v, list) and all(isinstance(x, str) and x for x in v))


def _ratios(v: Any) -> bool:
    return v is None or (isinstance(v, list) and len(v) >= 1 and all(_number(x) and x > 0 for x in v))


_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "number": (_number, "a number"),
    "count": (_count, "an integer of 1 or more"),
    "count|null": (_count_or_none, "an integer of 1 or more, or null"),
    "steps|null": (_steps_or_none, "a step index (0 or more), or null"),
    "range": (_range, "a [low, high] pair of timesteps (low ≤ high)"),
    "patterns": (_patterns, "a list of regular expressions over module names, or null"),
    "ratios": (_ratios, "a list of positive numbers, or null (vbench calibrates them)"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "tensor_format": (lambda v: v in ("BCFHW", "BFCHW", "BCHW"), "BCFHW, BFCHW or BCHW"),
    "dtype": (lambda v: v in ("float32", "bfloat16", "float16"), "float32, bfloat16 or float16"),
}

#: cache mode -> {option: kind}: the fields of its diffusers config a scenario may set.
OPTIONS: dict[str, dict[str, str]] = {
    "none": {},
    "first-block": {"threshold": "number"},
    "faster-cache": {
        "spatial_attention_block_skip_range": "count|null", "temporal_attention_block_skip_range": "count|null",
        "spatial_attention_timestep_skip_range": "range", "temporal_attention_timestep_skip_range": "range",
        "low_frequency_weight_update_timestep_range": "range", "high_frequency_weight_update_timestep_range": "range",
        "alpha_low_frequency": "number", "alpha_high_frequency": "number",
        "unconditional_batch_skip_range": "count", "unconditional_batch_timestep_skip_range": "range",
        "spatial_attention_block_identifiers": "patterns", "temporal_attention_block_identifiers": "patterns",
        "tensor_format": "tensor_format", "is_guidance_distilled": "bool",
    },
    "pab": {
        "spatial_attention_block_skip_range": "count|null", "temporal_attention_block_skip_range": "count|null",
        "cross_attention_block_skip_range": "count|null",
        "spatial_attention_timestep_skip_range": "range", "temporal_attention_timestep_skip_range": "range",
        "cross_attention_timestep_skip_range": "range",
        "spatial_attention_block_identifiers": "patterns", "temporal_attention_block_identifiers": "patterns",
        "cross_attention_block_identifiers": "patterns",
    },
    "mag-cache": {"threshold": "number", "max_skip_steps": "count", "retention_ratio": "number",
                  "mag_ratios": "ratios"},
    "taylorseer": {"cache_interval": "count", "disable_cache_before_step": "steps|null",
                   "disable_cache_after_step": "steps|null", "max_order": "count", "taylor_factors_dtype": "dtype",
                   "skip_predict_identifiers": "patterns", "cache_identifiers": "patterns",
                   "use_lite_mode": "bool"},
}

#: What diffusers' config fields vbench sets itself, per mode (not options).
SET_BY_VBENCH = {
    "faster-cache": ("current_timestep_callback", "attention_weight_callback", "low_frequency_weight_callback",
                     "high_frequency_weight_callback", "_unconditional_conditional_input_kwargs_identifiers",
                     "_guidance_distillation_kwargs_identifiers"),
    "pab": ("current_timestep_callback",),
    "mag-cache": ("num_inference_steps", "calibrate"),
}


def short_name(option: str) -> str:
    """An option's name in a run label: ``spatial_attention_block_skip_range`` -> ``spatial-skip``,
    ``spatial_attention_timestep_skip_range`` -> ``spatial-t``, the rest with dashes."""
    name = option.replace("_attention_block_skip_range", "-skip").replace("_attention_timestep_skip_range", "-t")
    name = name.replace("_attention_block_identifiers", "-blocks").replace("_identifiers", "")
    return name.replace("_", "-")


def check_options(mode: str, options: dict[str, Any]) -> list[str]:
    """Why ``options`` are not valid settings of cache ``mode`` (empty when they are)."""
    allowed = OPTIONS.get(mode, {})
    problems = []
    for name, value in options.items():
        if name not in allowed:
            if mode == "none":
                problems.append(f"{name}: cache_options need a cache (cache: {', '.join(CONFIG_CLASSES)})")
            elif name in SET_BY_VBENCH.get(mode, ()):
                problems.append(f"{name}: set by vbench for {mode}, not an option")
            else:
                problems.append(f"{name}: not a setting of {mode} ({CONFIG_CLASSES[mode]}); allowed: "
                                f"{', '.join(allowed)}")
            continue
        check, what = _CHECKS[allowed[name]]
        if not check(value):
            problems.append(f"{name}: must be {what} (got {value!r})")
    if mode == "pab" and options and not any(options.get(k) for k in allowed if k.endswith("block_skip_range")):
        problems.append("pab: set at least one of spatial/temporal/cross_attention_block_skip_range "
                        "(or none of the options: spatial_attention_block_skip_range 2 is then used)")
    return problems
