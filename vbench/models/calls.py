"""The keyword arguments of one pipeline call, in diffusers' own names, for every family.

The workload (``prompt``, ``negative_prompt``, ``seed``, ``num_frames``, ``height``, ``width``,
``num_inference_steps``, ``guidance_scale``, ``num_videos_per_prompt``) maps onto each
pipeline's ``__call__``. With pseudo-embeddings the prompt becomes ``prompt_embeds`` (+ masks,
pooled vectors, negatives) repeated for each video, because diffusers' pipelines do not repeat
embeddings passed in; the pipeline is then called with ``num_videos_per_prompt=1`` and draws the
same batched noise it would have drawn itself.
"""

from __future__ import annotations

from typing import Any

from vbench.models.specs import spec

#: the size StableVideoDiffusionPipeline resizes a PIL conditioning image to for its CLIP encoder
SVD_CLIP_SIZE = 224


def generator(seed: int, device: Any) -> Any:
    """A fresh ``torch.Generator`` on ``device`` seeded with ``seed``."""
    import torch

    return torch.Generator(device=torch.device(device)).manual_seed(int(seed))


def call_kwargs(built: Any, workload: dict[str, Any], *, device: Any) -> dict[str, Any]:
    """Complete kwargs for ``built.pipe(**kwargs)``; two calls give bit-identical tensors.

    Args:
        built: a :class:`vbench.models.BuiltPipeline`.
        workload: the RunSpec's ``workload`` mapping.
        device: the execution device (the generator and the conditioning tensors go there).
    """
    if built.family == "generic":  # another pipeline: what its __call__ takes (vbench.models.generic)
        from vbench.models.generic import call_kwargs as generic_kwargs

        return generic_kwargs(built.pipe, workload, generator=generator(workload.get("seed", 0), device),
                              image=built.image_of(workload))
    s = spec(built.family)
    videos = int(workload.get("num_videos_per_prompt") or 1)
    prompt = str(workload.get("prompt") or "")
    guidance = float(workload["guidance_scale"])
    kwargs: dict[str, Any] = {
        "num_frames": int(workload["num_frames"]),
        "height": int(workload["height"]),
        "width": int(workload["width"]),
        "num_inference_steps": int(workload["num_inference_steps"]),
        "generator": generator(workload.get("seed", 0), device),
        "output_type": "np",
    }
    image = built.image_of(workload)
    if built.family == "svd":
        from vbench.models.embeddings import pseudo_image

        size = int(built.pipe.image_encoder.config.image_size)
        if image is None:  # no workload.image: a seeded pseudo image at the image encoder's size
            image = pseudo_image(prompt, size)
        elif size != SVD_CLIP_SIZE:  # the pipeline resizes a PIL image to 224 px, which a tiny encoder refuses
            image = _as_tensor(image, size)
        # The image stays on the CPU: the pipeline's CLIP processor converts it through numpy.
        # SVD has no `guidance_scale`: its guidance ramps from min to max over the frames.
        kwargs.update(image=image, max_guidance_scale=guidance,
                      min_guidance_scale=min(1.0, guidance), num_videos_per_prompt=videos)
        return kwargs
    if image is not None:
        kwargs["image"] = image
    if s.guidance == "guider":
        _set_guider(built.pipe, guidance)
    else:
        kwargs.update({key: guidance for key in s.guidance_kwargs})
    kwargs.update(dict(s.call_extras))
    if built.embeddings == "text_encoder":
        kwargs.update(prompt=prompt, num_videos_per_prompt=videos)
        if s.negatives:
            kwargs["negative_prompt"] = str(workload.get("negative_prompt") or "")
        return kwargs
    kwargs["num_videos_per_prompt"] = 1
    kwargs.update(_embeds(built, prompt, "", videos, device))
    if s.negatives:
        kwargs.update(_embeds(built, str(workload.get("negative_prompt") or ""), "negative_", videos, device))
    return kwargs


def _set_guider(pipe: Any, guidance: float) -> None:
    """Give a guider pipeline (HunyuanVideo-1.5) the workload's guidance scale: a copy of its guider
    with that ``guidance_scale`` (1.0 turns classifier-free guidance off: one forward per step)."""
    if float(getattr(pipe.guider, "guidance_scale", guidance)) != guidance:
        pipe.guider = pipe.guider.new(guidance_scale=guidance)


def _as_tensor(image: Any, size: int) -> Any:
    """A PIL image as a (1, 3, size, size) tensor in [0, 1] (bilinear, antialiased)."""
    import numpy as np
    import torch

    pixels = torch.from_numpy(np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0).permute(2, 0, 1)[None]
    return torch.nn.functional.interpolate(pixels, size=(size, size), mode="bilinear", antialias=True,
                                           align_corners=False).clamp_(0.0, 1.0)


def _embeds(built: Any, text: str, prefix: str, videos: int, device: Any) -> dict[str, Any]:
    from vbench.models.embeddings import pseudo_text

    s = spec(built.family)
    shape = built.info["text"]
    out = pseudo_text(text, seq_len=shape["seq_len"], dim=shape["dim"], dtype=built.denoiser.dtype,
                      device=device, batch=videos, mask=s.mask, pooled_dim=shape.get("pooled_dim"),
                      zero_pad=s.zero_pad, left=s.pad_left)
    embeds_key, mask_key = s.embeds_kwargs
    kwargs = {f"{prefix}{embeds_key}": out["embeds"]}
    if "mask" in out:
        kwargs[f"{prefix}{mask_key}"] = out["mask"]
    if "pooled" in out:
        kwargs[f"{prefix}pooled_prompt_embeds"] = out["pooled"]
    if s.embeds_2_kwargs:  # a second sequence, seeded apart from the first
        second = pseudo_text(f"{text}\x00second", seq_len=shape["seq_len_2"], dim=shape["dim_2"],
                             dtype=built.denoiser.dtype, device=device, batch=videos, mask=s.mask)
        embeds_key, mask_key = s.embeds_2_kwargs
        kwargs.update({f"{prefix}{embeds_key}": second["embeds"], f"{prefix}{mask_key}": second["mask"]})
    return kwargs
