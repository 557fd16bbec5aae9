"""What each family's diffusers pipeline needs from us, as plain data (no torch import).

A :class:`FamilySpec` says which pipeline class to build, where its denoiser lives, which
components encode text, and what the text conditioning looks like (sequence length, width,
masks, pooled vectors), so the same code can make pseudo-embeddings for any source.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FamilySpec:
    """How one family's pipeline is built and called."""

    name: str
    pipeline: str  #: diffusers pipeline class name
    denoiser_attr: str  #: "transformer" or "unet"
    #: pipeline components that turn prompts into embeddings (all must be present for real text)
    text_components: tuple[str, ...]
    #: prompt-embedding width: the denoiser config key that holds it
    text_dim_key: str | None = None
    #: published text sequence length (tokens after the tokenizer's padding/truncation)
    seq_len: int = 0
    #: denoiser config key that fixes the sequence length, when the model has one
    seq_len_key: str | None = None
    mask: str | None = None  #: attention-mask dtype the pipeline's own encoder returns: "bool" | "long"
    pooled_dim_key: str | None = None  #: denoiser config key of the pooled-embedding width
    negatives: bool = True  #: whether classifier-free guidance takes negative embeddings
    zero_pad: bool = False  #: positions after the prompt's tokens are zeros (Wan's umT5 handling)
    #: denoiser config keys that ``num_layers`` cuts (transformer blocks; for the SVD UNet, resnets per block)
    layer_keys: tuple[str, ...] = ("num_layers",)
    #: the method that encodes the text conditioning (timed as the "text_encode" stage); None: no text
    encode_method: str | None = "encode_prompt"
    #: the image-to-video pipeline's method that runs its image encoder (timed as "image_encode"); the
    #: conditioning image's VAE encoding is timed as "vae_encode" in every family
    image_method: str | None = None
    #: pipeline components holding the conditioning encoders' weights (recorded in ``model_info.text_encoder``)
    encoders: tuple[str, ...] = ("text_encoder",)
    #: the ``__call__`` keywords of the prompt embeddings and their mask (``negative_`` is prefixed for negatives)
    embeds_kwargs: tuple[str, str] = ("prompt_embeds", "prompt_attention_mask")
    #: a second text sequence (HunyuanVideo-1.5's ByT5 glyph embeddings): its width's denoiser config key,
    #: published length and keywords; None: one sequence
    text_2_dim_key: str | None = None
    seq_len_2: int = 0
    embeds_2_kwargs: tuple[str, str] | None = None
    #: how the workload's guidance scale reaches the pipeline: "kwarg" (``guidance_scale=``) or "guider"
    #: (the pipeline's ``guider`` component is replaced by one with that ``guidance_scale``)
    guidance: str = "kwarg"
    #: with "kwarg": every keyword that takes the workload's guidance scale (LTX-2: video and audio)
    guidance_kwargs: tuple[str, ...] = ("guidance_scale",)
    #: fixed ``__call__`` keywords (LTX-2: its extra guidance terms off, so guidance is plain CFG)
    call_extras: tuple[tuple[str, object], ...] = ()
    #: the prompt-embedding width as a product of a component's config keys, where no denoiser key holds
    #: it (LTX-2: Gemma's hidden size x (layers + 1), read by its ``connectors``)
    text_dim_of: tuple[str, tuple[str, ...]] | None = None
    pad_left: bool = False  #: the prompt's tokens sit at the end of the sequence (Gemma's left padding)


#: Sequence length used by every tiny pipeline (FACTS.md: embeddings of shape (1, 16, dim)).
TINY_SEQ_LEN = 16

