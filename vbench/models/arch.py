"""The ``tiny`` and ``arch`` sources: pipelines assembled from :class:`Component` data.

``arch`` builds each published model, its text encoders included (``text_encoder: full``), on the
meta device (no memory) and then materializes it parameter by parameter directly on the target
device in the target dtype, with seeded random weights (:func:`vbench.models.materialize.materialize`). ``tiny`` builds small models for real on
the CPU in float32 (seeded) and then places them.
"""

from __future__ import annotations

import time
from typing import Any

from vbench.errors import UnsupportedError
from vbench.models.components import Component

TEXT_ENCODER_MODES = ("full", "pseudo")


def text_encoder_mode(family: str, value: str | None) -> str:
    """The ``text_encoder`` mode of an ``arch`` model: ``value``, or ``"full"`` when unset.

    Raises:
        UnsupportedError: an unknown mode, or ``pseudo`` for SVD (its image encoder is part of the
            pipeline; there are no pseudo image embeddings).
    """
    mode = value or "full"
    if mode not in TEXT_ENCODER_MODES:
        raise UnsupportedError(f"text_encoder {value!r} is not a mode; allowed: {', '.join(TEXT_ENCODER_MODES)}")
    if family == "svd" and mode == "pseudo":
        raise UnsupportedError("text_encoder 'pseudo' does not apply to svd: its CLIP image encoder is always "
                               "built at full size; allowed: full")
    return mode


def arch_components(name: str | None, num_layers: int | None = None,
                    text_encoder: str | None = "full") -> tuple[str, dict[str, Component]]:
    """(family, components) of the published model ``name``, the denoiser cut to ``num_layers`` blocks.

    With ``text_encoder="full"`` the family's published text encoders and their hash tokenizers
    (:data:`vbench.models.arch_text_encoders.ENCODERS`) follow the other parts, so the seeds of the
    denoiser and VAE do not depend on the mode; with ``"pseudo"`` they are left out.
    """
    from vbench.models.arch_configs import ARCH_CONFIGS
    from vbench.models.arch_text_encoders import ENCODERS
    from vbench.models.components import cut_layers
    from vbench.models.specs import spec
    from vbench.scenario.families import ARCH_MODELS

    if name not in ARCH_CONFIGS:
        raise UnsupportedError(
            f"no published architecture named {name!r}; known: {', '.join(sorted(ARCH_CONFIGS))}")
    family = ARCH_MODELS[name]
    parts = dict(ARCH_CONFIGS[name])
    attr = spec(family).denoiser_attr
    parts[attr] = cut_layers(parts[attr], spec(family).layer_keys, num_layers)
    if isinstance(parts.get(f"{attr}_2"), Component):  # a second expert (Wan2.2-A14B) is cut the same
        parts[f"{attr}_2"] = cut_layers(parts[f"{attr}_2"], spec(family).layer_keys, num_layers)
    if text_encoder_mode(family, text_encoder) == "full":
        parts.update(ENCODERS[family])
    return family, parts


def on_meta(component: Component, *, include_buffers: bool = False) -> Any:
    """``component`` built on the meta device (buffers real on the CPU unless ``include_buffers``)."""
    from accelerate import init_empty_weights

    from vbench.models.components import make

    with init_empty_weights(include_buffers=include_buffers):
        return make(component)


def assemble(family: str, parts: dict[str, Any], image: bool = False) -> Any:
    """The family's diffusers pipeline (its image-to-video one with ``image``) from built parts;
    components not given (text encoders) are None."""
    import inspect

    import diffusers

    from vbench.models.specs import pipeline_class

    cls = getattr(diffusers, pipeline_class(family, image))
    wanted = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    kwargs = {p: parts.get(p) for p in wanted}
    return cls(**kwargs)


def build_arch(model: dict[str, Any], *, device: Any, dtype: Any,
               image: bool = False) -> tuple[Any, str, dict[str, Any]]:
    """Build ``model`` (source ``arch``): returns (pipeline, family, extra info).

    With ``model["text_encoder"]`` ``"full"`` (or unset) the published text encoders are real
    pipeline components with hash tokenizers: prompts then go through the pipeline's own
    ``encode_prompt`` (the timed ``text_encode`` stage) at its padded sequence length, exactly the
    call path of a ``hub`` model. With ``"pseudo"`` they are absent and seeded pseudo-embeddings of
    the same shape are passed as ``prompt_embeds`` (no text-encode cost, no encoder memory).
    """
    from vbench.models.components import make
    from vbench.models.materialize import materialize

    start = time.perf_counter()
    family, parts = arch_components(model.get("name"), model.get("num_layers"), model.get("text_encoder"))
    if model.get("family") not in (None, family):
        raise UnsupportedError(f"{model.get('name')} is a {family} model, not {model.get('family')}")
    seed = int(model.get("weights_seed") or 0)
    built: dict[str, Any] = {}
    for index, (key, component) in enumerate(parts.items()):
        if not isinstance(component, Component):  # a pipeline setting (expand_timesteps, boundary_ratio)
            built[key] = component
        elif component.is_model():
            module = on_meta(component)
            built[key] = materialize(module, device=device, dtype=dtype, weights_seed=seed + index)
        else:
            built[key] = make(component)
    pipe = assemble(family, built, image)
    return pipe, family, {"materialize_s": time.perf_counter() - start}


def build_tiny(model: dict[str, Any], *, device: Any, dtype: Any,
               image: bool = False) -> tuple[Any, str, dict[str, Any]]:
    """Build ``model`` (source ``tiny``; its image-to-video pipeline with ``image``): returns
    (pipeline, family, extra info)."""
    from vbench.models.materialize import place
    from vbench.models.tiny import build_components

    family = model["family"]
    parts = build_components(family, int(model.get("weights_seed") or 0), model.get("num_layers"), image=image,
                             name=model.get("name"))
    for obj in parts.values():
        if hasattr(obj, "parameters"):
            place(obj, device=device, dtype=dtype)
    return assemble(family, parts, image), family, {}
