"""Published architectures: sizes on the meta device, and materialization straight into bf16."""

from __future__ import annotations

import pytest
import torch

from vbench.errors import UnsupportedError
from vbench.models import ARCH_MODELS, build_pipeline, parameter_counts
from vbench.models.arch_configs import ARCH_CONFIGS, PUBLISHED_PARAMS


def test_every_listed_architecture_has_a_config():
    assert set(ARCH_CONFIGS) == set(ARCH_MODELS) == set(PUBLISHED_PARAMS)


@pytest.mark.parametrize("name", sorted(ARCH_MODELS))
def test_denoiser_size_matches_the_published_one(name):
    published, tolerance, _source = PUBLISHED_PARAMS[name]
    counts = parameter_counts({"family": ARCH_MODELS[name], "source": "arch", "name": name})
    assert abs(counts["denoiser"] / published - 1) < tolerance, counts
    assert counts["vae"] > 0


def test_exact_counts_of_the_reference_models():
    # diffusers' conversion scripts load the released weights with strict=True into these classes,
    # so these are the released checkpoints' parameter counts.
    wan = parameter_counts({"family": "wan", "source": "arch", "name": "Wan2.1-T2V-1.3B"})
    assert wan == {"denoiser": 1_418_996_800, "vae": 126_892_531}
    assert parameter_counts({"source": "arch", "name": "CogVideoX-2b"})["denoiser"] == 1_693_783_872
    assert parameter_counts({"source": "arch", "name": "Wan2.1-T2V-14B"})["denoiser"] == 14_288_491_584
    # Wan2.2-TI2V-5B: the 5B dense transformer and the 4x16x16 Wan2.2 VAE
    assert parameter_counts({"source": "arch", "name": "Wan2.2-TI2V-5B"}) == {"denoiser": 4_999_787_712,
                                                                             "vae": 704_688_668}
    # Wan2.2-T2V-A14B: two experts of the Wan2.1-14B size, one active per step (the README's "27B total,
    # 14B active"; counted exactly, the two are 28.58 B)
    from vbench.models.arch import arch_components, on_meta

    _, parts = arch_components("Wan2.2-T2V-A14B", text_encoder="pseudo")
    experts = [sum(p.numel() for p in on_meta(parts[k]).parameters()) for k in ("transformer", "transformer_2")]
    assert experts == [14_288_491_584, 14_288_491_584] and parts["boundary_ratio"] == 0.875


@pytest.mark.slow
def test_wan22_ti2v_5b_runs_with_its_16x_vae_and_a_timestep_per_token():
    built = build_pipeline({"family": "wan", "source": "arch", "name": "Wan2.2-TI2V-5B", "num_layers": 1,
                            "weights_seed": 0, "text_encoder": "pseudo"})
    assert built.pipe.config.expand_timesteps is True and built.vae.config.z_dim == 48
    seen = []
    built.denoiser.register_forward_pre_hook(lambda _m, args, kwargs: seen.append(
        (tuple(kwargs["hidden_states"].shape), tuple(kwargs["timestep"].shape))), with_kwargs=True)
    work = {"prompt": "a fox", "seed": 0, "num_frames": 5, "height": 32, "width": 32, "num_inference_steps": 1,
            "guidance_scale": 5.0}
    frames = built.pipe(**built.call_kwargs(work, device="cpu")).frames
    assert frames.shape == (1, 5, 32, 32, 3)
    latent, timestep = seen[0]
    assert latent == (1, 48, 2, 2, 2)  # 5 frames -> 2 latent frames; 32 px / 16 -> 2
    assert timestep == (1, 2 * 1 * 1)  # one timestep per token: 2 latent frames x (2/2) x (2/2) patches


def test_num_layers_cuts_blocks():
    full = parameter_counts({"source": "arch", "name": "HunyuanVideo"})["denoiser"]
    cut = parameter_counts({"source": "arch", "name": "HunyuanVideo", "num_layers": 1})["denoiser"]
    assert cut < full / 10


def test_tiny_counts_match_the_built_model():
    built = build_pipeline({"family": "mochi", "source": "tiny", "weights_seed": 0})
    counts = parameter_counts({"family": "mochi", "source": "tiny"})
    assert counts == {"denoiser": built.info["denoiser_params"], "vae": built.info["vae_params"]}