SPECS: dict[str, FamilySpec] = {
    # umT5-XXL, 512 tokens, zero-padded after the prompt (pipeline_wan.py `_get_t5_prompt_embeds`).
    "wan": FamilySpec("wan", "WanPipeline", "transformer", ("tokenizer", "text_encoder"),
                      text_dim_key="text_dim", seq_len=512, zero_pad=True, image_method="encode_image"),
    # T5-XXL, 226 tokens, no mask (max_text_seq_length of the transformer config).
    "cogvideox": FamilySpec("cogvideox", "CogVideoXPipeline", "transformer", ("tokenizer", "text_encoder"),
                            text_dim_key="text_embed_dim", seq_len=226, seq_len_key="max_text_seq_length"),
    # T5-XXL, 128 tokens, boolean mask (pipeline_ltx.py).
    "ltx": FamilySpec("ltx", "LTXPipeline", "transformer", ("tokenizer", "text_encoder"),
                      text_dim_key="caption_channels", seq_len=128, mask="bool"),
    # Llama hidden states (256 tokens after the template crop) + CLIP-L pooled 768; embedded guidance,
    # negatives only with true_cfg_scale > 1, which vbench does not set.
    "hunyuan": FamilySpec("hunyuan", "HunyuanVideoPipeline", "transformer",
                          ("tokenizer", "text_encoder", "tokenizer_2", "text_encoder_2"),
                          text_dim_key="text_embed_dim", seq_len=256, mask="long",
                          pooled_dim_key="pooled_projection_dim", negatives=False,
                          layer_keys=("num_layers", "num_single_layers"), encoders=("text_encoder", "text_encoder_2")),
    # Qwen2.5-VL-7B hidden states (1000 tokens after the system-prompt crop) + ByT5 glyph embeddings
    # (256 tokens), integer masks (pipeline_hunyuan_video1_5.py); guidance through its `guider`, no step
    # callback (steps are marked at each `scheduler.step`).
    "hunyuan15": FamilySpec("hunyuan15", "HunyuanVideo15Pipeline", "transformer",
                            ("tokenizer", "text_encoder", "tokenizer_2", "text_encoder_2"),
                            text_dim_key="text_embed_dim", seq_len=1000, mask="long",
                            encoders=("text_encoder", "text_encoder_2"),
                            embeds_kwargs=("prompt_embeds", "prompt_embeds_mask"),
                            text_2_dim_key="text_embed_2_dim", seq_len_2=256,
                            embeds_2_kwargs=("prompt_embeds_2", "prompt_embeds_mask_2"), guidance="guider"),
    # Gemma 3 hidden states of every layer, stacked (width hidden x (layers + 1)), 1024 tokens, left padded,
    # integer mask (pipeline_ltx2.py). Its spatio-temporal and modality guidance and guidance rescale are
    # turned off, so the workload's guidance scale is plain classifier-free guidance of video and audio
    # (one batched transformer forward per step); the published defaults add two forwards per step.
    "ltx2": FamilySpec("ltx2", "LTX2Pipeline", "transformer", ("tokenizer", "text_encoder"),
                       text_dim_key="text_width", seq_len=1024, mask="long", pad_left=True,
                       guidance_kwargs=("guidance_scale", "audio_guidance_scale"),
                       call_extras=(("stg_scale", 0.0), ("audio_stg_scale", 0.0), ("modality_scale", 1.0),
                                    ("audio_modality_scale", 1.0), ("guidance_rescale", 0.0),
                                    ("audio_guidance_rescale", 0.0), ("spatio_temporal_guidance_blocks", None)),
                       text_dim_of=("connectors", ("caption_channels", "text_proj_in_factor"))),
    # T5-XXL, 256 tokens, boolean mask (pipeline_mochi.py).
    "mochi": FamilySpec("mochi", "MochiPipeline", "transformer", ("tokenizer", "text_encoder"),
                        text_dim_key="text_embed_dim", seq_len=256, seq_len_key="max_sequence_length",
                        mask="bool"),
    # Image-conditioned: a CLIP image encoder always runs on the (pseudo) conditioning image.
    "svd": FamilySpec("svd", "StableVideoDiffusionPipeline", "unet", (), negatives=False,
                      layer_keys=("layers_per_block",), encode_method=None, image_method="_encode_image",
                      encoders=("image_encoder",)),
    # Any other diffusers pipeline (vbench.models.generic): prompts go through its own encoders, its
    # __call__'s keywords say which workload fields it takes, its denoiser is `transformer` or `unet`.
    "generic": FamilySpec("generic", "", "transformer", (), negatives=True, layer_keys=(),
                          image_method="encode_image",
                          encoders=("text_encoder", "text_encoder_2", "text_encoder_3", "image_encoder")),
}


def pipeline_class(family: str, image: bool) -> str:
    """The diffusers pipeline class of ``family``: its image-to-video one when a workload gives an image."""
    from vbench.scenario.families import FAMILIES

    if not image:
        return spec(family).pipeline
    name = FAMILIES[family].i2v_pipeline
    if name is None:
        raise ValueError(f"family {family!r} has no image-to-video pipeline")
    return name


def denoiser_attr(pipe: object, family: str) -> str:
    """Where ``pipe`` keeps its denoiser: the family's attribute, or for a generic pipeline its
    ``transformer`` (else ``unet``).

    Raises:
        ValueError: a generic pipeline with neither (nothing to count steps and FLOPs on).
    """
    if family != "generic":
        return spec(family).denoiser_attr
    for attr in ("transformer", "unet"):
        if getattr(pipe, attr, None) is not None:
            return attr
    raise ValueError(f"{type(pipe).__name__} has no transformer or unet component: vbench times pipelines "
                     "with one denoiser it can hook (steps, latent, FLOPs, optimizations)")


def spec(family: str) -> FamilySpec:
    """The spec of ``family``; a clear error for an unknown name."""
    try:
        return SPECS[family]
    except KeyError:
        raise ValueError(f"unknown model family {family!r}; known: {', '.join(SPECS)}") from None


def text_config(pipe: object, family: str) -> dict:
    """The config :func:`text_shape` reads: the denoiser's, plus ``text_width`` where a component's
    config fixes the embedding width (:attr:`FamilySpec.text_dim_of`)."""
    s = spec(family)
    config = dict(getattr(pipe, denoiser_attr(pipe, family)).config)
    if s.text_dim_of is not None:
        component, keys = s.text_dim_of
        source = getattr(pipe, component).config
        width = 1
        for key in keys:
            width *= int(source[key])
        config["text_width"] = width
    return config


def text_shape(family: str, denoiser_config: dict, *, tiny: bool) -> dict | None:
    """Shape of the prompt conditioning for a denoiser config: ``{"seq_len", "dim", "pooled_dim"}``
    (plus ``"seq_len_2"``, ``"dim_2"`` for a second sequence).

    ``None`` for SVD (conditioned on an image, not text).
    """
    s = spec(family)
    if s.text_dim_key is None:
        return None
    seq_len = TINY_SEQ_LEN if tiny else s.seq_len
    if s.seq_len_key and denoiser_config.get(s.seq_len_key):
        seq_len = int(denoiser_config[s.seq_len_key])
    pooled = int(denoiser_config[s.pooled_dim_key]) if s.pooled_dim_key else None
    shape = {"seq_len": seq_len, "dim": int(denoiser_config[s.text_dim_key]), "pooled_dim": pooled}
    if s.text_2_dim_key:
        shape.update(seq_len_2=TINY_SEQ_LEN if tiny else s.seq_len_2, dim_2=int(denoiser_config[s.text_2_dim_key]))
    return shape
