"""VAE memory features: batch slicing, spatial tiling (tile size and overlap settable) and temporal
tiling, through each VAE's own ``enable_slicing`` / ``enable_tiling`` and framewise switches.

Temporal tiling exists in the LTX and HunyuanVideo VAEs (``tile_sample_min_num_frames``,
framewise encoding and decoding) and as framewise decoding in Mochi's; the Wan and CogVideoX VAEs
already decode a few latent frames at a time with a causal cache and have no switch, and SVD's
temporal decoder has no tiling at all: asking for what a VAE lacks makes the run ``unsupported``.
``vae_temporal_tiling`` is three-valued: ``true``/``false`` set the switch, ``null`` leaves the
VAE's own default -- which differs by family (HunyuanVideo's is on, Mochi's off).

This transform runs for every run: whatever was asked, ``applied["vae"]["state"]`` holds the VAE's
slicing, tiling and framewise switches as read back from the VAE, so a record always says how its
decode was split.
"""

from __future__ import annotations

import inspect
from typing import Any

from vbench.errors import UnsupportedError

#: The VAE attributes that decide how a decode is split, as diffusers names them.
STATE_KEYS = ("use_slicing", "use_tiling", "use_framewise_decoding", "use_framewise_encoding",
              "tile_sample_min_height", "tile_sample_min_width", "tile_sample_stride_height",
              "tile_sample_stride_width", "tile_overlap_factor_height", "tile_sample_min_num_frames",
              "tile_sample_stride_num_frames")


def wanted(optimizations: dict) -> bool:
    return True  # the VAE's state is recorded for every run


def state(vae: Any) -> dict[str, Any]:
    """The VAE's decode-splitting switches, read back from it (absent attributes left out)."""
    return {k: getattr(vae, k) for k in STATE_KEYS if isinstance(getattr(vae, k, None), (bool, int, float))}


def apply(built: Any, optimizations: dict, ctx: Any) -> dict[str, Any]:
    vae = built.vae
    name = type(vae).__name__
    out: dict[str, Any] = {"vae": name}
    if vae is None:
        return out
    if optimizations["vae_slicing"]:
        vae.enable_slicing()
        batch = int((ctx.workload or {}).get("num_videos_per_prompt") or 1)
        out["slicing"] = bool(getattr(vae, "use_slicing", False))
        if batch == 1:
            out["slicing_note"] = "slicing splits the batch: at one video per call it changes nothing"
    if optimizations["vae_tiling"]:
        out["tiling"] = _tiling(vae, optimizations["vae_tile_size"], optimizations["vae_tile_overlap"])
    if optimizations["vae_temporal_tiling"] is not None:
        out["temporal_tiling"] = _temporal(vae, optimizations["vae_temporal_tiling"])
    out["state"] = state(vae)
    return out


def _tiling(vae: Any, size: int | None, overlap: float | None) -> dict[str, Any]:
    name = type(vae).__name__
    params = inspect.signature(vae.enable_tiling).parameters
    if not params or "use_tiling" not in inspect.getsource(type(vae)):
        raise UnsupportedError(f"{name} has no tiled decode")
    kwargs: dict[str, Any] = {}
    if size is not None:
        kwargs.update(tile_sample_min_height=size, tile_sample_min_width=size)
    if overlap is not None or size is not None:
        tile = size if size is not None else int(vae.tile_sample_min_height)
        frac = overlap if overlap is not None else _current_overlap(vae)
        if "tile_overlap_factor_height" in params:  # CogVideoX: the overlap itself
            kwargs.update(tile_overlap_factor_height=frac, tile_overlap_factor_width=frac)
        else:
            stride = max(8, int(round(tile * (1.0 - frac))) // 8 * 8)
            kwargs.update(tile_sample_stride_height=stride, tile_sample_stride_width=stride)
    vae.enable_tiling(**{k: v for k, v in kwargs.items() if k in params})
    keys = ("use_tiling", "tile_sample_min_height", "tile_sample_min_width", "tile_sample_stride_height",
            "tile_sample_stride_width", "tile_overlap_factor_height", "tile_overlap_factor_width")
    return {k: getattr(vae, k) for k in keys if hasattr(vae, k)}


def _current_overlap(vae: Any) -> float:
    if hasattr(vae, "tile_overlap_factor_height"):
        return float(vae.tile_overlap_factor_height)
    tile, stride = getattr(vae, "tile_sample_min_height", 0), getattr(vae, "tile_sample_stride_height", 0)
    return 1.0 - stride / tile if tile and stride else 0.25


def _temporal(vae: Any, on: bool) -> dict[str, Any]:
    name = type(vae).__name__
    if hasattr(vae, "use_framewise_decoding"):
        before = bool(vae.use_framewise_decoding)
        vae.use_framewise_decoding = on
        if hasattr(vae, "use_framewise_encoding"):
            vae.use_framewise_encoding = on
        keys = ("use_framewise_decoding", "use_framewise_encoding", "tile_sample_min_num_frames",
                "tile_sample_stride_num_frames", "use_tiling")
        return {**{k: getattr(vae, k) for k in keys if hasattr(vae, k)}, "default_was": before}
    if on:
        raise UnsupportedError(f"{name} has no temporal tiling switch (it decodes a few latent frames at a time "
                               f"already, or not at all by frames); use vae_chunk_frames for chunked decoding")
    return {"use_framewise_decoding": None,
            "note": f"{name} has no temporal tiling switch; its decode is unchanged"}
