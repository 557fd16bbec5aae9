"""FVD: the PyTorch I3D against FACTS.md's reference, the preprocessing, the set statistics and the flag."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vbench.metrics.fvd import (
    DIM,
    FULL_RANK_N,
    FVDMeter,
    TorchScriptI3D,
    make_extractor,
    preprocess,
    video_features,
)
from vbench.metrics.i3d import InceptionI3d, same_padding
from vbench.metrics.weights import WeightsMissing


def test_i3d_reproduces_the_tf_hub_reference(i3d_weights):
    """FACTS.md: constant −1 vs constant +1, 16 frames, 224×224 → ‖f(−1) − f(+1)‖² = 152.902."""
    extractor = make_extractor("cpu")
    # uint8 0 and 255 map to −1 and +1 exactly, and resizing a constant frame keeps it constant
    video = torch.stack([torch.zeros(16, 32, 48, 3, dtype=torch.uint8),
                         torch.full((16, 32, 48, 3), 255, dtype=torch.uint8)])
    feats = torch.from_numpy(video_features(video, extractor, batch=2))
    assert feats.shape == (2, DIM)
    value = float(((feats[0] - feats[1]) ** 2).sum())
    assert value == pytest.approx(152.902, rel=1e-3)


def test_tf_same_padding_is_asymmetric_like_tensorflow():
    assert same_padding((16, 224, 224), (7, 7, 7), (2, 2, 2)) == [2, 3, 2, 3, 2, 3]
    assert same_padding((8, 56, 56), (1, 3, 3), (1, 2, 2)) == [0, 1, 0, 1, 0, 0]
    assert same_padding((4, 14, 14), (2, 2, 2), (2, 2, 2)) == [0, 0, 0, 0, 0, 0]


def test_i3d_refuses_fewer_than_nine_frames():
    with pytest.raises(ValueError, match="T>=9"):
        InceptionI3d()(torch.zeros(1, 3, 8, 224, 224))
    with pytest.raises(ValueError, match="at least 9 frames"):
        video_features(torch.zeros(1, 8, 16, 16, 3, dtype=torch.uint8), extractor=None)


def test_preprocess_resizes_bilinear_to_224_in_minus_one_one():
    rng = np.random.default_rng(0)
    video = torch.from_numpy(rng.integers(0, 256, (2, 3, 40, 60, 3), dtype=np.uint8))
    clips = preprocess(video)
    assert clips.shape == (2, 3, 3, 224, 224) and clips.min() >= -1 and clips.max() <= 1
    frame = video[1, 2].permute(2, 0, 1)[None].float() / 255
    want = torch.nn.functional.interpolate(frame, size=(224, 224), mode="bilinear", align_corners=False) * 2 - 1
    torch.testing.assert_close(clips[1, :, 2], want[0])


def test_meter_records_n_and_flags_small_sets():
    rng = np.random.default_rng(1)
    meter = FVDMeter()
    meter.update(run_features=rng.normal(size=(1, DIM)), reference_features=rng.normal(size=(5, DIM)))
    out = meter.compute()
    assert out["value"] is None and out["n"] == 1 and "at least 2" in out["reason"]
    meter.update(run_features=rng.normal(size=(9, DIM)) + 1)
    out = meter.compute()
    assert out["n"] == 10 and out["n_reference"] == 5 and out["flagged"] and "rank-deficient" in out["note"]
    assert np.isfinite(out["value"]) and out["value"] > DIM * 0.5  # a mean shift of 1 in every dim
    big = FVDMeter()
    big.update(rng.normal(size=(FULL_RANK_N, DIM)), rng.normal(size=(FULL_RANK_N, DIM)))
    assert big.compute()["flagged"] is False


def test_missing_i3d_weights_raise_with_the_fetch_command(no_weights):
    with pytest.raises(WeightsMissing, match="vbench weights fetch i3d"):
        make_extractor("cpu")


class _FakeStyleGANI3D(torch.nn.Module):
    """Has the call signature of StyleGAN-V's i3d_torchscript.pt."""

    def forward(self, x: torch.Tensor, rescale: bool = True, resize: bool = True,
                return_features: bool = False) -> torch.Tensor:
        assert not rescale and not resize and return_features
        return x.mean(dim=(2, 3, 4)).repeat(1, 134)[:, :400]


@pytest.mark.filterwarnings("ignore:`torch.jit:FutureWarning")
def test_a_user_supplied_torchscript_extractor_is_used_and_recorded(tmp_path):
    path = tmp_path / "i3d_torchscript.pt"
    torch.jit.script(_FakeStyleGANI3D()).save(str(path))
    extractor = make_extractor("cpu", torchscript=path)
    assert isinstance(extractor, TorchScriptI3D)
    video = torch.full((2, 9, 16, 16, 3), 255, dtype=torch.uint8)
    feats = video_features(video, extractor)
    np.testing.assert_allclose(feats, 1.0)
    info = extractor.describe()
    assert info["extractor"] == "stylegan-v-i3d-torchscript" and info["extractor_path"] == str(path)
    assert len(info["weights_sha256"]) == 64
    with pytest.raises(FileNotFoundError):
        make_extractor("cpu", torchscript=tmp_path / "absent.pt")
