"""The ``tiny`` source: each family's real diffusers pipeline with small seeded random weights.

The sizes are diffusers' own test sizes (recorded in FACTS.md for diffusers 0.42.1); every
family runs on a CPU in well under a second at 32-64 px. Text encoders are left out and
embeddings are passed in directly (see :mod:`vbench.models.embeddings`).
"""

from __future__ import annotations

from typing import Any

from vbench.errors import UnsupportedError
from vbench.models.components import Component

D = "diffusers"
T = "transformers"

TINY: dict[str, dict[str, Component]] = {
    "wan": {
        "transformer": Component(D, "WanTransformer3DModel", dict(
            patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=16,
            out_channels=16, text_dim=32, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True,
            qk_norm="rms_norm_across_heads", rope_max_seq_len=32)),
        "vae": Component(D, "AutoencoderKLWan", dict(
            base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
            temperal_downsample=[False, True, True])),
        "scheduler": Component(D, "FlowMatchEulerDiscreteScheduler", dict(shift=7.0)),
    },
    "cogvideox": {
        "transformer": Component(D, "CogVideoXTransformer3DModel", dict(
            num_attention_heads=4, attention_head_dim=8, in_channels=4, out_channels=4, time_embed_dim=2,
            text_embed_dim=32, num_layers=1, sample_width=2, sample_height=2, sample_frames=9,
            patch_size=2, temporal_compression_ratio=4, max_text_seq_length=16)),
        "vae": Component(D, "AutoencoderKLCogVideoX", dict(
            in_channels=3, out_channels=3, down_block_types=("CogVideoXDownBlock3D",) * 4,
            up_block_types=("CogVideoXUpBlock3D",) * 4, block_out_channels=(8, 8, 8, 8),
            latent_channels=4, layers_per_block=1, norm_num_groups=2, temporal_compression_ratio=4)),
        "scheduler": Component(D, "CogVideoXDDIMScheduler"),
    },
    "ltx": {
        "transformer": Component(D, "LTXVideoTransformer3DModel", dict(
            in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=4,
            attention_head_dim=8, cross_attention_dim=32, num_layers=1, caption_channels=32)),
        "vae": Component(D, "AutoencoderKLLTXVideo", dict(
            in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
            decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
            decoder_layers_per_block=(1, 1, 1, 1, 1), spatio_temporal_scaling=(True, True, False, False),
            decoder_spatio_temporal_scaling=(True, True, False, False), decoder_inject_noise=(False,) * 5,
            upsample_residual=(False,) * 4, upsample_factor=(1, 1, 1, 1), timestep_conditioning=False,
            patch_size=1, patch_size_t=1, encoder_causal=True, decoder_causal=False)),
        "scheduler": Component(D, "FlowMatchEulerDiscreteScheduler"),
    },
    "svd": {
        "unet": Component(D, "UNetSpatioTemporalConditionModel", dict(
            block_out_channels=(32, 64), layers_per_block=2, sample_size=32, in_channels=8, out_channels=4,
            down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
            up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
            cross_attention_dim=32, num_attention_heads=8, projection_class_embeddings_input_dim=96,
            addition_time_embed_dim=32)),
        # An 8x VAE: the 2x test VAE made 128 px x 32 frames take 190 s (FACTS.md).
        "vae": Component(D, "AutoencoderKLTemporalDecoder", dict(
            block_out_channels=[32, 32, 32, 32], in_channels=3, out_channels=3,
            down_block_types=["DownEncoderBlock2D"] * 4, latent_channels=4)),
        "image_encoder": Component(T, "CLIPVisionModelWithProjection", dict(
            hidden_size=32, projection_dim=32, num_hidden_layers=5, num_attention_heads=4, image_size=32,
            intermediate_size=37, patch_size=1), config_cls="CLIPVisionConfig"),
        "feature_extractor": Component(T, "CLIPImageProcessor", dict(crop_size=32, size=32)),
        "scheduler": Component(D, "EulerDiscreteScheduler", dict(
            beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", interpolation_type="linear",
            num_train_timesteps=1000, prediction_type="v_prediction", sigma_max=700.0, sigma_min=0.002,
            steps_offset=1, timestep_spacing="leading", timestep_type="continuous", use_karras_sigmas=True)),
    },
    "hunyuan": {
        "transformer": Component(D, "HunyuanVideoTransformer3DModel", dict(
            in_channels=4, out_channels=4, num_attention_heads=2, attention_head_dim=10, num_layers=1,
            num_single_layers=1, num_refiner_layers=1, patch_size=1, patch_size_t=1, guidance_embeds=True,
            text_embed_dim=16, pooled_projection_dim=8, rope_axes_dim=(2, 4, 4))),
        "vae": Component(D, "AutoencoderKLHunyuanVideo", dict(
            in_channels=3, out_channels=3, latent_channels=4, down_block_types=("HunyuanVideoDownBlock3D",) * 4,
            up_block_types=("HunyuanVideoUpBlock3D",) * 4, block_out_channels=(8, 8, 8, 8), layers_per_block=1,
            act_fn="silu", norm_num_groups=4, scaling_factor=0.476986, spatial_compression_ratio=8,
            temporal_compression_ratio=4, mid_block_add_attention=True)),
        "scheduler": Component(D, "FlowMatchEulerDiscreteScheduler", dict(shift=7.0)),
    },
    # diffusers' HunyuanVideo15Pipeline test: 4 latent + 4 image-latent + 1 mask channels in, a 4x / 2x VAE
    "hunyuan15": {
        "transformer": Component(D, "HunyuanVideo15Transformer3DModel", dict(
            in_channels=9, out_channels=4, num_attention_heads=2, attention_head_dim=8, num_layers=1,
            num_refiner_layers=1, mlp_ratio=2.0, patch_size=1, patch_size_t=1, text_embed_dim=16,
            text_embed_2_dim=32, image_embed_dim=12, rope_axes_dim=(2, 2, 4), target_size=16, task_type="t2v")),
        "vae": Component(D, "AutoencoderKLHunyuanVideo15", dict(
            in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(16, 16), layers_per_block=1,
            spatial_compression_ratio=4, temporal_compression_ratio=2, downsample_match_channel=False,
            upsample_match_channel=False)),
        "scheduler": Component(D, "FlowMatchEulerDiscreteScheduler", dict(shift=7.0)),
        "guider": Component(D, "ClassifierFreeGuidance", dict(guidance_scale=6.0)),
    },
    # diffusers' LTX2Pipeline test sizes; the connectors take a 32-wide, 2-layer Gemma's stacked hidden
    # states (width 32 x 3 = 96: the test's tiny Gemma 3 is replaced by pseudo-embeddings); a 2x / 2x VAE
    "ltx2": {
        "transformer": Component(D, "LTX2VideoTransformer3DModel", dict(
            in_channels=4, out_channels=4, patch_size=1, patch_size_t=1, num_attention_heads=2, attention_head_dim=8,
            cross_attention_dim=16, audio_in_channels=4, audio_out_channels=4, audio_num_attention_heads=2,
            audio_attention_head_dim=4, audio_cross_attention_dim=8, num_layers=2, qk_norm="rms_norm_across_heads",
            caption_channels=32, rope_double_precision=False, rope_type="split")),
        "connectors": Component("diffusers.pipelines.ltx2", "LTX2TextConnectors", dict(
            caption_channels=32, text_proj_in_factor=3, video_connector_num_attention_heads=4,
            video_connector_attention_head_dim=8, video_connector_num_layers=1,
            video_connector_num_learnable_registers=None, audio_connector_num_attention_heads=4,
            audio_connector_attention_head_dim=8, audio_connector_num_layers=1,
            audio_connector_num_learnable_registers=None, connector_rope_base_seq_len=32, rope_theta=10000.0,
            rope_double_precision=False, causal_temporal_positioning=False, rope_type="split")),
        "vae": Component(D, "AutoencoderKLLTX2Video", dict(
            in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8,), decoder_block_out_channels=(8,),
            layers_per_block=(1,), decoder_layers_per_block=(1, 1), spatio_temporal_scaling=(True,),
            decoder_spatio_temporal_scaling=(True,), decoder_inject_noise=(False, False), downsample_type=("spatial",),
            upsample_residual=(False,), upsample_factor=(1,), timestep_conditioning=False, patch_size=1,
            patch_size_t=1, encoder_causal=True, decoder_causal=False)),
        "audio_vae": Component(D, "AutoencoderKLLTX2Audio", dict(
            base_channels=4, output_channels=2, ch_mult=(1,), num_res_blocks=1, attn_resolutions=None, in_channels=2,
            resolution=32, latent_channels=2, norm_type="pixel", causality_axis="height", dropout=0.0,
            mid_block_add_attention=False, sample_rate=16000, mel_hop_length=160, is_causal=True, mel_bins=8)),
        "vocoder": Component("diffusers.pipelines.ltx2.vocoder", "LTX2Vocoder", dict(
            in_channels=16, hidden_channels=32, out_channels=2, upsample_kernel_sizes=[4, 4], upsample_factors=[2, 2],
            resnet_kernel_sizes=[3], resnet_dilations=[[1, 3, 5]], leaky_relu_negative_slope=0.1,
            output_sampling_rate=16000)),
        "scheduler": Component(D, "FlowMatchEulerDiscreteScheduler"),
    },
    "mochi": {
        "transformer": Component(D, "MochiTransformer3DModel", dict(
            patch_size=2, num_attention_heads=2, attention_head_dim=8, num_layers=2, pooled_projection_dim=16,
            in_channels=12, out_channels=None, qk_norm="rms_norm", text_embed_dim=32, time_embed_dim=4,
            activation_fn="swiglu", max_sequence_length=16)),
        "vae": Component(D, "AutoencoderKLMochi", dict(
            latent_channels=12, out_channels=3, encoder_block_out_channels=(32,) * 4,
            decoder_block_out_channels=(32,) * 4, layers_per_block=(1, 1, 1, 1, 1))),
        "scheduler": Component(D, "FlowMatchEulerDiscreteScheduler"),
    },
}


