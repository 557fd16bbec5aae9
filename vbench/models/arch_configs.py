"""Published architectures (``source: arch``): the hyperparameters of each released model.

Each entry holds the denoiser, VAE and scheduler (and for SVD the CLIP image encoder) as
:class:`Component` data; the weights are random (see :mod:`vbench.models.arch`). Numbers come
from the released ``config.json`` files as reproduced by diffusers' own conversion scripts
(``scripts/convert_<family>_to_diffusers.py`` in huggingface/diffusers), cited per entry. Where a
script builds a class with its defaults (``AutoencoderKLWan()``), the values are written out
here anyway so a change of diffusers' defaults cannot change what "Wan2.1-T2V-1.3B" means.

The text encoders (umT5-XXL, T5-XXL, Llama + CLIP-L) are in :mod:`vbench.models.arch_text_encoders`;
with ``text_encoder: pseudo`` they are left out and pseudo-embeddings of the real width and length
stand in (see :mod:`vbench.models.specs`).
"""

from __future__ import annotations

from vbench.models.arch_text_encoders import CLIP_VIT_H14_VISION
from vbench.models.components import Component

D = "diffusers"
T = "transformers"


def _wan(heads: int, ffn: int, layers: int) -> dict[str, Component]:
    # convert_wan_to_diffusers.py, get_transformer_config("Wan-T2V-1.3B" / "Wan-T2V-14B") = the
    # transformer/config.json of Wan-AI/Wan2.1-T2V-{1.3B,14B}-Diffusers; rope_max_seq_len 1024 there too.
    return {
        "transformer": Component(D, "WanTransformer3DModel", dict(
            patch_size=(1, 2, 2), num_attention_heads=heads, attention_head_dim=128, in_channels=16,
            out_channels=16, text_dim=4096, freq_dim=256, ffn_dim=ffn, num_layers=layers,
            cross_attn_norm=True, qk_norm="rms_norm_across_heads", eps=1e-6, image_dim=None,
            added_kv_proj_dim=None, rope_max_seq_len=1024)),
        # convert_vae(): AutoencoderKLWan() with the Wan2.1_VAE.pth weights (shared by 1.3B and 14B);
        # vae/config.json: base_dim 96, z_dim 16, dim_mult [1,2,4,4], num_res_blocks 2, attn_scales [],
        # temperal_downsample [false,true,true].
        "vae": Component(D, "AutoencoderKLWan", dict(
            base_dim=96, z_dim=16, dim_mult=[1, 2, 4, 4], num_res_blocks=2, attn_scales=[],
            temperal_downsample=[False, True, True], dropout=0.0)),
        # The script's T2V scheduler: UniPC, flow prediction, flow_shift 3.0 (5.0 is advised for 720p).
        "scheduler": Component(D, "UniPCMultistepScheduler", dict(
            prediction_type="flow_prediction", use_flow_sigmas=True, num_train_timesteps=1000, flow_shift=3.0)),
    }


