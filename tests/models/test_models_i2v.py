"""Image-to-video: every family with an I2V pipeline runs its tiny I2V pipeline on ``workload.image``,
the picture changes the video, and the image encoder and the image's VAE encoding are timed stages."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from zoo_workloads import FRAMES, workload

from vbench.models import build_pipeline
from vbench.models.embeddings import generated_image
from vbench.scenario.families import FAMILIES

I2V = [name for name, family in FAMILIES.items() if family.i2v_pipeline]


@pytest.fixture(scope="module", params=I2V)
def tiny_i2v(request):
    return build_pipeline({"family": request.param, "source": "tiny", "weights_seed": 0}, image=True)


def frames(built, work):
    return built.pipe(**built.call_kwargs(work, device="cpu")).frames


def test_each_family_runs_its_image_to_video_pipeline(tiny_i2v):
    family = tiny_i2v.family
    assert type(tiny_i2v.pipe).__name__ == FAMILIES[family].i2v_pipeline
    work = workload(family, image="generated")
    first = frames(tiny_i2v, work)
    assert first.shape == (1, FRAMES[family], 32, 32, 3) and np.isfinite(first).all()
    assert np.array_equal(first, frames(tiny_i2v, work))  # the generated image is seeded
    assert tiny_i2v.image_info == {"source": "generated", "size": [32, 32],
                                   "seeded_by": "sha256 of the prompt and the seed"}
    # another picture (another seed of the generated image, same noise seed) gives another video
    other = generated_image("something else entirely", 7, 32, 32)
    kwargs = tiny_i2v.call_kwargs(work, device="cpu")
    kwargs["image"] = other if family != "svd" else kwargs["image"] * 0 + 0.5
    assert not np.array_equal(first, tiny_i2v.pipe(**kwargs).frames)


def test_image_stages_are_the_pipelines_own_methods(tiny_i2v):
    stages = tiny_i2v.stage_methods
    assert stages["vae_encode"] == (tiny_i2v.vae, "encode")
    assert ("image_encode" in stages) == (tiny_i2v.family in ("wan", "svd"))  # the families with a CLIP image encoder
    assert ("text_encode" in stages) == (tiny_i2v.family != "svd")


def test_an_image_file_is_read_and_checked_against_its_digest(tmp_path):
    import hashlib

    path = tmp_path / "frame.png"
    rng = np.random.default_rng(0)
    Image.fromarray((rng.random((24, 40, 3)) * 255).astype(np.uint8)).save(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    built = build_pipeline({"family": "ltx", "source": "tiny", "weights_seed": 0}, image=True)
    work = workload("ltx", image=str(path), image_sha256=digest)
    video = frames(built, work)
    assert built.image_info == {"source": "file", "path": str(path), "sha256": digest, "size": [40, 24], "mode": "RGB"}
    assert not np.array_equal(video, frames(built, workload("ltx", image="generated")))
    Image.new("RGB", (40, 24)).save(path)  # changed after validation: an error, not another run
    from vbench.errors import UnsupportedError

    with pytest.raises(UnsupportedError, match="changed after the scenario was validated"):
        built.call_kwargs(workload("ltx", image=str(path), image_sha256=digest, seed=1), device="cpu")


def test_generated_images_are_smooth_seeded_pictures():
    a, b = generated_image("a fox", 0, 16, 24), generated_image("a fox", 0, 16, 24)
    assert a.size == (24, 16) and a.mode == "RGB" and np.array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(a), np.asarray(generated_image("a fox", 1, 16, 24)))
    pixels = np.asarray(generated_image("a fox", 0, 64, 64), dtype=np.float64).reshape(-1, 3)
    neighbours = np.abs(np.diff(pixels.reshape(64, 64, 3), axis=1)).mean()
    shuffled = np.abs(pixels - np.random.default_rng(0).permutation(pixels)).mean()
    assert neighbours < 0.2 * shuffled  # smooth, not noise
