"""The published conditioning encoders of each ``arch`` family, as :class:`Component` data.

``source: arch`` with ``text_encoder: full`` (the default) adds these to the pipeline at full size
with seeded random weights, so the ``text_encode`` stage costs what it costs with the released
weights and offload has the encoder to move. The values are the released ``config.json`` files,
cited per entry, written out here because nothing is fetched at run time. Tokenizers cannot be
downloaded either: each family gets a :class:`~vbench.models.hash_tokenizer.HashTokenizer` with the
encoder's vocabulary size and special ids, and the pipeline's own ``encode_prompt`` runs on its ids
at the pipeline's own padded length (Wan 512, CogVideoX 226, LTX 128, Mochi 256 T5 tokens; Hunyuan
256 + 95 template Llama tokens and 77 CLIP tokens; HunyuanVideo-1.5 1000 + 108 template Qwen2.5-VL
tokens and, for quoted text, 256 ByT5 bytes).

SVD's conditioning encoder (the CLIP ViT-H/14 image encoder) is part of its pipeline config in
:mod:`vbench.models.arch_configs` and is always built; it is defined here with the others.
"""

from __future__ import annotations

from vbench.models.components import Component

T = "transformers"
V = "vbench.models.hash_tokenizer"


def _t5_xxl(cls: str, config_cls: str, vocab_size: int) -> Component:
    # T5 v1.1 XXL geometry, shared by umT5-XXL: 24 layers, 4096 wide, 64 heads x 64, gated-GELU FFN 10240,
    # 32 relative-position buckets up to distance 128, untied embeddings.
    return Component(T, cls, dict(
        vocab_size=vocab_size, d_model=4096, d_kv=64, d_ff=10240, num_layers=24, num_heads=64,
        relative_attention_num_buckets=32, relative_attention_max_distance=128, dropout_rate=0.1,
        layer_norm_epsilon=1e-6, feed_forward_proj="gated-gelu", tie_word_embeddings=False,
        pad_token_id=0, eos_token_id=1), config_cls=config_cls)


def _t5_tokenizer(vocab_size: int, words: int, length: int) -> Component:
    # T5 sentencepiece ids: 0 pad, 1 </s>, 2 <unk>; the words below `words`, sentinels above.
    return Component(V, "HashTokenizer", dict(vocab_size=vocab_size, model_max_length=length, pad_id=0,
                                              eos_id=1, content_ids=(3, words)))


#: google/umt5-xxl encoder = text_encoder/config.json of Wan-AI/Wan2.1-T2V-{1.3B,14B}-Diffusers
#: (UMT5EncoderModel; its "scalable_attention": true is not a field of transformers' UMT5Config,
#: whose UMT5 layers always carry their own relative-position bias). 5.68 B parameters.
UMT5_XXL = _t5_xxl("UMT5EncoderModel", "UMT5Config", vocab_size=256384)

#: google/t5-v1_1-xxl encoder = text_encoder/config.json of THUDM/CogVideoX-{2b,5b}, Lightricks/LTX-Video
#: and genmo/mochi-1-preview (T5EncoderModel). 4.76 B parameters.
T5_XXL = _t5_xxl("T5EncoderModel", "T5Config", vocab_size=32128)

#: HunyuanVideo's text encoder, the language model of xtuner/llava-llama-3-8b-v1_1 as LlamaModel
#: (hunyuanvideo-community/HunyuanVideo text_encoder/config.json: Llama-3-8B plus 64 added tokens).
LLAVA_LLAMA3_8B = Component(T, "LlamaModel", dict(
    vocab_size=128320, hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
    num_key_value_heads=8, head_dim=128, hidden_act="silu", max_position_embeddings=8192, rms_norm_eps=1e-5,
    rope_theta=500000.0, attention_bias=False, mlp_bias=False, tie_word_embeddings=False,
    bos_token_id=128000, eos_token_id=128001), config_cls="LlamaConfig")