def _cogvideox(heads: int, layers: int, rope: bool, vae_scale: float, snr_shift: float) -> dict[str, Component]:
    # convert_cogvideox_to_diffusers.py: "For CogVideoX-2B, num_layers is 30. For 5B, it is 42";
    # heads 30 / 48; RoPE off for 2B, on for 5B; the other values are the transformer/config.json
    # fields (head dim 64, 16 latent channels, T5 4096-d x 226 tokens, 60x90 latents x 49 frames).
    return {
        "transformer": Component(D, "CogVideoXTransformer3DModel", dict(
            num_attention_heads=heads, attention_head_dim=64, in_channels=16, out_channels=16,
            flip_sin_to_cos=True, freq_shift=0, time_embed_dim=512, text_embed_dim=4096, num_layers=layers,
            dropout=0.0, attention_bias=True, sample_width=90, sample_height=60, sample_frames=49,
            patch_size=2, temporal_compression_ratio=4, max_text_seq_length=226,
            activation_fn="gelu-approximate", timestep_activation_fn="silu", norm_elementwise_affine=True,
            norm_eps=1e-5, spatial_interpolation_scale=1.875, temporal_interpolation_scale=1.0,
            use_rotary_positional_embeddings=rope, use_learned_positional_embeddings=False)),
        # Same script: "For CogVideoX-2B, scaling_factor is 1.15258426. For 5B, it is 0.7"; vae/config.json:
        # block_out_channels (128,256,256,512), latent 16, layers_per_block 3, 32 groups, 4x time.
        "vae": Component(D, "AutoencoderKLCogVideoX", dict(
            in_channels=3, out_channels=3,
            down_block_types=("CogVideoXDownBlock3D",) * 4, up_block_types=("CogVideoXUpBlock3D",) * 4,
            block_out_channels=(128, 256, 256, 512), latent_channels=16, layers_per_block=3, act_fn="silu",
            norm_eps=1e-6, norm_num_groups=32, temporal_compression_ratio=4, sample_height=480,
            sample_width=720, scaling_factor=vae_scale)),
        # Script scheduler (snr_shift_scale 3.0 for 2B); CogVideoX-5b's scheduler_config.json uses 1.0.
        "scheduler": Component(D, "CogVideoXDDIMScheduler", dict(
            snr_shift_scale=snr_shift, beta_end=0.012, beta_schedule="scaled_linear", beta_start=0.00085,
            clip_sample=False, num_train_timesteps=1000, prediction_type="v_prediction",
            rescale_betas_zero_snr=True, set_alpha_to_one=True, timestep_spacing="trailing")),
    }


# Wan2.2's VAE (convert_wan_to_diffusers.py, vae22_diffusers_config, for Wan-AI/Wan2.2-TI2V-5B's
# Wan2.2_VAE.pth): 4x16x16 compression -- a residual VAE of 48 latent channels that folds 2x2 pixels into
# 12 input channels (patch_size 2) on top of 8x8 -- with the published per-channel latent statistics.
_WAN22_LATENTS_MEAN = [
    -0.2289, -0.0052, -0.1323, -0.2339, -0.2799, 0.0174, 0.1838, 0.1557, -0.1382, 0.0542, 0.2813, 0.0891,
    0.157, -0.0098, 0.0375, -0.1825, -0.2246, -0.1207, -0.0698, 0.5109, 0.2665, -0.2108, -0.2158, 0.2502,
    -0.2055, -0.0322, 0.1109, 0.1567, -0.0729, 0.0899, -0.2799, -0.123, -0.0313, -0.1649, 0.0117, 0.0723,
    -0.2839, -0.2083, -0.052, 0.3748, 0.0152, 0.1957, 0.1433, -0.2944, 0.3573, -0.0548, -0.1681, -0.0667]
_WAN22_LATENTS_STD = [
    0.4765, 1.0364, 0.4514, 1.1677, 0.5313, 0.499, 0.4818, 0.5013, 0.8158, 1.0344, 0.5894, 1.0901,
    0.6885, 0.6165, 0.8454, 0.4978, 0.5759, 0.3523, 0.7135, 0.6804, 0.5833, 1.4146, 0.8986, 0.5659,
    0.7069, 0.5338, 0.4889, 0.4917, 0.4069, 0.4999, 0.6866, 0.4093, 0.5709, 0.6065, 0.6415, 0.4944,
    0.5726, 1.2042, 0.5458, 1.6887, 0.3971, 1.06, 0.3943, 0.5537, 0.5444, 0.4089, 0.7468, 0.7744]


