"""PSNR and SSIM per frame against scikit-image on many seeded video pairs of varied sizes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from vbench.metrics.frame_fidelity import FidelityMeter, psnr_per_frame, ssim_per_frame
from vbench.metrics.frames import VideoMean, to_frames

TOL = 1e-3  # stated once: absolute agreement with scikit-image
#: (seed, frames, height, width, noise) -- 24 pairs, square and not, small and larger, mild and strong noise
CASES = [(seed, 2 + seed % 4, h, w, noise)
         for seed, (h, w, noise) in enumerate([(16, 16, 0.02), (32, 24, 0.05), (24, 40, 0.1), (48, 48, 0.2),
                                               (33, 17, 0.01), (64, 32, 0.3), (20, 60, 0.07), (40, 40, 0.5)] * 3)]


def _pair(seed, frames, h, w, noise):
    rng = np.random.default_rng(seed)
    ref = rng.integers(0, 256, (frames, h, w, 3), dtype=np.uint8)
    run = np.clip(ref + rng.normal(0, noise * 255, ref.shape), 0, 255).astype(np.uint8)
    return run, ref


def _skimage(run, ref):
    a, b = run.astype(np.float64) / 255, ref.astype(np.float64) / 255
    psnr = [peak_signal_noise_ratio(y, x, data_range=1.0) for x, y in zip(a, b, strict=True)]
    ssim = [structural_similarity(x, y, data_range=1.0, channel_axis=-1, gaussian_weights=True, sigma=1.5,
                                  use_sample_covariance=False) for x, y in zip(a, b, strict=True)]
    return np.array(psnr), np.array(ssim)


@pytest.mark.parametrize("case", CASES, ids=[f"s{c[0]}-{c[1]}x{c[2]}x{c[3]}" for c in CASES])
def test_psnr_and_ssim_agree_with_scikit_image(case):
    run, ref = _pair(*case)
    a, b = to_frames(torch.from_numpy(run)), to_frames(torch.from_numpy(ref))
    want_psnr, want_ssim = _skimage(run, ref)
    np.testing.assert_allclose(psnr_per_frame(a, b).double().numpy(), want_psnr, atol=TOL, rtol=0)
    np.testing.assert_allclose(ssim_per_frame(a, b, batch=3).double().numpy(), want_ssim, atol=TOL, rtol=0)
    meter = FidelityMeter()
    meter.update(a, b)
    out = meter.compute()
    assert out["psnr"]["value"] == pytest.approx(want_psnr.mean(), abs=TOL)
    assert out["ssim"]["value"] == pytest.approx(want_ssim.mean(), abs=TOL)
    assert len(out["ssim"]["per_frame"]) == len(run)


def test_identical_frames_give_infinite_psnr_and_are_counted():
    rng = np.random.default_rng(1)
    ref = torch.from_numpy(rng.integers(0, 256, (3, 8, 8, 3), dtype=np.uint8))
    run = ref.clone()
    run[1] ^= 1
    meter = FidelityMeter()
    meter.update(to_frames(run), to_frames(ref))
    assert meter.identical_frames == 2
    assert meter.compute()["psnr"]["value"] == float("inf")


def test_video_mean_is_mean_over_frames_then_videos():
    m = VideoMean()
    m.update(torch.tensor([1.0, 1.0, 1.0, 1.0]))
    m.update(torch.tensor([3.0, 5.0]))  # another length: the value is still per video, the curve is dropped
    out = m.compute()
    assert out["value"] == pytest.approx((1.0 + 4.0) / 2)
    assert out["per_frame"] == [] and out["videos"] == 2


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="equal shapes"):
        psnr_per_frame(torch.zeros(2, 3, 8, 8), torch.zeros(2, 3, 8, 9))


def test_pair_scorer_records_infinite_psnr_as_unavailable_and_scores_the_rest():
    from vbench.metrics.pair_scorer import PairScorer

    rng = np.random.default_rng(2)
    ref = rng.integers(0, 256, (3, 16, 16, 3), dtype=np.uint8)
    run = ref.copy()
    run[1] ^= 1
    quality = PairScorer(["psnr", "ssim"], "cpu").score(run, ref)
    psnr = quality["scores"]["psnr"]
    assert psnr["value"] is None and quality["details"]["psnr"]["identical_frames"] == 2
    assert psnr["per_frame"][0] is None and psnr["per_frame"][2] is None
    assert psnr["per_frame"][1] == pytest.approx(float(psnr_per_frame(*map(to_frames, (
        torch.from_numpy(run[1:2]), torch.from_numpy(ref[1:2]))))[0]), abs=1e-9)
    assert "PSNR is infinite" in quality["unavailable"]["psnr"]
    assert quality["scores"]["ssim"]["value"] == pytest.approx((2 + float(ssim_per_frame(
        to_frames(torch.from_numpy(run[1:2])), to_frames(torch.from_numpy(ref[1:2])))[0])) / 3, abs=1e-6)