#: Image-to-video: the components that differ from :data:`TINY` (diffusers' own I2V test sizes).
#: Wan takes 16 noise + 16 image-latent + 4 mask channels and a CLIP image embedding; CogVideoX
#: concatenates the image latent to the noise; HunyuanVideo and LTX-Video replace the first latent
#: frame with the image's; SVD is image-conditioned already.
TINY_I2V: dict[str, dict[str, Component]] = {
    "wan": {
        "transformer": Component(D, "WanTransformer3DModel", dict(
            patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=36,
            out_channels=16, text_dim=32, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True,
            qk_norm="rms_norm_across_heads", rope_max_seq_len=32, image_dim=4)),
        "image_encoder": Component(T, "CLIPVisionModelWithProjection", dict(
            hidden_size=4, projection_dim=4, num_hidden_layers=2, num_attention_heads=2, image_size=32,
            intermediate_size=16, patch_size=1), config_cls="CLIPVisionConfig"),
        "image_processor": Component(T, "CLIPImageProcessor", dict(crop_size=32, size=32)),
    },
    "cogvideox": {
        # RoPE instead of the test's learned positional embeddings, which would fix the size to 16 px
        "transformer": Component(D, "CogVideoXTransformer3DModel", dict(
            num_attention_heads=2, attention_head_dim=16, in_channels=8, out_channels=4, time_embed_dim=2,
            text_embed_dim=32, num_layers=1, sample_width=2, sample_height=2, sample_frames=9, patch_size=2,
            temporal_compression_ratio=4, max_text_seq_length=16, use_rotary_positional_embeddings=True,
            use_learned_positional_embeddings=False)),
    },
    "ltx": {},
    "hunyuan": {
        # "token_replace" (the 16-channel HunyuanVideo-I2V): the first latent frame is the image's; with
        # diffusers' "latent_concat" the pipeline returns 4 frames fewer than asked for
        "transformer": Component(D, "HunyuanVideoTransformer3DModel", dict(
            in_channels=4, out_channels=4, num_attention_heads=2, attention_head_dim=10, num_layers=1,
            num_single_layers=1, num_refiner_layers=1, patch_size=1, patch_size_t=1, guidance_embeds=True,
            text_embed_dim=16, pooled_projection_dim=8, rope_axes_dim=(2, 4, 4),
            image_condition_type="token_replace")),
        # used by the LLaVA prompt encoder only, which pseudo-embeddings replace
        "image_processor": Component(T, "CLIPImageProcessor", dict(crop_size=32, size=32)),
    },
    "svd": {},
}