def _wan22_ti2v_5b() -> dict[str, Component | object]:
    # convert_wan_to_diffusers.py, get_transformer_config("Wan2.2-TI2V-5B") (model_id Wan-AI/Wan2.2-TI2V-5B):
    # 24 heads x 128, ffn 14336, 30 layers, 48 latent channels in and out; rope_max_seq_len its default, 1024.
    return {
        "transformer": Component(D, "WanTransformer3DModel", dict(
            patch_size=(1, 2, 2), num_attention_heads=24, attention_head_dim=128, in_channels=48,
            out_channels=48, text_dim=4096, freq_dim=256, ffn_dim=14336, num_layers=30,
            cross_attn_norm=True, qk_norm="rms_norm_across_heads", eps=1e-6, image_dim=None,
            added_kv_proj_dim=None, rope_max_seq_len=1024)),
        "vae": Component(D, "AutoencoderKLWan", dict(
            base_dim=160, z_dim=48, is_residual=True, in_channels=12, out_channels=12, decoder_base_dim=256,
            scale_factor_temporal=4, scale_factor_spatial=16, patch_size=2, latents_mean=_WAN22_LATENTS_MEAN,
            latents_std=_WAN22_LATENTS_STD)),  # the script's clip_output=False: diffusers 0.42.1 has no such field
        # the script's scheduler for TI2V: UniPC, flow prediction, flow_shift 5.0
        "scheduler": Component(D, "UniPCMultistepScheduler", dict(
            prediction_type="flow_prediction", use_flow_sigmas=True, num_train_timesteps=1000, flow_shift=5.0)),
        # the script's WanPipeline(..., expand_timesteps=True): a timestep per latent token (TI2V)
        "expand_timesteps": True,
    }


def _wan22_t2v_a14b() -> dict[str, Component | object]:
    # convert_wan_to_diffusers.py: get_transformer_config("Wan2.2-T2V-A14B") (model_id Wan-AI/Wan2.2-T2V-A14B)
    # is the Wan2.1-14B transformer (40 heads x 128, ffn 13824, 40 layers), converted twice: the high-noise
    # expert as `transformer`, the low-noise one as `transformer_2`; the Wan2.1 VAE (convert_vae());
    # UniPC with flow_shift 3.0; WanPipeline(..., boundary_ratio=0.875): the high-noise expert denoises
    # while t >= 0.875 x 1000, the low-noise one after.
    parts: dict[str, Component | object] = dict(_wan(heads=40, ffn=13824, layers=40))
    parts["transformer_2"] = parts["transformer"]
    parts["boundary_ratio"] = 0.875
    return parts


def _wan21_i2v_14b_480p() -> dict[str, Component | object]:
    # convert_wan_to_diffusers.py, get_transformer_config("Wan-I2V-14B-480p") (model_id
    # StevenZhang/Wan2.1-I2V-14B-480P-Diff): the 14B transformer with 36 input channels (16 noise + 16
    # image latent + 4 mask), a 1280-wide CLIP image embedding and 5120-wide added K/V projections; the
    # Wan2.1 VAE and UniPC flow_shift 3.0; its WanImageToVideoPipeline takes the open-CLIP ViT-H/14 image
    # encoder (laion/CLIP-ViT-H-14-laion2B-s32B-b79K) and its 224 px processor.
    parts: dict[str, Component | object] = dict(_wan(heads=40, ffn=13824, layers=40))
    parts["transformer"] = parts["transformer"].with_kwargs(in_channels=36, image_dim=1280, added_kv_proj_dim=5120)
    parts["image_encoder"] = CLIP_VIT_H14_VISION
    parts["image_processor"] = Component(T, "CLIPImageProcessor", dict(crop_size=224, size=224))
    return parts


