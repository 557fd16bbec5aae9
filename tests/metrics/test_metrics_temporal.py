"""Temporal metrics on synthetic videos with known motion and added flicker."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from metrics_synthetic import textured, to_u8, translated

from vbench.metrics import temporal
from vbench.metrics.flow import flow, gray, non_occluded

T, H, W = 6, 64, 64
AMPLITUDES = (0.0, 0.03, 0.08, 0.2)


@pytest.fixture(scope="module")
def moving():
    return translated(np.random.default_rng(0), T, H, W, step=(1, 2))


def _flicker(video: np.ndarray, amplitude: float) -> np.ndarray:
    """Gain flicker: frames alternately brighter and darker by ``amplitude``."""
    gains = 1 + amplitude * (-1.0) ** np.arange(len(video))
    return np.clip(video * gains[:, None, None, None], 0, 1)


def test_flow_recovers_a_translation_and_the_mask_keeps_the_interior(moving):
    g = gray(to_u8(moving))
    fw, bw = flow(g[0], g[1]), flow(g[1], g[0])
    inner = (slice(8, -8), slice(8, -8))
    assert np.median(fw[inner][..., 0]) == pytest.approx(2.0, abs=0.1)  # x: 2 px per frame
    assert np.median(fw[inner][..., 1]) == pytest.approx(1.0, abs=0.1)  # y: 1 px per frame
    assert non_occluded(fw, bw)[inner].mean() > 0.9


def test_warping_error_is_about_zero_for_pure_motion(moving):
    video = to_u8(moving)
    err = temporal.warping_error(video)
    unwarped = float(((moving[1:] - moving[:-1]) ** 2).mean())
    assert err < 1e-4 and err < unwarped / 50


def test_static_video_is_perfectly_consistent():
    video = to_u8(np.repeat(textured(np.random.default_rng(1), H, W)[None], T, axis=0))
    prof = temporal.profile(video)
    assert prof.mafd == [0.0] and prof.frame_ssim[0] == pytest.approx(1.0) and prof.warping_error[0] < 1e-6


def test_flicker_raises_mafd_gap_and_tof_monotonically(moving):
    reference = temporal.profile(to_u8(moving))
    gaps, tofs = [], []
    for amplitude in AMPLITUDES:
        out = temporal.scores(temporal.profile(to_u8(_flicker(moving, amplitude))), reference)
        gaps.append(out["mean_abs_frame_diff_gap"])
        tofs.append(out["tof"])
    assert gaps[0] == pytest.approx(0.0, abs=1e-12) and tofs[0] == pytest.approx(0.0, abs=1e-9)
    assert all(b > a for a, b in zip(gaps, gaps[1:], strict=False)), gaps
    assert all(b > a for a, b in zip(tofs, tofs[1:], strict=False)), tofs


def test_tlp_rises_with_flicker_when_lpips_weights_are_present(moving, lpips_weights):
    from vbench.metrics.lpips_alex import build_lpips

    model = build_lpips("cpu")
    reference = temporal.profile(to_u8(moving), lpips_model=model)
    tlps = [temporal.scores(temporal.profile(to_u8(_flicker(moving, a)), lpips_model=model), reference)["tlp"]
            for a in AMPLITUDES]
    assert tlps[0] == pytest.approx(0.0, abs=1e-7)
    assert all(b > a for a, b in zip(tlps, tlps[1:], strict=False)), tlps


def test_profile_streams_in_chunks_with_the_same_result(moving):
    video = to_u8(moving)
    whole, chunked = temporal.profile(video, chunk=64), temporal.profile(video, chunk=2)
    assert whole.mafd[0] == pytest.approx(chunked.mafd[0], rel=1e-9)
    assert whole.frame_ssim[0] == pytest.approx(chunked.frame_ssim[0], rel=1e-6)


def test_direct_functions_match_the_profile(moving):
    video = to_u8(moving)
    frames = torch.from_numpy(video).permute(0, 3, 1, 2).float() / 255
    prof = temporal.profile(video)
    assert temporal.mean_abs_frame_diff(frames) == pytest.approx(prof.mafd[0], rel=1e-6)
    assert temporal.frame_ssim(frames) == pytest.approx(prof.frame_ssim[0], rel=1e-6)
    with pytest.raises(ValueError, match="at least 2 frames"):
        temporal.mean_abs_frame_diff(frames[:1])


@pytest.mark.parametrize(("n", "want"), [(32, (0, 32)), (47, (0, 47)), (48, (8, 40)), (64, (16, 48)),
                                         (100, (18, 82)), (480, (16, 464)), (832, (16, 816))])
def test_tof_window_is_tecogans_crop(n, want):
    rows, cols = temporal.tof_window(n, 64)
    assert (rows.start, rows.stop) == want
    assert (cols.start, cols.stop) == (16, 48)
    assert rows.stop - rows.start == n or ((rows.stop - rows.start) % 32 == 0 and rows.start >= 8
                                           and n - rows.stop >= 8)


def test_tof_is_the_mean_euclidean_length_of_the_flow_difference_inside_the_window():
    rng = np.random.default_rng(0)
    run = [rng.normal(size=(64, 80, 2)).astype(np.float32) for _ in range(3)]
    ref = [f.copy() for f in run]
    for f in ref:
        f[..., 0] += 3.0
        f[..., 1] += 4.0  # a (3, 4) offset: length 5 everywhere (L1 would give 7)
        f[:8] += 100.0  # outside the 32 x 64 window kept from 64 x 80 flows: ignored
    assert temporal.tof(run, ref) == pytest.approx(5.0, rel=1e-6)


def test_reference_of_another_shape_gives_reasons_not_missing_keys():
    from vbench.metrics.pair_scorer import PairScorer

    rng = np.random.default_rng(3)
    run = rng.integers(0, 256, (9, 32, 32, 3), dtype=np.uint8)
    out = PairScorer(["temporal"], "cpu").score(run, run[:7])
    assert np.isfinite(out["scores"]["mean_abs_frame_diff"]["value"]) and "tof" not in out["scores"]
    assert set(out["unavailable"]) == {"mean_abs_frame_diff_gap", "tof", "tlp"}
    assert "(1, 7, 32, 32, 3)" in out["unavailable"]["tof"]