#: The UniPC flow-matching scheduler of diffusers' Wan2.2 tests (the published Wan2.2 models use UniPC)
_WAN22_SCHEDULER = Component(D, "UniPCMultistepScheduler", dict(
    prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0))

#: Tiny stand-ins of published architectures (``source: tiny`` with ``name``; the names are
#: :data:`vbench.scenario.families.TINY_NAMES`): what replaces or joins the family's tiny parts --
#: components, and pipeline settings as plain values. Sizes from diffusers' tests/pipelines/wan/test_wan_22.py.
TINY_NAMED: dict[str, dict[str, Any]] = {
    # two experts of the tiny Wan transformer's size; the high-noise one while t >= 0.875 x 1000
    "Wan2.2-T2V-A14B": {
        "transformer_2": TINY["wan"]["transformer"],
        "scheduler": _WAN22_SCHEDULER,
        "boundary_ratio": 0.875,
    },
    # the Wan2.2 VAE's shape: 48 latent channels, 2x2 pixel patches (16x spatial, 4x temporal), residual
    # blocks; the transformer takes 48 channels; a timestep per latent token (expand_timesteps); an image
    # is conditioned on through the VAE alone (no image encoder)
    "Wan2.2-TI2V-5B": {
        "transformer": TINY["wan"]["transformer"].with_kwargs(in_channels=48, out_channels=48),
        "vae": Component(D, "AutoencoderKLWan", dict(
            base_dim=3, z_dim=48, in_channels=12, out_channels=12, is_residual=True, patch_size=2,
            latents_mean=[0.0] * 48, latents_std=[1.0] * 48, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
            scale_factor_spatial=16, scale_factor_temporal=4, temperal_downsample=[False, True, True])),
        "scheduler": _WAN22_SCHEDULER,
        "expand_timesteps": True,
    },
}


