"""HunyuanVideo-1.5: its guider takes the workload's guidance scale, its second (ByT5) text sequence
is passed as pseudo-embeddings, and its steps are marked at each scheduler.step (no step callback)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from zoo_workloads import workload

from vbench.harness.instrument import scheduler_steps, step_marker
from vbench.models import build_pipeline


@pytest.fixture(scope="module")
def built():
    return build_pipeline({"family": "hunyuan15", "source": "tiny", "weights_seed": 0})


def forwards(built, work) -> tuple[int, np.ndarray]:
    count = []
    handle = built.denoiser.register_forward_pre_hook(lambda *_: count.append(1))
    try:
        frames = built.pipe(**built.call_kwargs(work, device="cpu")).frames
    finally:
        handle.remove()
    return len(count), frames


def test_guidance_scale_reaches_the_guider(built):
    kwargs = built.call_kwargs(workload("hunyuan15", guidance_scale=6.0), device="cpu")
    assert "guidance_scale" not in kwargs and built.pipe.guider.guidance_scale == 6.0
    guided, video = forwards(built, workload("hunyuan15", guidance_scale=6.0))
    plain, unguided = forwards(built, workload("hunyuan15", guidance_scale=1.0))
    assert built.pipe.guider.guidance_scale == 1.0
    assert (guided, plain) == (4, 2)  # 2 steps: conditional + unconditional forwards, then one each
    assert not np.array_equal(video, unguided)


def test_both_text_sequences_are_pseudo_embeddings(built):
    kwargs = built.call_kwargs(workload("hunyuan15"), device="cpu")
    assert kwargs["prompt_embeds"].shape == (1, 16, 16) and kwargs["prompt_embeds_2"].shape == (1, 16, 32)
    assert kwargs["prompt_embeds_mask"].dtype == torch.long and kwargs["negative_prompt_embeds_mask_2"].shape == (1, 16)
    # the second sequence is seeded apart from the first, and each follows the prompt
    assert not torch.equal(kwargs["prompt_embeds"][..., :16], kwargs["prompt_embeds_2"][..., :16])
    other = built.call_kwargs(workload("hunyuan15", prompt="a blue car at night"), device="cpu")
    assert not torch.equal(kwargs["prompt_embeds_2"], other["prompt_embeds_2"])


def test_steps_are_marked_at_each_scheduler_step(built):
    assert step_marker(built.pipe) == "scheduler.step"
    assert step_marker(build_pipeline({"family": "wan", "source": "tiny", "weights_seed": 0}).pipe) == \
        "callback_on_step_end"

    class Marks:
        n = 0

        def step(self):
            self.n += 1

    marks = Marks()
    with scheduler_steps(built.pipe.scheduler, marks):
        built.pipe(**built.call_kwargs(workload("hunyuan15", num_inference_steps=3), device="cpu"))
    assert marks.n == 3
    assert "step" not in vars(built.pipe.scheduler)  # the wrapper is gone: the class's method again
