"""``source: arch`` text encoders: published sizes on the meta device, the full path end to end on a
reduced config, ``pseudo`` as before, and the ``model.text_encoder`` field's validation.

Full-size encoders are never materialized here (umT5-XXL alone is 23 GB in fp32): sizes are counted
on the meta device; the running paths use test-only configs of the same classes, injected by
replacing a family's entry in ``ENCODERS`` (the encoders keep the width the denoiser reads, 4096).
"""

from __future__ import annotations

import pytest
import torch

from vbench.errors import ScenarioError, UnsupportedError
from vbench.models import ARCH_MODELS, text_encoder_counts
from vbench.models.arch_text_encoders import ENCODERS
from vbench.models.hash_tokenizer import HashTokenizer
from vbench.models.specs import spec

B = 1e9
#: (arch model, component, class, published count, source of the number)
PUBLISHED = [
    ("Wan2.1-T2V-1.3B", "text_encoder", "UMT5EncoderModel", 5.68 * B,
     "Wan-AI/Wan2.1-T2V-1.3B models_t5_umt5-xxl-enc-bf16.pth, 11.4 GB in bf16 = 5.68 B"),
    ("CogVideoX-2b", "text_encoder", "T5EncoderModel", 4.76 * B,
     "T5 v1.1 XXL encoder: text_encoder safetensors of THUDM/CogVideoX-2b (and FLUX.1 text_encoder_2), "
     "4.99 + 4.53 GB in bf16 = 4.76 B"),
    ("LTX-Video", "text_encoder", "T5EncoderModel", 4.76 * B, "as CogVideoX: the same T5 v1.1 XXL encoder"),
    ("Mochi-1", "text_encoder", "T5EncoderModel", 4.76 * B, "as CogVideoX: the same T5 v1.1 XXL encoder"),
    ("HunyuanVideo", "text_encoder", "LlamaModel", 8.03 * B - 128256 * 4096,
     "meta-llama/Meta-Llama-3-8B model card: 8.03 B, less its untied 128256 x 4096 lm_head (LlamaModel has none)"),
    ("HunyuanVideo", "text_encoder_2", "CLIPTextModel", 123e6,
     "CompVis/stable-diffusion README: '123M text encoder' (CLIP ViT-L/14)"),
    ("HunyuanVideo-1.5-480p-T2V", "text_encoder", "Qwen2_5_VLTextModel", 7.61 * B - 152064 * 3584,
     "Qwen/Qwen2.5-7B model card (the language model of Qwen2.5-VL-7B): 7.61 B, less its untied 152064 x 3584 lm_head"),
    ("LTX-2", "text_encoder", "Gemma3ForConditionalGeneration", 12.2 * B,
     "google/gemma-3-12b-it on the Hugging Face hub: 12.2B params (language model and SigLIP vision tower)"),
    ("SVD-XT", "image_encoder", "CLIPVisionModelWithProjection", 632.08e6,
     "open_clip docs/model_profile.csv: ViT-H-14 image tower 632.08 M"),
]


@pytest.mark.parametrize(("name", "component", "cls", "published", "source"), PUBLISHED,
                         ids=[f"{p[0]}-{p[1]}" for p in PUBLISHED])
def test_encoder_size_matches_the_published_total(name, component, cls, published, source):
    counts = text_encoder_counts({"source": "arch", "name": name})
    assert counts[component]["class"] == cls
    assert abs(counts[component]["parameters"] / published - 1) < 0.01, (counts, source)


def test_exact_counts_on_the_meta_device():
    assert text_encoder_counts({"source": "arch", "name": "Wan2.1-T2V-14B"}) == {
        "text_encoder": {"class": "UMT5EncoderModel", "parameters": 5_680_910_336}}
    hunyuan = text_encoder_counts({"source": "arch", "name": "HunyuanVideo"})
    assert {k: v["parameters"] for k, v in hunyuan.items()} == {"text_encoder": 7_505_186_816,
                                                                "text_encoder_2": 123_060_480}
    # ByT5-small's encoder with 1510 embedding rows: (1510 + 0) x 1472 + 12 gated-GELU layers of 6 x 64 heads
    byt5 = text_encoder_counts({"source": "arch", "name": "HunyuanVideo-1.5-480p-T2V"})["text_encoder_2"]
    layer = 4 * 1472 * 384 + 3 * 1472 * 3584 + 2 * 1472
    assert byt5["parameters"] == 1510 * 1472 + 12 * layer + 32 * 6 + 1472


