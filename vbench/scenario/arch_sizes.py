"""Parameter counts of the published architectures (``source: arch``), as data, so ``vbench list``
and planning read them without importing torch. ``tests/models/test_arch_sizes.py`` recounts
every entry on the meta device from the configs in :mod:`vbench.models`, so the table cannot
drift from what ``arch`` builds.
"""

from __future__ import annotations

from typing import Any


def _enc(cls: str, parameters: int) -> dict[str, Any]:
    return {"class": cls, "parameters": parameters}


_UMT5 = {"text_encoder": _enc("UMT5EncoderModel", 5_680_910_336)}
_T5 = {"text_encoder": _enc("T5EncoderModel", 4_762_310_656)}

#: name -> {"denoiser": n, "vae": n, "text_encoders": {component: {"class", "parameters"}},
#: "other": {component: n}} (other weighted components, where there are any)
ARCH_SIZES: dict[str, dict[str, Any]] = {
    "Wan2.1-T2V-1.3B": {"denoiser": 1_418_996_800, "vae": 126_892_531, "text_encoders": _UMT5},
    "Wan2.1-T2V-14B": {"denoiser": 14_288_491_584, "vae": 126_892_531, "text_encoders": _UMT5},
    "Wan2.1-I2V-14B-480P": {"denoiser": 16_394_878_784, "vae": 126_892_531, "text_encoders": _UMT5,
                            "other": {"image_encoder": 632_076_800}},
    "Wan2.2-TI2V-5B": {"denoiser": 4_999_787_712, "vae": 704_688_668, "text_encoders": _UMT5},
    # two experts of this size (transformer, transformer_2): 28.6 B in all, one active per step
    "Wan2.2-T2V-A14B": {"denoiser": 14_288_491_584, "vae": 126_892_531, "text_encoders": _UMT5,
                        "other": {"transformer_2": 14_288_491_584}},
    "CogVideoX-2b": {"denoiser": 1_693_783_872, "vae": 215_583_907, "text_encoders": _T5},
    "CogVideoX-5b": {"denoiser": 5_570_283_072, "vae": 215_583_907, "text_encoders": _T5},
    "LTX-Video": {"denoiser": 1_923_385_472, "vae": 419_193_649, "text_encoders": _T5},
    "LTX-2": {"denoiser": 18_876_174_592, "vae": 1_222_479_601,
              "text_encoders": {"text_encoder": _enc("Gemma3ForConditionalGeneration", 12_187_325_040)},
              "other": {"connectors": 1_431_475_200, "audio_vae": 53_248_146, "vocoder": 55_592_802}},
    "HunyuanVideo": {"denoiser": 12_821_012_544, "vae": 246_478_803,
                     "text_encoders": {"text_encoder": _enc("LlamaModel", 7_505_186_816),
                                       "text_encoder_2": _enc("CLIPTextModel", 123_060_480)}},
    "HunyuanVideo-1.5-480p-T2V": {"denoiser": 8_326_608_160, "vae": 1_260_634_115,
                                  "text_encoders": {"text_encoder": _enc("Qwen2_5_VLTextModel", 7_070_619_136),
                                                    "text_encoder_2": _enc("T5EncoderModel", 219_314_944)}},
    "Mochi-1": {"denoiser": 10_027_677_744, "vae": 459_748_611, "text_encoders": _T5},
    "SVD-XT": {"denoiser": 1_524_623_082, "vae": 97_742_847,
               "text_encoders": {"image_encoder": _enc("CLIPVisionModelWithProjection", 632_076_800)}},
}