#: openai/clip-vit-large-patch14 text tower = HunyuanVideo's text_encoder_2/config.json (CLIPTextModel;
#: eos_token_id 2 there makes transformers pool at the highest id, the end-of-text token 49407).
CLIP_VIT_L14_TEXT = Component(T, "CLIPTextModel", dict(
    vocab_size=49408, hidden_size=768, intermediate_size=3072, projection_dim=768, num_hidden_layers=12,
    num_attention_heads=12, max_position_embeddings=77, hidden_act="quick_gelu", layer_norm_eps=1e-5,
    pad_token_id=1, bos_token_id=0, eos_token_id=2), config_cls="CLIPTextConfig")

#: OpenCLIP ViT-H/14 image tower = stabilityai/stable-video-diffusion-img2vid-xt image_encoder/config.json
#: (CLIPVisionModelWithProjection: 1280 wide, 32 layers, 16 heads, patch 14 at 224 px, projection 1024).
CLIP_VIT_H14_VISION = Component(T, "CLIPVisionModelWithProjection", dict(
    hidden_size=1280, intermediate_size=5120, num_attention_heads=16, num_hidden_layers=32,
    patch_size=14, image_size=224, projection_dim=1024, hidden_act="gelu", layer_norm_eps=1e-5),
    config_cls="CLIPVisionConfig")

#: Qwen/Qwen2.5-VL-7B-Instruct's language model = HunyuanVideo-1.5's text_encoder (Qwen2_5_VLTextModel;
#: the public config.json of Qwen2.5-VL-7B-Instruct: 3584 wide, 28 layers, 28 heads, 4 KV heads, FFN 18944,
#: multimodal RoPE sections 16/24/24 at theta 1e6). The pipeline reads its third-to-last hidden states.
QWEN25_VL_7B_TEXT = Component(T, "Qwen2_5_VLTextModel", dict(
    vocab_size=152064, hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
    num_key_value_heads=4, hidden_act="silu", max_position_embeddings=128000, rms_norm_eps=1e-6,
    rope_theta=1000000.0, rope_scaling={"type": "mrope", "mrope_section": [16, 24, 24]}, use_sliding_window=False,
    tie_word_embeddings=False, bos_token_id=151643, eos_token_id=151645), config_cls="Qwen2_5_VLTextConfig")

#: HunyuanVideo-1.5's text_encoder_2: google/byt5-small's encoder (public config.json: 1472 wide, 12 layers,
#: 6 heads x 64, gated-GELU FFN 3584) with its embeddings resized to 1510 rows for Glyph-SDXL-v2's added
#: colour and font tokens (the published text_encoder_2/config.json's vocab_size).
BYT5_SMALL_GLYPH = Component(T, "T5EncoderModel", dict(
    vocab_size=1510, d_model=1472, d_kv=64, d_ff=3584, num_layers=12, num_heads=6,
    relative_attention_num_buckets=32, relative_attention_max_distance=128, dropout_rate=0.1,
    layer_norm_epsilon=1e-6, feed_forward_proj="gated-gelu", tie_word_embeddings=False,
    pad_token_id=0, eos_token_id=1), config_cls="T5Config")

#: LTX-2's text encoder, google/gemma-3-12b-it (Gemma3ForConditionalGeneration: the language model and its
#: SigLIP vision tower). The conversion script fixes the text width (caption_channels 3840) and depth
#: (text_proj_in_factor 49 = 48 layers + embeddings); the other values are the public config.json of
#: gemma-3-12b-it: FFN 15360, 16 heads x 256 with 8 KV heads, a 1024-token sliding window on five of every
#: six layers, linear RoPE scaling 8 on the global ones; SigLIP-so400m 1152 wide, 27 layers, 896 px.
GEMMA3_12B = Component(T, "Gemma3ForConditionalGeneration", dict(
    text_config=dict(vocab_size=262208, hidden_size=3840, intermediate_size=15360, num_hidden_layers=48,
                     num_attention_heads=16, num_key_value_heads=8, head_dim=256, query_pre_attn_scalar=256,
                     sliding_window=1024, rms_norm_eps=1e-6, hidden_activation="gelu_pytorch_tanh",
                     max_position_embeddings=131072,
                     rope_parameters={"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                                      "full_attention": {"rope_type": "linear", "factor": 8.0,
                                                         "rope_theta": 1000000.0}}),
    vision_config=dict(hidden_size=1152, intermediate_size=4304, num_hidden_layers=27, num_attention_heads=16,
                       image_size=896, patch_size=14, vision_use_head=False),
    mm_tokens_per_image=256, boi_token_index=255999, eoi_token_index=256000, image_token_index=262144,
    eos_token_id=[1, 106]), config_cls="Gemma3Config")

