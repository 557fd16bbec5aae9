"""The Fréchet distance against closed forms, near-singular and rank-deficient inputs; streaming stats."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from scipy.stats import ortho_group

from vbench.metrics.frechet import GaussianStats, frechet_distance, sqrtm_psd


def _commuting(rng, d, a, b):
    q = ortho_group.rvs(d, random_state=rng)
    return q @ np.diag(a) @ q.T, q @ np.diag(b) @ q.T


@pytest.mark.parametrize("seed", range(6))
def test_closed_form_for_commuting_covariances(seed):
    """Σ₁, Σ₂ sharing eigenvectors: d² = ‖μ₁−μ₂‖² + Σ (√a_i − √b_i)²."""
    rng = np.random.default_rng(seed)
    d = 3 + 7 * seed
    a, b = rng.uniform(0.1, 5, d), rng.uniform(0.1, 5, d)
    s1, s2 = _commuting(rng, d, a, b)
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    want = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(want, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("tiny", [0.0, 1e-14, 1e-10, 1e-6])
def test_closed_form_near_singular(tiny):
    rng = np.random.default_rng(7)
    d = 20
    a = np.r_[rng.uniform(0.5, 2, d - 5), np.full(5, tiny)]
    b = np.r_[np.full(5, tiny), rng.uniform(0.5, 2, d - 5)]
    s1, s2 = _commuting(rng, d, a, b)
    want = ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    assert frechet_distance(np.zeros(d), s1, np.zeros(d), s2) == pytest.approx(want, rel=1e-7, abs=1e-6)


def test_one_dimensional_closed_form():
    assert frechet_distance([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(4.0 + (2 - 3) ** 2)


def test_identical_gaussians_give_zero_and_agree_with_scipy_on_full_rank():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(500, 16)), rng.normal(size=(500, 16)) @ rng.normal(size=(16, 16)) * 0.3 + 0.1
    m1, s1, m2, s2 = x.mean(0), np.cov(x, rowvar=False), y.mean(0), np.cov(y, rowvar=False)
    assert frechet_distance(m1, s1, m1, s1) == pytest.approx(0.0, abs=1e-9)
    root = scipy.linalg.sqrtm(s1 @ s2).real
    want = ((m1 - m2) ** 2).sum() + np.trace(s1 + s2 - 2 * root)
    assert frechet_distance(m1, s1, m2, s2) == pytest.approx(want, rel=1e-8)


@pytest.mark.parametrize("n", [2, 5, 50])
def test_rank_deficient_covariances_give_finite_non_negative_values(n):
    rng = np.random.default_rng(n)
    d = 400
    x, y = rng.normal(size=(n, d)), rng.normal(size=(n, d)) * 2
    value = frechet_distance(x.mean(0), np.cov(x, rowvar=False), y.mean(0), np.cov(y, rowvar=False))
    assert np.isfinite(value) and value >= 0
    same = frechet_distance(x.mean(0), np.cov(x, rowvar=False), x.mean(0), np.cov(x, rowvar=False))
    assert 0 <= same < 1e-6 * d


def test_sqrtm_psd_squares_back():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(30, 10))
    s = a @ a.T  # rank 10 of 30
    root = sqrtm_psd(s)
    np.testing.assert_allclose(root @ root, s, atol=1e-9)


def test_streaming_stats_equal_numpy_in_any_batching():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(97, 12)) * 3 + 1e4  # a large offset: naive sums would lose digits
    stats = GaussianStats(12)
    for part in np.split(x, [1, 10, 40]):
        stats.update(part)
    assert stats.n == 97
    np.testing.assert_allclose(stats.mean, x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(stats.cov, np.cov(x, rowvar=False), rtol=1e-9, atol=1e-9)
    with pytest.raises(ValueError, match="at least 2"):
        GaussianStats(3).cov  # noqa: B018