@pytest.mark.parametrize("name", sorted(ARCH_MODELS))
def test_every_architecture_lists_its_family_encoders(name):
    assert set(text_encoder_counts({"source": "arch", "name": name})) == set(spec(ARCH_MODELS[name]).encoders)


def test_pseudo_builds_no_text_encoders_and_svd_has_no_pseudo():
    assert text_encoder_counts({"source": "arch", "name": "Wan2.1-T2V-1.3B", "text_encoder": "pseudo"}) == {}
    with pytest.raises(UnsupportedError, match="image encoder"):
        text_encoder_counts({"source": "arch", "name": "SVD-XT", "text_encoder": "pseudo"})


def test_vbench_list_shows_encoder_counts_next_to_the_denoiser(capsys, monkeypatch):
    from vbench.cli.main import main

    monkeypatch.setenv("COLUMNS", "250")  # one table row per line
    assert main(["list", "models"]) == 0
    rows = {line.split("│")[1].strip(): line for line in capsys.readouterr().out.splitlines() if line.count("│") > 2}
    assert "1.419 B" in rows["Wan2.1-T2V-1.3B"] and "5.681 B (UMT5EncoderModel)" in rows["Wan2.1-T2V-1.3B"]
    assert "4.762 B (T5EncoderModel)" in rows["CogVideoX-5b"]
    assert "7.505 B (LlamaModel) + 0.123 B (CLIPTextModel)" in rows["HunyuanVideo"]
    assert "0.632 B (CLIPVisionModelWithProjection)" in rows["SVD-XT"]
    assert main(["list", "sources"]) == 0
    assert "text_encoder: pseudo" in capsys.readouterr().out  # "true speed and memory" only with the encoders


def test_hash_tokenizer_pads_masks_and_truncates_like_a_tokenizer():
    tok = HashTokenizer(vocab_size=1000, model_max_length=8, pad_id=0, eos_id=1, content_ids=(3, 1000))
    out = tok(["a red fox", "a red fox"], padding="max_length", max_length=8, truncation=True, return_tensors="pt")
    assert out.input_ids.shape == (2, 8) and out.input_ids.dtype == torch.long
    assert out["attention_mask"][0].tolist() == [1, 1, 1, 1, 0, 0, 0, 0]
    assert out.input_ids[0, 3] == 1 and torch.equal(out.input_ids[0], out.input_ids[1])
    ids = out.input_ids[0, :3].tolist()
    assert all(3 <= i < 1000 for i in ids) and ids != tok("a blue fox").input_ids[0][:3]
    long = tok("one two three four five six seven eight nine", padding="max_length", max_length=8,
               truncation=True, return_tensors="pt")
    assert long.input_ids.shape == (1, 8) and long.input_ids[0, -1] == 1  # the end token survives truncation
    assert tok("x y", padding="longest", return_tensors="pt").input_ids.shape == (1, 3)
    assert HashTokenizer(1000, 8).batch_decode(torch.tensor([[5, 6]])) == ["<5> <6>"]


def _reduced(component):
    """A test-only cut of a published encoder: 1-3 layers and a 1024-row vocabulary, the output width kept."""
    kw = component.kwargs
    if component.cls == "HashTokenizer":
        specials = {k: 1000 + i for i, k in enumerate(("bos_id", "eos_id")) if kw.get(k) not in (None, 1)}
        return component.with_kwargs(vocab_size=1024, content_ids=(3, 1000), pad_id=min(kw["pad_id"], 1023), **specials)
    if component.cls.endswith("T5EncoderModel"):
        return component.with_kwargs(vocab_size=1024, d_ff=256, num_layers=1, num_heads=4)
    if component.cls == "LlamaModel":
        return component.with_kwargs(vocab_size=1024, intermediate_size=256, num_hidden_layers=3, num_attention_heads=4,
                                     num_key_value_heads=2, head_dim=64, bos_token_id=1000, eos_token_id=None)
    return component.with_kwargs(vocab_size=1024, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                                 eos_token_id=1001, bos_token_id=1000)  # CLIPTextModel


#: family -> (its arch model, the lengths the pipeline pads each encoder's ids to)
LENGTHS = {"wan": ("Wan2.1-T2V-1.3B", {"text_encoder": 512}), "cogvideox": ("CogVideoX-2b", {"text_encoder": 226}),
           "ltx": ("LTX-Video", {"text_encoder": 128}), "mochi": ("Mochi-1", {"text_encoder": 256}),
           "hunyuan": ("HunyuanVideo", {"text_encoder": 256 + 95, "text_encoder_2": 77})}


