"""A diffusers pipeline outside the known families, called and timed from what it has.

Nothing is assumed about its conditioning: prompts go through its own encoders. What a workload
field becomes is read from its ``__call__`` signature (diffusers' shared names: ``prompt``,
``num_frames``, ``height``, ``width``, ``num_inference_steps``, ``guidance_scale``, ``generator`` ...);
a field it takes no keyword for is *not taken* and the record says so, instead of pretending the
run honoured it. Its stages are its own methods and components wrapped where they exist
(``encode_prompt`` or the text encoder's forward, ``encode_image`` or the image encoder's, the
VAE's ``encode``/``decode``), steps are marked at its step callback or at each ``scheduler.step``,
and components no stage covers are listed as unattributed: their time is inside whichever stage
enclosed them, or the record's ``unaccounted``.
"""

from __future__ import annotations

import inspect
from typing import Any

from vbench.errors import UnsupportedError

#: workload field -> the ``__call__`` keyword it is given as (the seed as a seeded ``generator``)
WORKLOAD_KEYWORDS = {
    "prompt": "prompt",
    "negative_prompt": "negative_prompt",
    "num_frames": "num_frames",
    "height": "height",
    "width": "width",
    "num_inference_steps": "num_inference_steps",
    "guidance_scale": "guidance_scale",
    "num_videos_per_prompt": "num_videos_per_prompt",
    "seed": "generator",
    "image": "image",
}
#: keywords without which a run is not a measurement vbench can repeat: the steps it counts and the
#: seeded noise that makes two calls (and the reference) the same video
REQUIRED_KEYWORDS = ("num_inference_steps", "generator")
#: components whose time a stage covers wherever they are present (the denoisers are the steps)
COVERED = ("transformer", "transformer_2", "unet", "vae", "audio_vae", "vocoder", "connectors")


def call_parameters(pipe: Any) -> tuple[frozenset[str], bool]:
    """The keyword names ``pipe.__call__`` takes, and whether it also takes ``**kwargs``."""
    params = inspect.signature(pipe.__call__).parameters
    var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return frozenset(n for n, p in params.items() if p.kind is not inspect.Parameter.VAR_KEYWORD), var_kw


def check_callable(pipe: Any, *, image: bool) -> None:
    """Raise :class:`UnsupportedError` where ``pipe`` cannot be measured as a workload asks."""
    names, _ = call_parameters(pipe)
    missing = [k for k in REQUIRED_KEYWORDS if k not in names]
    if missing:
        raise UnsupportedError(f"{type(pipe).__name__}.__call__ takes no {' or '.join(missing)}: vbench counts "
                               "the denoising steps it asks for and seeds the noise so every call is the same video")
    if image and "image" not in names:
        raise UnsupportedError(f"{type(pipe).__name__}.__call__ takes no image; allowed: no workload.image")
    param = inspect.signature(pipe.__call__).parameters.get("image")
    if not image and param is not None and param.default is inspect.Parameter.empty:
        raise UnsupportedError(f"{type(pipe).__name__} generates from an image: give workload.image "
                               "('generated' or the path of an image file)")


def call_keywords(pipe: Any) -> dict[str, Any]:
    """``{"taken": [...], "not_taken": [...], "guidance": how}``: the workload fields ``pipe.__call__``
    has a keyword for; the guidance scale goes in as ``guidance_scale=`` (``"keyword"``), through the
    pipeline's ``guider`` component (``"guider"``), or not at all (None)."""
    names, _ = call_parameters(pipe)
    guidance = "keyword" if "guidance_scale" in names else "guider" if _guider(pipe) is not None else None
    taken = [field for field, keyword in WORKLOAD_KEYWORDS.items()
             if keyword in names or (field == "guidance_scale" and guidance)]
    return {"taken": taken, "not_taken": [f for f in WORKLOAD_KEYWORDS if f not in taken], "guidance": guidance}


def _guider(pipe: Any) -> Any:
    """The pipeline's diffusers guider (a component with ``new(guidance_scale=...)``), or None."""
    guider = getattr(pipe, "guider", None)
    return guider if guider is not None and callable(getattr(guider, "new", None)) else None


def call_kwargs(pipe: Any, workload: dict[str, Any], *, generator: Any, image: Any) -> dict[str, Any]:
    """The keywords of one call: each workload field the pipeline takes, ``output_type="np"`` where it
    takes one, and the workload's guidance through a ``guider`` component where ``__call__`` has no
    ``guidance_scale``."""
    names, _ = call_parameters(pipe)
    values = {
        "prompt": str(workload.get("prompt") or ""),
        "negative_prompt": str(workload.get("negative_prompt") or ""),
        "num_frames": int(workload["num_frames"]),
        "height": int(workload["height"]),
        "width": int(workload["width"]),
        "num_inference_steps": int(workload["num_inference_steps"]),
        "guidance_scale": float(workload["guidance_scale"]),
        "num_videos_per_prompt": int(workload.get("num_videos_per_prompt") or 1),
        "generator": generator,
        "output_type": "np",
    }
    if image is not None:
        values["image"] = image
    kwargs = {key: value for key, value in values.items() if key in names}
    guider = _guider(pipe)
    if "guidance_scale" not in names and guider is not None:  # a copy with the workload's scale
        scale = float(workload["guidance_scale"])
        if float(getattr(guider, "guidance_scale", scale)) != scale:
            pipe.guider = guider.new(guidance_scale=scale)
    return kwargs


def text_stage(pipe: Any) -> tuple[Any, str] | None:
    """What is timed as ``text_encode``: ``encode_prompt`` where the pipeline has one, else its text
    encoder's forward; None when it has neither."""
    if callable(getattr(pipe, "encode_prompt", None)):
        return pipe, "encode_prompt"
    if getattr(pipe, "text_encoder", None) is not None:
        return pipe.text_encoder, "forward"
    return None


def image_stage(pipe: Any) -> tuple[Any, str] | None:
    """What is timed as ``image_encode``: ``encode_image`` (or the image encoder's forward) where the
    pipeline has an image encoder."""
    if getattr(pipe, "image_encoder", None) is None:
        return None
    if callable(getattr(pipe, "encode_image", None)):
        return pipe, "encode_image"
    return pipe.image_encoder, "forward"


def describe(pipe: Any, denoiser_attr: str, stage_methods: dict[str, tuple[Any, str]]) -> dict[str, Any]:
    """The record's ``generic`` section (:class:`vbench.record.GenericPipeline`)."""
    components = {name: module for name, module in pipe.components.items() if hasattr(module, "named_parameters")}
    owner = {id(module): name for name, module in components.items()}
    stages = {}
    for stage, (obj, method) in stage_methods.items():
        if obj is not None and hasattr(obj, method):
            stages[stage] = method if obj is pipe else f"{owner.get(id(obj), type(obj).__name__)}.{method}"
    covered = set(COVERED)
    if stages.get("text_encode") == "encode_prompt":  # the pipeline's own method runs all its text encoders
        covered |= {n for n in components if n.startswith("text_encoder")}
    elif "text_encode" in stages:
        covered.add("text_encoder")
    if "image_encode" in stages:
        covered.add("image_encoder")
    unattributed = sorted(n for n in components if n not in covered and n != denoiser_attr)
    return {"pipeline": type(pipe).__name__, "denoiser": denoiser_attr, "call": call_keywords(pipe),
            "stages": stages, "unattributed": unattributed}
