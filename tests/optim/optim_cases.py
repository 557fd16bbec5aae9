"""Builders shared by the optimization tests (its own module name, so test folders never import each
other's helpers through conftest)."""

from __future__ import annotations

WORKLOAD = {"prompt": "a fox", "negative_prompt": "", "seed": 0, "num_frames": 9, "height": 32, "width": 32,
            "num_inference_steps": 2, "guidance_scale": 5.0, "num_videos_per_prompt": 1}


def optimizations(**settings) -> dict:
    from vbench.scenario.schema import Optimizations

    return Optimizations(**settings).model_dump()


def build(family: str = "wan", source: str = "tiny", **model):
    import torch

    from vbench.models import build_pipeline

    if source == "arch":  # the published text encoders (5.7 B parameters for Wan) do not fit these CPU tests
        model.setdefault("text_encoder", "pseudo")
    return build_pipeline({"family": family, "source": source, "weights_seed": 0, **model}, dtype=torch.float32)


def applied(built, workload=WORKLOAD, **settings):
    from vbench.optim import Context, apply_optimizations

    ctx = Context(device="cpu", workload=workload)
    return apply_optimizations(built, optimizations(**settings), "cpu", ctx=ctx), ctx


def frames(built, workload=WORKLOAD):
    return built.pipe(**built.call_kwargs(workload, device="cpu")).frames