_T5_WORDS = 32000  # t5-v1_1 sentencepiece pieces; ids 32000..32127 are the <extra_id_*> sentinels
_UMT5_WORDS = 256000  # umT5 sentencepiece pieces; the rest of the 256384 rows are sentinels and padding

#: family -> {pipeline component: Component}, added after the family's ``ARCH_CONFIGS`` parts.
#: SVD has none here: its image encoder is in its pipeline config already.
ENCODERS: dict[str, dict[str, Component]] = {
    "wan": {"tokenizer": _t5_tokenizer(256384, _UMT5_WORDS, 512), "text_encoder": UMT5_XXL},
    "cogvideox": {"tokenizer": _t5_tokenizer(32128, _T5_WORDS, 226), "text_encoder": T5_XXL},
    "ltx": {"tokenizer": _t5_tokenizer(32128, _T5_WORDS, 128), "text_encoder": T5_XXL},
    "mochi": {"tokenizer": _t5_tokenizer(32128, _T5_WORDS, 256), "text_encoder": T5_XXL},
    "hunyuan": {
        # Llama-3 ids: 128000 <|begin_of_text|>, 128001 <|end_of_text|> (used for padding; masked out);
        # no end token is appended: the pipeline's prompt template ends in <|eot_id|> itself.
        "tokenizer": Component(V, "HashTokenizer", dict(vocab_size=128320, model_max_length=256 + 95,
                                                        pad_id=128001, bos_id=128000, content_ids=(0, 128000))),
        "text_encoder": LLAVA_LLAMA3_8B,
        # CLIP BPE ids: 49406 <|startoftext|>, 49407 <|endoftext|> (also the padding of openai's tokenizer).
        "tokenizer_2": Component(V, "HashTokenizer", dict(vocab_size=49408, model_max_length=77, pad_id=49407,
                                                          bos_id=49406, eos_id=49407, content_ids=(0, 49406))),
        "text_encoder_2": CLIP_VIT_L14_TEXT,
    },
    "hunyuan15": {
        # Qwen2 BPE ids: 151643 <|endoftext|> (padding), 151644 <|im_start|>, 151645 <|im_end|>; the chat
        # template (system message + prompt) is laid out by HashTokenizer.apply_chat_template and padded to
        # 1000 + 108 template tokens, of which the pipeline crops the first 108 (the system message and the
        # user turn's opening take exactly 108 ids here, as with Qwen's tokenizer).
        "tokenizer": Component(V, "HashTokenizer", dict(vocab_size=152064, model_max_length=1108, pad_id=151643,
                                                        content_ids=(0, 151643), chat_prefix_tokens=108)),
        "text_encoder": QWEN25_VL_7B_TEXT,
        # ByT5 is byte level: its real tokenizer needs no vocabulary file. Only quoted text in the prompt
        # reaches this encoder (the pipeline's glyph extraction); without quotes it is skipped.
        "tokenizer_2": Component(T, "ByT5Tokenizer"),
        "text_encoder_2": BYT5_SMALL_GLYPH,
    },
    "ltx2": {
        # Gemma ids: 0 <pad>, 1 <eos>, 2 <bos>; the pipeline pads on the left to 1024 tokens
        "tokenizer": Component(V, "HashTokenizer", dict(vocab_size=262208, model_max_length=1024, pad_id=0,
                                                        bos_id=2, content_ids=(107, 255999))),
        "text_encoder": GEMMA3_12B,
    },
    "svd": {},
}