ARCH_CONFIGS: dict[str, dict[str, Component | object]] = {
    "Wan2.1-T2V-1.3B": _wan(heads=12, ffn=8960, layers=30),
    "Wan2.1-T2V-14B": _wan(heads=40, ffn=13824, layers=40),
    "Wan2.2-TI2V-5B": _wan22_ti2v_5b(),
    "Wan2.2-T2V-A14B": _wan22_t2v_a14b(),
    "Wan2.1-I2V-14B-480P": _wan21_i2v_14b_480p(),
    "CogVideoX-2b": _cogvideox(heads=30, layers=30, rope=False, vae_scale=1.15258426, snr_shift=3.0),
    "CogVideoX-5b": _cogvideox(heads=48, layers=42, rope=True, vae_scale=0.7, snr_shift=1.0),
    # LTX-Video 0.9.0 (2B): convert_ltx_to_diffusers.py builds LTXVideoTransformer3DModel() (values below)
    # and get_vae_config("0.9.0"); its scheduler: dynamic shifting 0.95..2.05, shift_terminal 0.1.
    "LTX-Video": {
        "transformer": Component(D, "LTXVideoTransformer3DModel", dict(
            in_channels=128, out_channels=128, patch_size=1, patch_size_t=1, num_attention_heads=32,
            attention_head_dim=64, cross_attention_dim=2048, num_layers=28, activation_fn="gelu-approximate",
            qk_norm="rms_norm_across_heads", norm_elementwise_affine=False, norm_eps=1e-6,
            caption_channels=4096, attention_bias=True, attention_out_bias=True)),
        "vae": Component(D, "AutoencoderKLLTXVideo", dict(
            in_channels=3, out_channels=3, latent_channels=128, block_out_channels=(128, 256, 512, 512),
            decoder_block_out_channels=(128, 256, 512, 512), layers_per_block=(4, 3, 3, 3, 4),
            decoder_layers_per_block=(4, 3, 3, 3, 4), spatio_temporal_scaling=(True, True, True, False),
            decoder_spatio_temporal_scaling=(True, True, True, False),
            decoder_inject_noise=(False, False, False, False, False), upsample_residual=(False, False, False, False),
            upsample_factor=(1, 1, 1, 1), patch_size=4, patch_size_t=1, resnet_norm_eps=1e-6,
            scaling_factor=1.0, encoder_causal=True, decoder_causal=False, timestep_conditioning=False)),
        "scheduler": Component(D, "FlowMatchEulerDiscreteScheduler", dict(
            use_dynamic_shifting=True, base_shift=0.95, max_shift=2.05, base_image_seq_len=1024,
            max_image_seq_len=4096, shift_terminal=0.1)),
    },
    # LTX-2 (2.0, ltx-2-19b-dev): convert_ltx2_to_diffusers.py, version "2.0": get_ltx2_transformer_config,
    # get_ltx2_video_vae_config, get_ltx2_audio_vae_config, get_ltx2_vocoder_config, get_ltx2_connectors_config
    # (values below) and its dev scheduler (dynamic shifting 0.95..2.05, shift_terminal 0.1). One 48-block
    # transformer makes the 8x/32x video latent and a 4x audio latent; the audio VAE decodes a 64-bin mel
    # spectrogram, which the vocoder turns into 24 kHz stereo.
    "LTX-2": {
        "transformer": Component(D, "LTX2VideoTransformer3DModel", dict(
            in_channels=128, out_channels=128, patch_size=1, patch_size_t=1, num_attention_heads=32,
            attention_head_dim=128, cross_attention_dim=4096, vae_scale_factors=(8, 32, 32), pos_embed_max_pos=20,
            base_height=2048, base_width=2048, gated_attn=False, cross_attn_mod=False, audio_in_channels=128,
            audio_out_channels=128, audio_patch_size=1, audio_patch_size_t=1, audio_num_attention_heads=32,
            audio_attention_head_dim=64, audio_cross_attention_dim=2048, audio_scale_factor=4,
            audio_pos_embed_max_pos=20, audio_sampling_rate=16000, audio_hop_length=160, audio_gated_attn=False,
            audio_cross_attn_mod=False, num_layers=48, activation_fn="gelu-approximate",
            qk_norm="rms_norm_across_heads", norm_elementwise_affine=False, norm_eps=1e-6, caption_channels=3840,
            attention_bias=True, attention_out_bias=True, rope_theta=10000.0, rope_double_precision=True,
            causal_offset=1, timestep_scale_multiplier=1000, cross_attn_timestep_scale_multiplier=1000,
            rope_type="split", use_prompt_embeddings=True, perturbed_attn=False)),
        "connectors": Component("diffusers.pipelines.ltx2", "LTX2TextConnectors", dict(
            caption_channels=3840, text_proj_in_factor=49, video_connector_num_attention_heads=30,
            video_connector_attention_head_dim=128, video_connector_num_layers=2,
            video_connector_num_learnable_registers=128, video_gated_attn=False,
            audio_connector_num_attention_heads=30, audio_connector_attention_head_dim=128,
            audio_connector_num_layers=2, audio_connector_num_learnable_registers=128, audio_gated_attn=False,
            connector_rope_base_seq_len=4096, rope_theta=10000.0, rope_double_precision=True,
            causal_temporal_positioning=False, rope_type="split", per_modality_projections=False, proj_bias=False)),
        "vae": Component(D, "AutoencoderKLLTX2Video", dict(
            in_channels=3, out_channels=3, latent_channels=128, block_out_channels=(256, 512, 1024, 2048),
            down_block_types=("LTX2VideoDownBlock3D",) * 4, decoder_block_out_channels=(256, 512, 1024),
            layers_per_block=(4, 6, 6, 2, 2), decoder_layers_per_block=(5, 5, 5, 5),
            spatio_temporal_scaling=(True,) * 4, decoder_spatio_temporal_scaling=(True,) * 3,
            decoder_inject_noise=(False,) * 4,
            downsample_type=("spatial", "temporal", "spatiotemporal", "spatiotemporal"),
            upsample_type=("spatiotemporal",) * 3, upsample_residual=(True,) * 3, upsample_factor=(2, 2, 2),
            timestep_conditioning=False, patch_size=4, patch_size_t=1, resnet_norm_eps=1e-6, encoder_causal=True,
            decoder_causal=False, encoder_spatial_padding_mode="zeros", decoder_spatial_padding_mode="reflect",
            spatial_compression_ratio=32, temporal_compression_ratio=8)),
        "audio_vae": Component(D, "AutoencoderKLLTX2Audio", dict(
            base_channels=128, output_channels=2, ch_mult=(1, 2, 4), num_res_blocks=2, attn_resolutions=None,
            in_channels=2, resolution=256, latent_channels=8, norm_type="pixel", causality_axis="height",
            dropout=0.0, mid_block_add_attention=False, sample_rate=16000, mel_hop_length=160, is_causal=True,
            mel_bins=64, double_z=True)),
        "vocoder": Component("diffusers.pipelines.ltx2.vocoder", "LTX2Vocoder", dict(
            in_channels=128, hidden_channels=1024, out_channels=2, upsample_kernel_sizes=[16, 15, 8, 4, 4],
            upsample_factors=[6, 5, 2, 2, 2], resnet_kernel_sizes=[3, 7, 11], resnet_dilations=[[1, 3, 5]] * 3,
            act_fn="leaky_relu", leaky_relu_negative_slope=0.1, antialias=False, final_act_fn="tanh",
            final_bias=True, output_sampling_rate=24000)),
        "scheduler": Component(D, "FlowMatchEulerDiscreteScheduler", dict(
            use_dynamic_shifting=True, base_shift=0.95, max_shift=2.05, base_image_seq_len=1024,
            max_image_seq_len=4096, shift_terminal=0.1)),
    },
    # HunyuanVideo (13B): convert_hunyuan_video_to_diffusers.py builds HunyuanVideoTransformer3DModel() and
    # AutoencoderKLHunyuanVideo() (values below) and FlowMatchEulerDiscreteScheduler(shift=7.0).
    "HunyuanVideo": {
        "transformer": Component(D, "HunyuanVideoTransformer3DModel", dict(
            in_channels=16, out_channels=16, num_attention_heads=24, attention_head_dim=128, num_layers=20,
            num_single_layers=40, num_refiner_layers=2, mlp_ratio=4.0, patch_size=2, patch_size_t=1,
            qk_norm="rms_norm", guidance_embeds=True, text_embed_dim=4096, pooled_projection_dim=768,
            rope_theta=256.0, rope_axes_dim=(16, 56, 56))),
        "vae": Component(D, "AutoencoderKLHunyuanVideo", dict(
            in_channels=3, out_channels=3, latent_channels=16,
            down_block_types=("HunyuanVideoDownBlock3D",) * 4, up_block_types=("HunyuanVideoUpBlock3D",) * 4,
            block_out_channels=(128, 256, 512, 512), layers_per_block=2, act_fn="silu", norm_num_groups=32,
            scaling_factor=0.476986, spatial_compression_ratio=8, temporal_compression_ratio=4,
            mid_block_add_attention=True)),
        "scheduler": Component(D, "FlowMatchEulerDiscreteScheduler", dict(shift=7.0)),
    },
    # HunyuanVideo-1.5 480p text-to-video (8.3B): convert_hunyuan_video1_5_to_diffusers.py builds
    # HunyuanVideo15Transformer3DModel with target_size 640 and otherwise its defaults (values below; the
    # published transformer/config.json says task_type "t2v"), AutoencoderKLHunyuanVideo15() (16x space,
    # 4x time, 32 latent channels), FlowMatchEulerDiscreteScheduler(shift=5.0) and a
    # ClassifierFreeGuidance(guidance_scale=6.0) guider.
    "HunyuanVideo-1.5-480p-T2V": {
        "transformer": Component(D, "HunyuanVideo15Transformer3DModel", dict(
            in_channels=65, out_channels=32, num_attention_heads=16, attention_head_dim=128, num_layers=54,
            num_refiner_layers=2, mlp_ratio=4.0, patch_size=1, patch_size_t=1, qk_norm="rms_norm",
            text_embed_dim=3584, text_embed_2_dim=1472, image_embed_dim=1152, rope_theta=256.0,
            rope_axes_dim=(16, 56, 56), target_size=640, task_type="t2v", use_meanflow=False)),
        "vae": Component(D, "AutoencoderKLHunyuanVideo15", dict(
            in_channels=3, out_channels=3, latent_channels=32, block_out_channels=(128, 256, 512, 1024, 1024),
            layers_per_block=2, spatial_compression_ratio=16, temporal_compression_ratio=4,
            downsample_match_channel=True, upsample_match_channel=True, scaling_factor=1.03682)),
        "scheduler": Component(D, "FlowMatchEulerDiscreteScheduler", dict(shift=5.0)),
        "guider": Component(D, "ClassifierFreeGuidance", dict(guidance_scale=6.0)),
    },
    # Mochi-1 (10B): convert_mochi_to_diffusers.py builds MochiTransformer3DModel() (values below),
    # AutoencoderKLMochi(latent_channels=12, out_channels=3) and FlowMatchEulerDiscreteScheduler(invert_sigmas=True).
    "Mochi-1": {
        "transformer": Component(D, "MochiTransformer3DModel", dict(
            patch_size=2, num_attention_heads=24, attention_head_dim=128, num_layers=48,
            pooled_projection_dim=1536, in_channels=12, out_channels=None, qk_norm="rms_norm",
            text_embed_dim=4096, time_embed_dim=256, activation_fn="swiglu", max_sequence_length=256)),
        "vae": Component(D, "AutoencoderKLMochi", dict(
            in_channels=15, out_channels=3, encoder_block_out_channels=(64, 128, 256, 384),
            decoder_block_out_channels=(128, 256, 512, 768), latent_channels=12,
            layers_per_block=(3, 3, 4, 6, 3), act_fn="silu", temporal_expansions=(1, 2, 3),
            spatial_expansions=(2, 2, 2), add_attention_block=(False, True, True, True, True))),
        "scheduler": Component(D, "FlowMatchEulerDiscreteScheduler", dict(invert_sigmas=True)),
    },
    # stabilityai/stable-video-diffusion-img2vid-xt: unet/config.json (320/640/1280/1280 channels, heads
    # 5/10/20/20, cross-attention 1024, 25 frames); the VAE is the SD encoder (ch 128, mult 1,2,4,4,
    # 2 resnets, z 4; generative-models' svd config) with a temporal decoder; image_encoder/config.json
    # is OpenCLIP ViT-H/14 (1280 wide, 32 layers, 16 heads, patch 14, projection 1024); the scheduler is
    # its scheduler_config.json (EDM-style Euler, v-prediction, Karras sigmas 0.002..700).
    "SVD-XT": {
        "unet": Component(D, "UNetSpatioTemporalConditionModel", dict(
            sample_size=96, in_channels=8, out_channels=4,
            down_block_types=("CrossAttnDownBlockSpatioTemporal",) * 3 + ("DownBlockSpatioTemporal",),
            up_block_types=("UpBlockSpatioTemporal",) + ("CrossAttnUpBlockSpatioTemporal",) * 3,
            block_out_channels=(320, 640, 1280, 1280), addition_time_embed_dim=256,
            projection_class_embeddings_input_dim=768, layers_per_block=2, cross_attention_dim=1024,
            transformer_layers_per_block=1, num_attention_heads=(5, 10, 20, 20), num_frames=25)),
        "vae": Component(D, "AutoencoderKLTemporalDecoder", dict(
            in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 4,
            block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4, sample_size=768,
            scaling_factor=0.18215, force_upcast=True)),
        "image_encoder": CLIP_VIT_H14_VISION,
        # preprocessor_config.json: 224 px, OpenAI CLIP mean/std (CLIPImageProcessor's defaults).
        "feature_extractor": Component(T, "CLIPImageProcessor", dict(crop_size=224, size=224)),
        "scheduler": Component(D, "EulerDiscreteScheduler", dict(
            beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", interpolation_type="linear",
            num_train_timesteps=1000, prediction_type="v_prediction", sigma_max=700.0, sigma_min=0.002,
            steps_offset=1, timestep_spacing="leading", timestep_type="continuous", use_karras_sigmas=True)),
    },
}

