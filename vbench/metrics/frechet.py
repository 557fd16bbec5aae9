"""The Fréchet distance between two Gaussians, in float64, through symmetric eigendecompositions.

``d² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^{½} Σ₂ Σ₁^{½})^{½}``

``tr (Σ₁ Σ₂)^{½}`` equals ``tr (Σ₁^{½} Σ₂ Σ₁^{½})^{½}``, whose argument is symmetric positive
semi-definite, so both square roots come from ``numpy.linalg.eigh`` with negative round-off
eigenvalues clipped to 0. This stays finite and ≥ 0 for rank-deficient covariances (fewer
samples than dimensions), where ``scipy.linalg.sqrtm(Σ₁ Σ₂)`` of the non-symmetric product can
return complex values or fail.

>>> import numpy as np
>>> round(frechet_distance(np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2)), 6)
4.0
"""

from __future__ import annotations

import numpy as np


def sqrtm_psd(matrix: np.ndarray) -> np.ndarray:
    """The symmetric square root of a symmetric positive semi-definite matrix (float64)."""
    sym = (np.asarray(matrix, np.float64) + np.asarray(matrix, np.float64).T) / 2
    values, vectors = np.linalg.eigh(sym)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """``tr (Σ₁ Σ₂)^{½}`` computed as ``Σ √λᵢ(Σ₁^{½} Σ₂ Σ₁^{½})``."""
    root = sqrtm_psd(sigma1)
    inner = root @ np.asarray(sigma2, np.float64) @ root
    values = np.linalg.eigvalsh((inner + inner.T) / 2)
    return float(np.sqrt(np.clip(values, 0.0, None)).sum())


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """The squared Fréchet (2-Wasserstein) distance of N(μ₁, Σ₁) and N(μ₂, Σ₂); never negative."""
    mu1, mu2 = np.asarray(mu1, np.float64).reshape(-1), np.asarray(mu2, np.float64).reshape(-1)
    sigma1, sigma2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    if not (mu1.shape == mu2.shape and sigma1.shape == sigma2.shape == (mu1.size, mu1.size)):
        raise ValueError(f"shapes do not match: mu {mu1.shape}, {mu2.shape}; sigma {sigma1.shape}, {sigma2.shape}")
    diff = mu1 - mu2
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt_product(sigma1, sigma2)
    return max(float(value), 0.0)


class GaussianStats:
    """Streaming mean and covariance of feature vectors, in float64 (Chan et al.'s pairwise update).

    Memory is ``O(d²)`` whatever the number of samples; ``cov`` uses ``n − 1``, like ``np.cov``.
    """

    def __init__(self, dim: int):
        self.n = 0
        self.mean = np.zeros(dim, np.float64)
        self.m2 = np.zeros((dim, dim), np.float64)  #: Σ (x − mean)(x − mean)ᵀ

    def update(self, features: np.ndarray) -> None:
        """Add a batch of feature vectors ``(B, d)``."""
        x = np.asarray(features, np.float64).reshape(-1, self.mean.size)
        if not len(x):
            return
        b_mean = x.mean(axis=0)
        centered = x - b_mean
        b_m2 = centered.T @ centered
        total = self.n + len(x)
        delta = b_mean - self.mean
        self.m2 += b_m2 + np.outer(delta, delta) * (self.n * len(x) / total)
        self.mean += delta * (len(x) / total)
        self.n = total

    @property
    def cov(self) -> np.ndarray:
        if self.n < 2:
            raise ValueError(f"a covariance needs at least 2 samples, got {self.n}")
        return self.m2 / (self.n - 1)