@pytest.mark.parametrize("family", sorted(LENGTHS))
def test_meta_built_encoder_materializes_and_runs_on_the_family_length(family):
    from vbench.models.arch import on_meta
    from vbench.models.components import make
    from vbench.models.materialize import materialize

    parts = {k: _reduced(c) for k, c in ENCODERS[family].items()}
    for name, length in LENGTHS[family][1].items():
        tokenizer = make(parts[name.replace("text_encoder", "tokenizer")])
        encoder = materialize(on_meta(parts[name]), device="cpu", dtype=torch.bfloat16, weights_seed=0)
        assert type(encoder).__name__ == parts[name].cls and not encoder.training
        assert {p.dtype for p in encoder.parameters()} == {torch.bfloat16}  # T5's "wo" too, as transformers loads bf16
        assert {p.device.type for p in encoder.parameters()} == {"cpu"}
        ids = tokenizer(["a red fox"], padding="max_length", max_length=length, truncation=True, return_tensors="pt")
        with torch.no_grad():
            hidden = encoder(ids.input_ids).last_hidden_state
        assert hidden.shape == (1, length, parts[name].kwargs.get("d_model") or parts[name].kwargs["hidden_size"])
        assert torch.isfinite(hidden).all() and hidden.float().std() > 0


def test_fp16_keeps_t5_wo_in_fp32_like_transformers():
    from vbench.models.arch import on_meta
    from vbench.models.materialize import materialize

    encoder = materialize(on_meta(_reduced(ENCODERS["mochi"]["text_encoder"])), device="cpu", dtype=torch.float16,
                          weights_seed=0)
    dtypes = {name: p.dtype for name, p in encoder.named_parameters()}
    assert dtypes["encoder.block.0.layer.1.DenseReluDense.wo.weight"] == torch.float32
    assert dtypes["encoder.block.0.layer.1.DenseReluDense.wi_0.weight"] == torch.float16


def _record(text_encoder):
    from vbench.harness.execute import execute_run
    from vbench.scenario import expand, validate_document

    doc = {"model": {"family": "wan", "source": "arch", "name": "Wan2.1-T2V-1.3B", "num_layers": 1,
                     "text_encoder": text_encoder},
           "workload": {"num_frames": 5, "height": 32, "width": 32, "num_inference_steps": 1},
           "optimizations": {"precision": "bf16"}, "reference": {"enabled": False}, "metrics": [],
           "measure": {"warmup": 0, "repeats": 1, "max_repeats": 1, "isolation": "inline", "flops": False}}
    (run,) = expand(validate_document(doc, source="test"))
    assert run.model.text_encoder == text_encoder
    return execute_run(run.to_dict())


def test_full_text_encoder_end_to_end_is_timed_counted_and_recorded(monkeypatch):
    monkeypatch.setitem(ENCODERS, "wan", {k: _reduced(c) for k, c in ENCODERS["wan"].items()})
    full, pseudo = _record("full"), _record("pseudo")
    assert full["status"] == pseudo["status"] == "ok", (full.get("reason"), pseudo.get("reason"))
    assert full["embeddings"] == "text_encoder" and pseudo["embeddings"] == "pseudo"
    assert full["model_info"]["text_encoder"] == {
        "mode": "full", "components": {"text_encoder": {"class": "UMT5EncoderModel", "parameters": 15_741_056}}}
    assert pseudo["model_info"]["text_encoder"] == {"mode": "pseudo", "components": {}}
    # the encoder's weights are counted, and it runs (512 tokens, prompt and negative) inside text_encode
    assert full["memory"]["weights"]["text_encoder_bytes"] == 15_741_056 * 2
    assert "text_encoder_bytes" not in pseudo["memory"]["weights"]
    encode = [r["timing"]["stages"]["text_encode"]["median"] for r in (full, pseudo)]
    assert encode[0] > 10 * encode[1], encode
    assert full["outputs"]["shape"] == pseudo["outputs"]["shape"] == [1, 5, 32, 32, 3]


