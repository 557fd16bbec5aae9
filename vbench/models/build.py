"""``build_pipeline``, ``parameter_counts`` and ``text_encoder_counts``: one entry point per question, dispatching on the source."""

from __future__ import annotations

import time
from typing import Any

from vbench.errors import UnsupportedError

SOURCES = ("tiny", "arch", "hub", "local", "object")

_DTYPES = {"fp32": "float32", "float32": "float32", "bf16": "bfloat16", "bfloat16": "bfloat16",
           "fp16": "float16", "float16": "float16"}


def as_dtype(dtype: Any) -> Any:
    """A ``torch.dtype`` from a dtype, a name such as ``"bf16"``, or None (float32)."""
    import torch

    if dtype is None:
        return torch.float32
    if isinstance(dtype, torch.dtype):
        return dtype
    name = _DTYPES.get(str(dtype).removeprefix("torch."))
    if name is None:
        raise ValueError(f"unknown dtype {dtype!r}; use one of {', '.join(_DTYPES)}")
    return getattr(torch, name)


def build_pipeline(model: dict[str, Any], *, device: Any = "cpu", dtype: Any = None,
                   quantization: Any = None, image: bool = False) -> Any:
    """Build the pipeline that ``model`` (a RunSpec's ``model`` mapping) describes.

    Args:
        model: ``{"family", "source", "name", "revision", "path", "weights_seed", "num_layers",
            "text_encoder"}`` (``text_encoder``: ``arch`` only, ``"full"`` when unset or ``"pseudo"``).
        device: where the weights go (``"cpu"``, ``"cuda"``, ``"cuda:1"`` ...).
        dtype: weight dtype (``torch.bfloat16`` or a name like ``"bf16"``); default float32.
            Modules a model marks ``_keep_in_fp32_modules`` stay float32, as with ``from_pretrained``.
        quantization: ``hub``/``local`` only: a diffusers ``PipelineQuantizationConfig`` passed to
            ``from_pretrained`` so the weights load quantized (built by ``vbench.optim.quantize``).
        image: build the family's image-to-video pipeline (the workload gives ``image``); for
            ``hub``/``local`` the files are loaded into that pipeline class.

    Returns:
        A :class:`vbench.models.BuiltPipeline`.

    Raises:
        UnsupportedError: the source cannot be built here (unknown architecture, hub model not
            reachable or cached, missing local directory, ``num_layers`` with real weights).
    """
    import torch

    from vbench.models.arch import build_arch, build_tiny
    from vbench.models.pipeline_handle import finish
    from vbench.models.specs import text_config, text_shape

    dtype = as_dtype(dtype)
    device = torch.device(device)
    source = model.get("source")
    start = time.perf_counter()
    tiny_sized = source == "tiny"
    if source == "tiny":
        pipe, family, extra = build_tiny(model, device=device, dtype=dtype, image=image)
    elif source == "arch":
        pipe, family, extra = build_arch(model, device=device, dtype=dtype, image=image)
    elif source in ("hub", "local"):
        pipe, family, extra = _pretrained(model, device=device, dtype=dtype, quantization=quantization, image=image)
        tiny_sized = _is_tiny_config(family, dict(getattr(pipe, _denoiser_attr(pipe, family)).config))
        if tiny_sized:
            from vbench.models.tiny import adjust

            adjust(family, "vae", pipe.vae)
    else:
        raise UnsupportedError(f"unknown model source {source!r}; known: {', '.join(SOURCES)}")
    text = text_shape(family, text_config(pipe, family), tiny=tiny_sized)
    return finish(pipe, family=family, source=source, name=model.get("name"),
                  embeddings=_embeddings(pipe, family), load_s=time.perf_counter() - start, text=text, extra=extra)


