"""The result of building a pipeline: the diffusers pipeline plus what the harness needs to run it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class BuiltPipeline:
    """A ready diffusers pipeline and how to call and instrument it.

    Attributes:
        pipe: the diffusers ``DiffusionPipeline`` (WanPipeline, CogVideoXPipeline, ...).
        family: wan | cogvideox | ltx | svd | hunyuan | hunyuan15 | ltx2 | mochi, or generic (any
            other diffusers pipeline, :mod:`vbench.models.generic`).
        source: tiny | arch | hub | local.
        denoiser_attr: the pipeline attribute holding the denoiser ("transformer" or "unet").
        embeddings: "pseudo" (no text encoder: seeded pseudo-embeddings; for SVD a seeded pseudo
            conditioning image) or "text_encoder" (prompts go through the real encoders).
        load_s: wall seconds spent building or loading.
        info: plain-JSON facts: ``denoiser_params``, ``vae_params``, ``config`` (the denoiser's),
            ``name``, ``text`` (conditioning shape), ``dtype``, ``device``, ``text_encoder``
            (``{"mode": "full" | "pseudo", "components": {...}}``, see :func:`encoder_info`).
        stage_methods: ``{"text_encode": (obj, name), "vae_decode": (obj, name), ...}``, methods the
            harness may wrap to time those stages (:func:`stage_methods`).

    Example (CPU, a second or two):

    >>> from vbench.models import build_pipeline
    >>> built = build_pipeline({"family": "wan", "source": "tiny", "weights_seed": 0})
    >>> kw = built.call_kwargs({"prompt": "a fox", "seed": 0, "num_frames": 5, "height": 32,
    ...                         "width": 32, "num_inference_steps": 2, "guidance_scale": 5.0}, device="cpu")
    >>> built.pipe(**kw).frames.shape
    (1, 5, 32, 32, 3)
    """

    pipe: Any
    family: str
    source: str
    denoiser_attr: str
    embeddings: str
    load_s: float
    info: dict[str, Any] = field(default_factory=dict)
    stage_methods: dict[str, tuple[Any, str]] = field(default_factory=dict)
    #: objects with ``name``, ``begin_call()``, ``end_call()``, ``summary()`` and ``remove()`` that an
    #: optimization attached (the cache counter): called around every pipeline call by the harness
    call_trackers: list[Any] = field(default_factory=list)
    #: the conditioning image of the last workload (``image_of``): what the record's ``image`` says
    image_info: dict[str, Any] | None = None
    #: a pipeline outside the known families: how it is called and timed (the record's ``generic``)
    generic: dict[str, Any] | None = None
    _image: tuple[Any, Any] | None = field(default=None, repr=False)

    def image_of(self, workload: dict[str, Any]) -> Any:
        """The workload's conditioning image (a ``PIL.Image``), read or generated once per workload;
        None for text-to-video. Its description is kept in ``self.image_info`` for the record."""
        from vbench.models.conditioning_image import conditioning_image

        key = (workload.get("image"), workload.get("image_sha256"), workload.get("prompt"), workload.get("seed"),
               workload.get("height"), workload.get("width"))
        if self._image is None or self._image[0] != key:
            found = conditioning_image(workload)
            self._image = (key, None if found is None else found[0])
            self.image_info = None if found is None else found[1]
        return self._image[1]

    def call_kwargs(self, workload: dict[str, Any], *, device: Any) -> dict[str, Any]:
        """Complete kwargs for ``self.pipe(**kw)`` from a RunSpec workload (frames as floats in [0, 1])."""
        from vbench.models.calls import call_kwargs

        return call_kwargs(self, workload, device=device)

    @property
    def denoiser(self) -> Any:
        """The transformer or UNet."""
        return getattr(self.pipe, self.denoiser_attr)

    @property
    def vae(self) -> Any:
        """The VAE."""
        return self.pipe.vae


def finish(pipe: Any, *, family: str, source: str, name: str | None, embeddings: str, load_s: float,
           text: dict[str, Any] | None, extra: dict[str, Any] | None = None) -> BuiltPipeline:
    """Wrap a built pipeline: progress bar off, stage methods and info filled in."""
    from vbench.models.materialize import count_parameters
    from vbench.models.specs import denoiser_attr

    attr = denoiser_attr(pipe, family)
    pipe.set_progress_bar_config(disable=True)
    denoiser = getattr(pipe, attr)
    info: dict[str, Any] = {
        "name": name,
        "denoiser_params": count_parameters(denoiser),
        "vae_params": count_parameters(pipe.vae) if getattr(pipe, "vae", None) is not None else None,
        "config": _plain(dict(denoiser.config)),
        "text": text,
        "dtype": str(denoiser.dtype).removeprefix("torch."),
        "device": str(denoiser.device),
    }
    encoder = getattr(pipe, "image_encoder", None)
    if encoder is not None:
        info["image_encoder_params"] = count_parameters(encoder)
    info["text_encoder"] = encoder_info(pipe, family, source, embeddings)
    info.update(extra or {})
    methods = stage_methods(pipe, family)
    generic = None
    if family == "generic":
        from vbench.models.generic import describe

        generic = describe(pipe, attr, methods)
    return BuiltPipeline(
        pipe=pipe, family=family, source=source, denoiser_attr=attr, embeddings=embeddings,
        load_s=load_s, info=info, stage_methods=methods, generic=generic,
    )


def stage_methods(pipe: Any, family: str) -> dict[str, tuple[Any, str]]:
    """The methods timed as stages: text and image encoding where the family has them, the VAE's
    encoding of a conditioning image (inside ``prepare_latents``) and its decode; for a pipeline that
    makes sound (LTX-2) its text connectors, audio VAE decode and vocoder."""
    from vbench.models.specs import spec

    s = spec(family)
    methods: dict[str, tuple[Any, str]] = {}
    if family == "generic":  # whatever of these the pipeline has (vbench.models.generic)
        from vbench.models.generic import image_stage, text_stage

        methods.update({name: found for name, found in (("text_encode", text_stage(pipe)),
                                                        ("image_encode", image_stage(pipe))) if found})
    if s.encode_method and family != "generic":
        methods["text_encode"] = (pipe, s.encode_method)
    if s.image_method and family != "generic" and getattr(pipe, "image_encoder", None) is not None:
        methods["image_encode"] = (pipe, s.image_method)
    if getattr(pipe, "connectors", None) is not None:  # LTX-2's text connectors, run after the encoder
        methods["text_connect"] = (pipe.connectors, "forward")
    vae = getattr(pipe, "vae", None)
    methods["vae_encode"] = (vae, "encode")  # a pipeline without a VAE (generic) has no such stage
    methods["vae_decode"] = (vae, "decode")
    if getattr(pipe, "audio_vae", None) is not None:  # LTX-2's sound: mel spectrogram, then waveform
        methods["audio_decode"] = (pipe.audio_vae, "decode")
    if getattr(pipe, "vocoder", None) is not None:
        methods["vocode"] = (pipe.vocoder, "forward")
    return methods


def encoder_info(pipe: Any, family: str, source: str, embeddings: str) -> dict[str, Any]:
    """``{"mode": "full" | "pseudo", "components": {name: {"class", "parameters"}}}`` of a pipeline.

    ``full``: the pipeline's own conditioning encoders, at their published (``arch``) or loaded
    (``hub``/``local``) size, run inside the timed ``text_encode`` stage. ``pseudo``: seeded
    pseudo-embeddings stand in for them (``tiny``, ``arch`` with ``text_encoder: pseudo``, a
    ``local`` directory without encoders); tiny SVD's small image encoder is listed but is not full.
    """
    from vbench.models.materialize import count_parameters
    from vbench.models.specs import spec

    s = spec(family)
    components = {name: {"class": type(module).__name__, "parameters": count_parameters(module)}
                  for name in s.encoders if (module := getattr(pipe, name, None)) is not None}
    runs = embeddings == "text_encoder" if s.text_components or family == "generic" else bool(components)
    return {"mode": "full" if runs and source != "tiny" else "pseudo", "components": components}


def _plain(value: Any) -> Any:
    """A JSON-compatible copy (tuples to lists, private keys and odd objects dropped or stringified)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