def tiny_parts(family: str, image: bool = False, name: str | None = None) -> dict[str, Any]:
    """The tiny components of ``family`` as data (with ``name`` a stand-in's, :data:`TINY_NAMED`, whose
    pipeline settings are plain values); with ``image`` its image-to-video ones."""
    parts: dict[str, Any] = dict(TINY[family])
    if name is not None:
        if name not in TINY_NAMED:
            raise UnsupportedError(f"no tiny stand-in named {name!r}; known: {', '.join(TINY_NAMED)}")
        parts.update(TINY_NAMED[name])
        return parts  # a stand-in takes an image as its architecture does (Wan2.2-TI2V-5B: through its VAE)
    if image:
        if family not in TINY_I2V:
            raise UnsupportedError(f"family {family!r} has no image-to-video pipeline; its runs take no workload.image")
        parts.update(TINY_I2V[family])
    return parts


def adjust(family: str, name: str, obj: Any) -> None:
    """Fix-ups the tiny sizes need after construction (as in diffusers' own tests)."""
    if family == "mochi" and name == "transformer":
        # Uninitialised frequencies (torch.empty-like) would make outputs depend on memory contents.
        obj.pos_frequencies.data.zero_()
    if family in ("ltx", "ltx2") and name == "vae":
        # Frame-wise encoding/decoding assumes the published VAE's 8x temporal compression.
        obj.use_framewise_encoding = False
        obj.use_framewise_decoding = False


def build_components(family: str, weights_seed: int, num_layers: int | None = None,
                     image: bool = False, name: str | None = None) -> dict[str, Any]:
    """Instantiate the tiny components of ``family`` (or of the stand-in ``name``) in float32 on the CPU.

    Each model component is built right after ``torch.manual_seed(weights_seed + i)`` (inside a
    forked RNG, so the caller's random state is untouched): bit-identical across processes.
    """
    import torch

    from vbench.models.components import cut_layers, make
    from vbench.models.specs import spec

    parts = tiny_parts(family, image, name)
    denoiser_attr = spec(family).denoiser_attr
    for attr in (denoiser_attr, f"{denoiser_attr}_2"):  # a second expert is cut the same
        if isinstance(parts.get(attr), Component):
            parts[attr] = cut_layers(parts[attr], spec(family).layer_keys, num_layers)
    built: dict[str, Any] = {}
    with torch.random.fork_rng(devices=[]):
        for index, (key, component) in enumerate(parts.items()):
            if not isinstance(component, Component):  # a pipeline setting (boundary_ratio, expand_timesteps)
                built[key] = component
                continue
            torch.manual_seed(int(weights_seed) + index)
            obj = make(component)
            adjust(family, key, obj)
            built[key] = obj
    return built
