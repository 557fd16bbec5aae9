"""Every family's tiny pipeline runs, gives frames in [0, 1] and is reproducible bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from zoo_workloads import FRAMES, workload

from vbench.models import FAMILIES, BuiltPipeline, build_pipeline


def run(built: BuiltPipeline, work: dict) -> np.ndarray:
    return built.pipe(**built.call_kwargs(work, device="cpu")).frames


@pytest.fixture(scope="module", params=FAMILIES)
def tiny(request) -> BuiltPipeline:
    return build_pipeline({"family": request.param, "source": "tiny", "weights_seed": 0})


def test_runs_reproducibly_and_prompts_matter(tiny):
    work = workload(tiny.family)
    first, again = run(tiny, work), run(tiny, work)
    assert first.shape == (1, FRAMES[tiny.family], 32, 32, 3)
    assert first.dtype == np.float32 and np.isfinite(first).all()
    assert first.min() >= 0.0 and first.max() <= 1.0
    assert np.array_equal(first, again)
    assert not np.array_equal(first, run(tiny, workload(tiny.family, prompt="a blue car at night")))
    assert not np.array_equal(first, run(tiny, workload(tiny.family, seed=1)))


def test_call_kwargs_are_bit_identical(tiny):
    a = tiny.call_kwargs(workload(tiny.family), device="cpu")
    b = tiny.call_kwargs(workload(tiny.family), device="cpu")
    assert a.keys() == b.keys()
    for key, value in a.items():
        if isinstance(value, torch.Tensor):
            assert value.dtype == b[key].dtype and torch.equal(value, b[key]), key
        elif isinstance(value, torch.Generator):
            assert torch.equal(value.get_state(), b[key].get_state())
        else:
            assert value == b[key], key
    assert a["output_type"] == "np"


def test_description(tiny):
    assert tiny.source == "tiny" and tiny.embeddings == "pseudo" and tiny.load_s > 0
    assert tiny.denoiser is getattr(tiny.pipe, tiny.denoiser_attr)
    assert tiny.info["denoiser_params"] == sum(p.numel() for p in tiny.denoiser.parameters())
    assert tiny.info["vae_params"] > 0 and isinstance(tiny.info["config"], dict)
    for obj, name in tiny.stage_methods.values():
        assert callable(getattr(obj, name))
    assert tiny.stage_methods["vae_decode"] == (tiny.vae, "decode")


def test_several_videos_per_prompt():
    built = build_pipeline({"family": "wan", "source": "tiny", "weights_seed": 0})
    frames = run(built, workload("wan", num_videos_per_prompt=2))
    assert frames.shape[0] == 2 and not np.array_equal(frames[0], frames[1])


def test_weights_seed_changes_weights():
    a = build_pipeline({"family": "ltx", "source": "tiny", "weights_seed": 0}).denoiser
    b = build_pipeline({"family": "ltx", "source": "tiny", "weights_seed": 1}).denoiser
    assert not torch.equal(a.proj_in.weight, b.proj_in.weight)


def test_bf16_keeps_fp32_modules_like_from_pretrained():
    built = build_pipeline({"family": "wan", "source": "tiny", "weights_seed": 0}, dtype="bf16")
    dtypes = {name: p.dtype for name, p in built.denoiser.named_parameters()}
    assert dtypes["blocks.0.attn1.to_q.weight"] == torch.bfloat16
    assert dtypes["blocks.0.scale_shift_table"] == torch.float32  # in WanTransformer3DModel._keep_in_fp32_modules
    assert np.isfinite(run(built, workload("wan"))).all()


def test_real_text_encoders_get_prompts_not_embeddings():
    tiny = build_pipeline({"family": "mochi", "source": "tiny", "weights_seed": 0})
    as_if_real = BuiltPipeline(pipe=tiny.pipe, family="mochi", source="local", denoiser_attr="transformer",
                               embeddings="text_encoder", load_s=0.0, info=tiny.info)
    kw = as_if_real.call_kwargs(workload("mochi", num_videos_per_prompt=2, negative_prompt="blurry"), device="cpu")
    assert kw["prompt"] == "a red fox running through snow" and kw["negative_prompt"] == "blurry"
    assert kw["num_videos_per_prompt"] == 2 and "prompt_embeds" not in kw