@pytest.mark.parametrize(("model", "words"), [
    ({"family": "wan", "source": "arch", "name": "Wan2.1-T2V-1.3B", "text_encoder": "big"}, ["full", "pseudo"]),
    ({"family": "wan", "source": "tiny", "text_encoder": "full"}, ["tiny", "pseudo", "arch"]),
    ({"family": "svd", "source": "arch", "name": "SVD-XT", "text_encoder": "pseudo"}, ["image encoder", "full"]),
    ({"family": "wan", "source": "hub", "name": "a/b", "revision": "abc", "text_encoder": "full"}, ["unset", "arch"]),
])
def test_bad_text_encoder_fails_validation_naming_the_field(model, words):
    from vbench.scenario import validate_document

    with pytest.raises(ScenarioError) as caught:
        validate_document({"model": model}, source="bad.yaml")
    message = str(caught.value)
    assert "model.text_encoder" in message and all(w in message for w in words), message


def test_arch_defaults_to_full_and_tiny_stays_unset():
    from vbench.scenario import validate_document

    arch = validate_document({"model": {"family": "wan", "source": "arch", "name": "Wan2.1-T2V-1.3B"}}, source="x")
    assert arch.model.text_encoder == "full"
    assert validate_document({"model": {"family": "wan", "source": "tiny"}}, source="x").model.text_encoder is None


def test_hunyuan15_full_encoders_run_the_chat_template_and_the_glyph_encoder(monkeypatch):
    """HunyuanVideo-1.5's own encode_prompt on reduced Qwen2.5-VL and ByT5 configs (their widths kept):
    the hash tokenizer lays out the chat template at 1000 + 108 tokens, and quoted text reaches ByT5."""
    from vbench.models import build_pipeline

    parts = dict(ENCODERS["hunyuan15"])
    parts["text_encoder"] = parts["text_encoder"].with_kwargs(vocab_size=152064, intermediate_size=64,
                                                              num_hidden_layers=2)
    parts["text_encoder_2"] = parts["text_encoder_2"].with_kwargs(d_ff=64, num_layers=1)
    monkeypatch.setitem(ENCODERS, "hunyuan15", parts)
    built = build_pipeline({"family": "hunyuan15", "source": "arch", "name": "HunyuanVideo-1.5-480p-T2V",
                            "num_layers": 1, "weights_seed": 0}, dtype="bf16")
    assert built.embeddings == "text_encoder"
    with torch.no_grad():
        embeds, mask, glyph, glyph_mask = built.pipe.encode_prompt(['a neon sign that says "open"'], device="cpu",
                                                                   dtype=torch.bfloat16)
        _, _, no_glyph, no_glyph_mask = built.pipe.encode_prompt(["a quiet street"], device="cpu",
                                                                  dtype=torch.bfloat16)
    assert embeds.shape == (1, 1000, 3584) and glyph.shape == (1, 256, 1472)
    # the prompt's pieces and the template's end are valid; the rest of the 1000 positions is padding
    assert 5 < int(mask.sum()) < 100 and mask[0, 0] == 1 and mask[0, -1] == 0
    assert int(glyph_mask.sum()) > 0 and int(no_glyph_mask.sum()) == 0 and not no_glyph.any()
    assert torch.isfinite(embeds).all() and embeds.float().std() > 0


def test_ltx2_gemma_path_pads_left_and_stacks_every_layer():
    """LTX-2's own ``_get_gemma_prompt_embeds`` on a reduced Gemma 3 (2 layers, 64 wide, small vision tower):
    the hash tokenizer pads on the left as the pipeline asks, and the embedding stacks all 3 hidden states."""
    from types import SimpleNamespace

    from diffusers import LTX2Pipeline

    from vbench.models.components import make

    gemma = ENCODERS["ltx2"]["text_encoder"]
    reduced = gemma.with_kwargs(
        text_config={**gemma.kwargs["text_config"], "vocab_size": 262208, "hidden_size": 64, "intermediate_size": 64,
                     "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 32},
        vision_config={**gemma.kwargs["vision_config"], "hidden_size": 32, "intermediate_size": 32,
                       "num_hidden_layers": 1, "num_attention_heads": 2})
    torch.manual_seed(0)
    fake = SimpleNamespace(tokenizer=make(ENCODERS["ltx2"]["tokenizer"]), text_encoder=make(reduced).eval(),
                           _execution_device=torch.device("cpu"))
    with torch.no_grad():
        embeds, mask = LTX2Pipeline._get_gemma_prompt_embeds(fake, "a drummer on a rooftop", max_sequence_length=64)
    assert fake.tokenizer.padding_side == "left"
    assert embeds.shape == (1, 64, 64 * 3)
    assert mask.tolist() == [[0] * 58 + [1] * 6]  # <bos> + 5 words, at the end
    assert torch.isfinite(embeds).all()
