"""What each model family accepts, known without importing torch or diffusers.

The rules here are checked when a scenario is validated, so a frame count the pipeline would
reject (or silently round) is an error naming the field before anything is built.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FrameRule:
    """Valid frame counts are ``step * k + 1`` (k >= 0); ``step == 1`` allows any count >= 1."""

    step: int

    def allows(self, frames: int) -> bool:
        return frames >= 1 and (frames - 1) % self.step == 0

    def describe(self) -> str:
        if self.step == 1:
            return "any count >= 1"
        examples = ", ".join(str(self.step * k + 1) for k in (1, 2, 4, 8))
        return f"{self.step}k+1 frames (e.g. {examples})"


@dataclass(frozen=True)
class Family:
    name: str
    pipeline: str  #: the diffusers pipeline class
    frames: FrameRule
    spatial_multiple: int  #: height and width must be multiples of this
    min_frames: int = 1  #: fewest frames the pipeline accepts
    min_steps: int = 1  #: fewest denoising steps the pipeline's schedule accepts
    #: stricter rules of the full-size published models (``arch``/``hub``/``local``), when they differ
    full_frames: FrameRule | None = None
    full_spatial_multiple: int | None = None
    #: the diffusers pipeline class that takes a conditioning image (``workload.image``); None: none
    i2v_pipeline: str | None = None

    def frame_rule(self, source: str) -> FrameRule:
        return self.full_frames if source != "tiny" and self.full_frames else self.frames

    def spatial(self, source: str) -> int:
        return self.full_spatial_multiple if source != "tiny" and self.full_spatial_multiple else self.spatial_multiple


FAMILIES: dict[str, Family] = {
    "wan": Family("wan", "WanPipeline", FrameRule(4), 16, i2v_pipeline="WanImageToVideoPipeline"),
    # CogVideoX's VAE decodes latent frames in pairs: 13 frames come back as 16, so only 8k+1 is exact.
    "cogvideox": Family("cogvideox", "CogVideoXPipeline", FrameRule(8), 16,
                        i2v_pipeline="CogVideoXImageToVideoPipeline"),
    # LTX-Video's published VAE compresses time 8x and space 32x; the tiny VAE 4x in time.
    "ltx": Family("ltx", "LTXPipeline", FrameRule(4), 32, full_frames=FrameRule(8),
                  i2v_pipeline="LTXImageToVideoPipeline"),
    # SVD is image-to-video only: without workload.image it is conditioned on a seeded pseudo image.
    "svd": Family("svd", "StableVideoDiffusionPipeline", FrameRule(1), 8, min_frames=2,
                  i2v_pipeline="StableVideoDiffusionPipeline"),
    "hunyuan": Family("hunyuan", "HunyuanVideoPipeline", FrameRule(4), 16,
                      i2v_pipeline="HunyuanVideoImageToVideoPipeline"),
    # HunyuanVideo-1.5: a 16x / 4x VAE, patch 1 (the tiny VAE is 4x / 2x, which the same rule satisfies).
    # Text-to-video only here: its image-to-video pipeline takes no height or width (it buckets the size
    # from the image and target_size), so a workload's size would not be the size generated.
    "hunyuan15": Family("hunyuan15", "HunyuanVideo15Pipeline", FrameRule(4), 16),
    # LTX-2: video and audio from one transformer; its published VAE compresses time 8x and space 32x,
    # the tiny VAE 2x in both (4k+1 frames keep the tiny and published rules close).
    "ltx2": Family("ltx2", "LTX2Pipeline", FrameRule(4), 32, full_frames=FrameRule(8)),
    # Mochi's schedule divides by (steps - 1)
    "mochi": Family("mochi", "MochiPipeline", FrameRule(6), 16, min_steps=2),
}

#: The family of a diffusers pipeline outside the known ones (``local``/``hub`` files whose
#: model_index.json names another class, or a pipeline object given to ``vbench.measure_pipeline``):
#: its own ``__call__`` checks frames, sizes and images, and its stages are timed generically.
GENERIC = "generic"
#: Scenario rules of :data:`GENERIC`: none beyond one frame and one step (the pipeline's own checks
#: apply, and a size it rejects is a failed run with its message).
GENERIC_RULES = Family(GENERIC, "", FrameRule(1), 1, i2v_pipeline="the pipeline's own")
#: The sources a :data:`GENERIC` pipeline comes from: vbench builds only the known families itself.
GENERIC_SOURCES = ("hub", "local", "object")


def family_rules(name: str) -> Family:
    """The rules of a known family, or :data:`GENERIC_RULES`."""
    return FAMILIES.get(name, GENERIC_RULES)


#: Families whose diffusers image-to-video pipeline vbench does not run yet, and why.
I2V_NOT_RUN: dict[str, str] = {
    "hunyuan15": ("has an image-to-video pipeline in diffusers (HunyuanVideo15ImageToVideoPipeline) that vbench "
                  "does not run: it takes no height or width and picks the size from the image"),
    "ltx2": "has an image-to-video pipeline in diffusers (LTX2ImageToVideoPipeline) that vbench does not run yet",
}

#: Published architectures the ``arch`` source can build with random weights, by family.
ARCH_MODELS: dict[str, str] = {
    "Wan2.1-T2V-1.3B": "wan",
    "Wan2.1-T2V-14B": "wan",
    "Wan2.2-TI2V-5B": "wan",
    "Wan2.2-T2V-A14B": "wan",
    "Wan2.1-I2V-14B-480P": "wan",
    "CogVideoX-2b": "cogvideox",
    "CogVideoX-5b": "cogvideox",
    "LTX-Video": "ltx",
    "LTX-2": "ltx2",
    "HunyuanVideo": "hunyuan",
    "HunyuanVideo-1.5-480p-T2V": "hunyuan15",
    "Mochi-1": "mochi",
    "SVD-XT": "svd",
}

#: Tiny stand-ins of published architectures (``source: tiny`` with ``name``): the family's tiny
#: model in the architecture's shape (two experts and a boundary ratio; a 48-channel 16x VAE with a
#: timestep per token), diffusers' own test sizes, by family. Their scenario rules are the
#: architecture's (:data:`ARCH_SPATIAL_MULTIPLE`, :data:`ARCH_TASKS`).
TINY_NAMES: dict[str, str] = {
    "Wan2.2-T2V-A14B": "wan",
    "Wan2.2-TI2V-5B": "wan",
}

#: Published architectures whose spatial multiple differs from their family's (``arch``):
#: Wan2.2-TI2V-5B's VAE compresses 16x and its transformer patches 2x2, so sizes are multiples of 32.
ARCH_SPATIAL_MULTIPLE: dict[str, int] = {"Wan2.2-TI2V-5B": 32}

#: What a published architecture generates from: ``t2v`` (text), ``i2v`` (an image and text; needs
#: ``workload.image``) or both (Wan2.2-TI2V-5B); architectures not listed are text-to-video.
ARCH_TASKS: dict[str, tuple[str, ...]] = {
    "Wan2.1-I2V-14B-480P": ("i2v",),
    "Wan2.2-TI2V-5B": ("t2v", "i2v"),
    # conditioned on an image always; without workload.image on a seeded pseudo image
    "SVD-XT": ("t2v", "i2v"),
}


def arch_tasks(name: str | None) -> tuple[str, ...]:
    """The tasks of a published architecture (``("t2v",)`` unless :data:`ARCH_TASKS` says otherwise)."""
    return ARCH_TASKS.get(name or "", ("t2v",))


def family_of_pipeline(class_name: str | None) -> str | None:
    """The family whose text- or image-to-video pipeline class is ``class_name``; None if none is."""
    for key, family in FAMILIES.items():
        if class_name in (family.pipeline, family.i2v_pipeline):
            return key
    return None


SOURCES = ("tiny", "arch", "hub", "local", "object")