def _embeddings(pipe: Any, family: str) -> str:
    """``"text_encoder"`` when prompts go through the pipeline's own encoders (all of the family's
    present; always for a generic pipeline, which is given prompts only), else ``"pseudo"``."""
    from vbench.models.specs import spec

    s = spec(family)
    has_text = family == "generic" or (
        bool(s.text_components) and all(getattr(pipe, c, None) is not None for c in s.text_components))
    return "text_encoder" if has_text else "pseudo"


def wrap_pipeline(pipe: Any, *, name: str | None = None) -> Any:
    """A pipeline the caller built (``vbench.measure_pipeline``) as a :class:`BuiltPipeline`: its
    family from its class (``generic`` outside the known families), pseudo-embeddings when it holds
    no text encoders, the tiny text length when its denoiser has vbench's tiny config. Its weights
    and device are left as they are.

    Raises:
        UnsupportedError: no diffusers pipeline, or one without a transformer or unet.
    """
    from vbench.models.pipeline_handle import finish
    from vbench.models.pretrained import pipeline_family
    from vbench.models.specs import text_config, text_shape

    family = pipeline_family(pipe)
    config = dict(getattr(pipe, _denoiser_attr(pipe, family)).config)
    text = text_shape(family, text_config(pipe, family), tiny=_is_tiny_config(family, config))
    return finish(pipe, family=family, source="object", name=name or getattr(pipe, "name_or_path", None),
                  embeddings=_embeddings(pipe, family), load_s=0.0, text=text,
                  extra={"built_by": "the caller (vbench.measure_pipeline)"})


def _denoiser_attr(pipe: Any, family: str) -> str:
    """:func:`vbench.models.specs.denoiser_attr`, its error as an :class:`UnsupportedError`."""
    from vbench.models.specs import denoiser_attr

    try:
        return denoiser_attr(pipe, family)
    except ValueError as exc:
        raise UnsupportedError(str(exc)) from None


def _pretrained(model: dict[str, Any], *, device: Any, dtype: Any,
                quantization: Any = None, image: bool = False) -> tuple[Any, str, dict[str, Any]]:
    from vbench.models.pretrained import load_hub, load_local, pipeline_family
    from vbench.models.specs import pipeline_class

    if model.get("num_layers") is not None:
        raise UnsupportedError("num_layers cuts random-weight models only (sources tiny and arch), "
                               f"not {model.get('source')!r} weights")
    load = load_hub if model.get("source") == "hub" else load_local
    # with an image the files load into the family's image-to-video class (Wan2.2-TI2V-5B's files are a
    # WanPipeline's and also make a WanImageToVideoPipeline); without one, into the class they name
    cls = pipeline_class(model["family"], True) if image and model.get("family") not in (None, "generic") else None
    pipe = load(model, dtype=dtype, quantization=quantization, pipeline_class=cls)
    family = pipeline_family(pipe)
    if family == "generic":
        from vbench.models.generic import check_callable

        _denoiser_attr(pipe, family)
        check_callable(pipe, image=image)
    elif not image and pipeline_class(family, False) != type(pipe).__name__ and family != "svd":
        raise UnsupportedError(f"{type(pipe).__name__} generates from an image: give workload.image "
                               "('generated' or the path of an image file)")
    if model.get("family") not in (None, family):
        what = "not of a family vbench knows (family: generic)" if family == "generic" else f"a {family} pipeline"
        raise UnsupportedError(f"{type(pipe).__name__} is {what}, not {model.get('family')}")
    from vbench.models.materialize import realign

    pipe = pipe.to(device)
    copied = sum(realign(m) for m in pipe.components.values() if hasattr(m, "named_parameters"))
    return pipe, family, {"realigned_tensors": copied}


