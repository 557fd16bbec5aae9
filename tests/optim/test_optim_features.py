"""VAE slicing/tiling, attention backend, offload and compile: each took effect or says why not."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
import torch
from optim_cases import WORKLOAD, applied, build, frames

from vbench.errors import UnsupportedError


def test_vae_tiling_sets_size_and_overlap():
    built = build()
    rec, _ = applied(built, vae_slicing=True, vae_tiling=True, vae_tile_size=64, vae_tile_overlap=0.25)
    assert built.vae.use_slicing and built.vae.use_tiling
    assert built.vae.tile_sample_min_height == 64 and built.vae.tile_sample_stride_height == 48
    assert rec["vae"]["tiling"]["tile_sample_stride_width"] == 48 and "slicing_note" in rec["vae"]


def test_cogvideox_overlap_is_a_factor():
    built = build("cogvideox")
    applied(built, vae_tiling=True, vae_tile_size=64, vae_tile_overlap=0.5)
    assert built.vae.tile_overlap_factor_height == 0.5 and built.vae.tile_sample_min_width == 64


def test_temporal_tiling_where_the_vae_has_it():
    built = build("hunyuan")
    built.vae.use_framewise_decoding = False
    rec, _ = applied(built, vae_temporal_tiling=True)
    assert built.vae.use_framewise_decoding and rec["vae"]["temporal_tiling"]["use_framewise_decoding"]
    assert rec["vae"]["temporal_tiling"]["default_was"] is False
    with pytest.raises(UnsupportedError, match="AutoencoderKLWan has no temporal tiling"):
        applied(build(), vae_temporal_tiling=True)


@pytest.mark.parametrize("family,default", [("hunyuan", True), ("mochi", False), ("ltx", False)])
def test_every_record_states_the_vaes_own_temporal_tiling(family, default):
    """Left at null, the VAE keeps its family's default and the record says which it is;
    ``false`` turns HunyuanVideo's framewise decoding off."""
    built = build(family)
    rec, _ = applied(built, workload={**WORKLOAD, "num_frames": 7 if family == "mochi" else 9})
    assert rec["vae"]["state"]["use_framewise_decoding"] is default is built.vae.use_framewise_decoding
    assert "temporal_tiling" not in rec["vae"]
    if default:
        rec, _ = applied(built, vae_temporal_tiling=False)
        assert built.vae.use_framewise_decoding is False and rec["vae"]["state"]["use_framewise_decoding"] is False
        assert rec["vae"]["temporal_tiling"]["default_was"] is True


def test_temporal_tiling_off_where_the_vae_has_no_switch_changes_nothing():
    built = build()
    rec, _ = applied(built, vae_temporal_tiling=False)
    assert rec["vae"]["temporal_tiling"]["use_framewise_decoding"] is None
    assert "no temporal tiling switch" in rec["vae"]["temporal_tiling"]["note"]
    assert "use_framewise_decoding" not in rec["vae"]["state"] and rec["vae"]["state"]["use_tiling"] is False


def test_attention_backend_is_set_on_every_processor():
    built = build()
    rec, _ = applied(built, attention_backend="_native_math")
    assert rec["attention"]["effect"] == "set" and rec["attention"]["set_on"] == {"_native_math": 4}
    procs = [m.processor for m in built.denoiser.modules() if hasattr(m, "processor")]
    assert procs and all(str(p._attention_backend.value) == "_native_math" for p in procs)


@pytest.mark.parametrize("backend", ["_native_math", "_native_flash"])
def test_attention_backend_does_not_leak_to_models_built_later(backend):
    from diffusers.models.attention_dispatch import _AttentionBackendRegistry

    default = _AttentionBackendRegistry._active_backend
    before = frames(build("hunyuan"))
    with contextlib.suppress(UnsupportedError):  # _native_flash on CPU: unsupported after it was set
        applied(build("hunyuan"), attention_backend=backend)
    assert _AttentionBackendRegistry._active_backend == default
    # a later run in the same process that asks for no backend runs as if the first never happened
    assert np.array_equal(frames(build("hunyuan")), before)


@pytest.mark.parametrize("family", ["cogvideox", "mochi"])
def test_attention_backend_has_no_effect_on_cogvideox_and_mochi(family):
    rec, _ = applied(build(family), workload={**WORKLOAD, "num_frames": 7 if family == "mochi" else 9},
                     attention_backend="_native_math")
    assert rec["attention"]["effect"] == "no effect" and "ignores set_attention_backend" in rec["attention"]["reason"]


@pytest.mark.parametrize("backend,needle", [("flash", "flash-attn"), ("sage", "sageattention"),
                                            ("xformers", "xformers"), ("flash_hub", "kernels"),
                                            ("_native_flash", "CUDA only")])
def test_missing_attention_kernels_are_unsupported_naming_the_package(backend, needle):
    with pytest.raises(UnsupportedError, match=needle):
        applied(build(), attention_backend=backend)


@pytest.mark.parametrize("mode", ["model", "sequential", "group-leaf", "group-block"])
def test_offload_without_accelerator_is_unsupported_with_diffusers_reason(mode):
    with pytest.raises(UnsupportedError, match="requires accelerator, but not found"):
        applied(build(), offload=mode)


@pytest.mark.parametrize("mode", ["model", "sequential"])
def test_offload_on_a_cpu_run_never_asks_diffusers_to_pick_a_device(mode, monkeypatch):
    """On a GPU host diffusers, given no device, would onload onto the GPU while the record says CPU."""
    built, calls = build(), []
    monkeypatch.setattr(built.pipe, f"enable_{mode}_cpu_offload", lambda **kw: calls.append(kw))
    with pytest.raises(UnsupportedError, match="the run's device is the CPU"):
        applied(built, offload=mode)
    assert calls == []


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("mode", ["model", "sequential", "group-leaf", "group-block"])
def test_offload_installs_hooks_on_gpu(mode):
    built = build()
    from optim_cases import optimizations

    from vbench.optim import Context, apply_optimizations

    rec = apply_optimizations(built, optimizations(offload=mode), torch.device("cuda"),
                              ctx=Context(device=torch.device("cuda"), workload=WORKLOAD))
    assert sum(rec["offload"]["hooked_modules"].values()) > 0


def test_compile_time_and_recompilation_are_recorded(monkeypatch):
    from vbench.optim import compiling

    torch._dynamo.reset()
    monkeypatch.setattr(compiling, "BACKEND", "eager")
    built = build()
    rec, _ = applied(built, compile=True)
    assert rec["compile"]["modules"] == ["transformer"] and rec["compile"]["backend"] == "eager"
    watch = compiling.CompileWatch().start()
    frames(built)
    watch.mark_warm()
    frames(built)  # same shapes: no recompilation
    report = watch.stop()
    assert report["compilations"] >= 1 and report["compile_s"] > 0 and not report["recompiled"]
    watch = compiling.CompileWatch().start()
    watch.mark_warm()
    frames(built, {**WORKLOAD, "height": 48})  # a new shape in the timed calls
    assert watch.stop()["recompiled"]
    torch._dynamo.reset()