def test_hub_counts_offline_are_unsupported(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(UnsupportedError, match="cannot read the transformer config"):
        parameter_counts({"family": "wan", "source": "hub", "name": "vbench-tests/no-such-model"})


def test_unknown_architecture_is_unsupported():
    with pytest.raises(UnsupportedError, match="Wan2.1-T2V-1.3B"):
        parameter_counts({"family": "wan", "source": "arch", "name": "Wan9-T2V-1B"})


def test_wan_materializes_in_bf16_without_an_fp32_copy(monkeypatch):
    allocated = []
    real_empty = torch.empty

    def spy(*args, **kwargs):
        if args and isinstance(args[0], torch.Size) and "device" in kwargs:  # materialize's allocations
            allocated.append((kwargs.get("dtype"), args[0].numel()))
        return real_empty(*args, **kwargs)

    monkeypatch.setattr(torch, "empty", spy)
    built = build_pipeline({"family": "wan", "source": "arch", "name": "Wan2.1-T2V-1.3B", "num_layers": 1,
                            "weights_seed": 0, "text_encoder": "pseudo"}, dtype=torch.bfloat16)
    monkeypatch.undo()
    # text_encoder: pseudo is the behaviour from before the encoders were built: none, pseudo-embeddings
    assert built.embeddings == "pseudo" and built.pipe.text_encoder is None and built.pipe.tokenizer is None
    assert built.info["text_encoder"] == {"mode": "pseudo", "components": {}}
    denoiser = built.denoiser
    assert len(denoiser.blocks) == 1 and denoiser.config.num_attention_heads == 12
    keep = denoiser._keep_in_fp32_modules
    for name, param in denoiser.named_parameters():
        assert param.device.type == "cpu" and not param.is_meta
        wanted = torch.float32 if any(k in name.split(".") for k in keep) else torch.bfloat16
        assert param.dtype == wanted, name
    assert all(p.dtype == torch.bfloat16 for p in built.vae.parameters())
    # One allocation per parameter; float32 only for the (small) keep-in-fp32 modules.
    fp32 = sum(n for dtype, n in allocated if dtype == torch.float32)
    total = built.info["denoiser_params"] + built.info["vae_params"]
    assert sum(n for _, n in allocated) == total
    assert fp32 < 0.2 * built.info["denoiser_params"]

    latents = torch.randn(1, 16, 2, 4, 4, generator=torch.Generator().manual_seed(0)).to(torch.bfloat16)
    text = built.call_kwargs({"prompt": "a fox", "seed": 0, "num_frames": 5, "height": 32, "width": 32,
                              "num_inference_steps": 1, "guidance_scale": 5.0}, device="cpu")["prompt_embeds"]
    assert text.shape == (1, 512, 4096) and text.dtype == torch.bfloat16
    with torch.no_grad():
        out = denoiser(latents, torch.tensor([500.0]), text).sample
    assert out.shape == latents.shape and torch.isfinite(out).all() and out.float().std() > 0


def test_materialized_weights_are_seeded_and_sane():
    from vbench.models.arch import on_meta
    from vbench.models.materialize import materialize
    from vbench.models.tiny import TINY

    def weights(seed):
        module = materialize(on_meta(TINY["wan"]["transformer"]), device="cpu", dtype=torch.bfloat16,
                             weights_seed=seed)
        return dict(module.named_parameters())

    a, b, c = weights(0), weights(0), weights(1)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["proj_out.weight"], c["proj_out.weight"])
    assert torch.all(a["blocks.0.attn1.norm_q.weight"] == 1) and torch.all(a["proj_out.bias"] == 0)
    assert 0 < a["blocks.0.ffn.net.0.proj.weight"].float().std() <= 0.03


def test_wan_i2v_is_the_14b_transformer_plus_its_image_inputs():
    # Wan2.1-I2V-14B-480P: every Wan2.1-T2V-14B tensor is there with its shape (the patch embedding
    # takes 36 channels instead of 16); what is added is the CLIP image projection and, in each of the
    # 40 blocks, the image's own K/V projections of the cross-attention and their norm
    from vbench.models.arch import arch_components, on_meta

    def tensors(name):
        _, parts = arch_components(name, text_encoder="pseudo")
        return {k: tuple(p.shape) for k, p in on_meta(parts["transformer"]).named_parameters()}

    t2v, i2v = tensors("Wan2.1-T2V-14B"), tensors("Wan2.1-I2V-14B-480P")
    changed = {k for k in t2v if t2v[k] != i2v[k]}
    assert changed == {"patch_embedding.weight"} and i2v["patch_embedding.weight"] == (5120, 36, 1, 2, 2)
    added = set(i2v) - set(t2v)
    assert not set(t2v) - set(i2v)
    assert {k.split(".")[0] for k in added} == {"condition_embedder", "blocks"}
    assert all(k.startswith("condition_embedder.image_embedder.") or any(
        f".attn2.{part}." in k for part in ("add_k_proj", "add_v_proj", "norm_added_k")) for k in added)
    numel = {k: int(torch.Size(s).numel()) for k, s in i2v.items()}
    per_block = 2 * (5120 * 5120 + 5120) + 5120
    assert sum(v for k, v in numel.items() if k.startswith("blocks.") and k in added) == 40 * per_block
    assert parameter_counts({"source": "arch", "name": "Wan2.1-I2V-14B-480P"})["denoiser"] == 16_394_878_784