def _is_tiny_config(family: str, config: dict[str, Any]) -> bool:
    """Whether a loaded denoiser has vbench's tiny config (then it gets the tiny text length)."""
    from vbench.models.specs import spec
    from vbench.models.tiny import TINY_I2V, tiny_parts
    from vbench.scenario.families import TINY_NAMES

    if family == "generic":
        return False

    def norm(value: Any) -> Any:
        return list(value) if isinstance(value, (list, tuple)) else value

    skip = set(spec(family).layer_keys)
    variants = [(False, None), *([(True, None)] if family in TINY_I2V else []),
                *((False, n) for n, f in TINY_NAMES.items() if f == family)]
    for image, name in variants:  # the text- or image-to-video tiny, and the tiny stand-ins
        wanted = tiny_parts(family, image, name)[spec(family).denoiser_attr].kwargs
        if all(norm(config.get(k)) == norm(v) for k, v in wanted.items() if k not in skip):
            return True
    return False


def parameter_counts(model: dict[str, Any]) -> dict[str, int]:
    """``{"denoiser": n, "vae": n}`` for ``model``, computed on the meta device (no weight memory);
    ``arch`` and ``tiny`` add ``"other": {component: n}`` for the other weighted components where there
    are any (LTX-2's text connectors, audio VAE and vocoder; Wan2.2-A14B's second expert; an I2V image encoder).

    For ``hub`` and ``local`` only the component configs are read (from the cache when offline).
    The text encoders are counted by :func:`text_encoder_counts`.

    >>> parameter_counts({"family": "wan", "source": "arch", "name": "Wan2.1-T2V-1.3B"})["denoiser"]
    1418996800
    """
    from vbench.models.arch import on_meta
    from vbench.models.materialize import count_parameters
    from vbench.models.specs import spec

    if model.get("source") in ("hub", "local"):
        from vbench.models.pretrained import config_counts

        return config_counts(model, model["family"])
    from vbench.models.components import Component

    family, parts = _component_data(model)
    s = spec(family)
    denoiser = on_meta(parts[s.denoiser_attr], include_buffers=True)
    vae = on_meta(parts["vae"], include_buffers=True)
    counts: dict[str, Any] = {"denoiser": count_parameters(denoiser), "vae": count_parameters(vae)}
    other = {name: count_parameters(on_meta(c, include_buffers=True)) for name, c in parts.items()
             if isinstance(c, Component) and c.is_model() and name not in (s.denoiser_attr, "vae", *s.encoders)}
    if other:
        counts["other"] = other
    return counts


def text_encoder_counts(model: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{component: {"class": name, "parameters": n}}`` of the conditioning encoders ``model`` builds.

    Counted on the meta device (no weight memory), for ``arch`` and ``tiny`` (whose components are
    data). ``arch`` with ``text_encoder: pseudo`` and the tiny text families build none: ``{}``.

    >>> text_encoder_counts({"source": "arch", "name": "Wan2.1-T2V-1.3B"})["text_encoder"]["parameters"]
    5680910336
    """
    from vbench.models.arch import on_meta
    from vbench.models.materialize import count_parameters
    from vbench.models.specs import spec

    family, parts = _component_data(model)
    return {name: {"class": parts[name].cls, "parameters": count_parameters(on_meta(parts[name], include_buffers=True))}
            for name in spec(family).encoders if name in parts}


def _component_data(model: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(family, components as data) of an ``arch`` or ``tiny`` model, cut to its ``num_layers``."""
    from vbench.models.arch import arch_components
    from vbench.models.specs import spec

    source = model.get("source")
    if source == "arch":
        return arch_components(model.get("name"), model.get("num_layers"), model.get("text_encoder"))
    if source == "tiny":
        from vbench.models.components import Component, cut_layers
        from vbench.models.tiny import tiny_parts

        family = model["family"]
        parts = tiny_parts(family, name=model.get("name"))
        attr = spec(family).denoiser_attr
        for key in (attr, f"{attr}_2"):
            if isinstance(parts.get(key), Component):
                parts[key] = cut_layers(parts[key], spec(family).layer_keys, model.get("num_layers"))
        return family, parts
    if source in ("hub", "local"):
        raise UnsupportedError(f"source {source!r} has no component data; its counts come from its config files")
    raise UnsupportedError(f"unknown model source {source!r}; known: {', '.join(SOURCES)}")