#: Published denoiser sizes, for ``vbench list`` and the tests: name -> (count, relative tolerance, source).
#: A model's name rounds its size; where the released checkpoint's size is known it is used instead.
PUBLISHED_PARAMS: dict[str, tuple[float, float, str]] = {
    "Wan2.1-T2V-1.3B": (1.42e9, 0.01, "released transformer, 2.84 GB in bf16 (the name says 1.3B)"),
    "Wan2.1-T2V-14B": (14e9, 0.05, "name / Wan2.1 README: 14B"),
    "Wan2.2-TI2V-5B": (5e9, 0.01, "name / Wan2.2 README: TI2V-5B, a 5B dense model"),
    # the denoiser counted is the high-noise expert; the README: "27B total parameters, 14B active per step"
    "Wan2.2-T2V-A14B": (14e9, 0.05, "name / Wan2.2 README: A14B, 14B active parameters per step"),
    # the T2V-14B transformer (14.29B) plus the 1280->5120 image projection and 40 added K/V projections
    # (2.11B): the name keeps the T2V size; a test checks the difference exactly
    "Wan2.1-I2V-14B-480P": (14e9, 0.2, "name / Wan2.1 README: I2V-14B (the 14B T2V transformer plus image inputs)"),
    "CogVideoX-2b": (1.69e9, 0.01, "released transformer, 3.39 GB in fp16 (the name says 2B)"),
    "CogVideoX-5b": (5e9, 0.15, "name / CogVideoX README: 5B"),
    "LTX-Video": (2e9, 0.05, "LTX-Video README: 2B DiT"),
    "LTX-2": (19e9, 0.01, "name of the released checkpoint: ltx-2-19b-dev (video and audio streams of one transformer)"),
    "HunyuanVideo": (13e9, 0.05, "HunyuanVideo README: 13B"),
    "HunyuanVideo-1.5-480p-T2V": (8.3e9, 0.05, "HunyuanVideo-1.5 README: an 8.3B-parameter DiT"),
    "Mochi-1": (10e9, 0.05, "Mochi-1 README: 10B AsymmDiT"),
    "SVD-XT": (1.5e9, 0.05, "SVD paper: 1.5B-parameter video UNet"),
}
