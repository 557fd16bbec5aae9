"""The denoiser's relative output error against full precision, on seeded inputs of the run's own shape.

The inputs are those of the pipeline's first denoiser call for the run's workload (same seed, same
shapes), captured by running the pipeline until that call and stopping it there, so taking them
costs the prompt encoding and latent preparation only. The error is
``||y - y_fp32|| / ||y_fp32||`` over the whole output tensor, computed in float32.
"""

from __future__ import annotations

from typing import Any

#: The workload used when a transform is applied without one (unit use, not through the harness).
DEFAULT_WORKLOAD = {"prompt": "a red fox running through fresh snow", "negative_prompt": "", "seed": 0,
                    "num_frames": 9, "height": 32, "width": 32, "num_inference_steps": 2,
                    "guidance_scale": 5.0, "num_videos_per_prompt": 1}


class _Captured(Exception):  # noqa: N818 -- control flow, never escapes this module
    pass


def capture_inputs(built: Any, workload: dict | None, device: Any) -> tuple[tuple, dict]:
    """(args, kwargs) of the first denoiser call of ``workload``, cloned; the pipeline stops there."""
    import torch

    seen: dict[str, Any] = {}

    def hook(_module, args, kwargs):
        seen["inputs"] = (tuple(_clone(a) for a in args), {k: _clone(v) for k, v in kwargs.items()})
        raise _Captured

    kwargs = built.call_kwargs({**DEFAULT_WORKLOAD, **(workload or {})}, device=device)
    kwargs.pop("callback_on_step_end", None)
    handle = built.denoiser.register_forward_pre_hook(hook, with_kwargs=True)
    try:
        with torch.no_grad():
            built.pipe(**kwargs)
    except _Captured:
        pass
    finally:
        handle.remove()
    if "inputs" not in seen:
        raise RuntimeError("the pipeline finished without calling its denoiser")
    return seen["inputs"]


def _clone(value: Any) -> Any:
    import torch

    return value.detach().clone() if isinstance(value, torch.Tensor) else value


def denoise(denoiser: Any, inputs: tuple[tuple, dict]) -> Any:
    """The denoiser's output tensor for captured inputs."""
    import torch

    args, kwargs = inputs
    with torch.no_grad():
        out = denoiser(*args, **kwargs)
    if isinstance(out, (tuple, list)):
        out = out[0]
    return getattr(out, "sample", out)


def relative_error(out: Any, ref: Any) -> float:
    """``||out - ref|| / ||ref||`` in float32 (inf when the output is not finite)."""
    a, b = out.float(), ref.float()
    if not bool(a.isfinite().all()):
        return float("inf")
    return float((a - b).norm() / b.norm().clamp_min(1e-30))


class Probe:
    """The fp32 denoiser output on the run's first-call inputs, to compare a lowered model with."""

    def __init__(self, built: Any, workload: dict | None, device: Any):
        self.built, self.workload, self.device = built, workload, device
        self.inputs = capture_inputs(built, workload, device)
        self.reference = denoise(built.denoiser, self.inputs)

    def error_now(self) -> float:
        """Relative error of the denoiser as it is now; inputs re-captured so the pipeline casts them."""
        inputs = capture_inputs(self.built, self.workload, self.device)
        return relative_error(denoise(self.built.denoiser, inputs), self.reference)

    def error_of(self, denoiser: Any) -> float:
        """Relative error of ``denoiser`` (fp32 inputs; used by the sensitivity pass, whose hooks cast)."""
        return relative_error(denoise(denoiser, self.inputs), self.reference)
