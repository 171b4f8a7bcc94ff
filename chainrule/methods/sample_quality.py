"""How good are generated samples? Numbers with a known answer, for the generative lectures:

- ``frechet_distance``: FID's formula ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½) between Gaussians fitted to
  two sets of features (Heusel et al. 2017). FID uses an Inception network's features; here any
  feature extractor does — the lectures use the penultimate layer of a classifier trained on the
  real data ("classifier Fréchet distance"), and report real-vs-real as the floor.
- ``ring_of_gaussians`` / ``mode_coverage``: the mode-collapse benchmark (Metz et al. 2017):
  how many of the 8 modes get samples, and what share of samples lands near any mode.
- ``roc_auc``: the area under the ROC curve for anomaly scores (the probability that a random
  anomaly scores higher than a random normal sample; ties count half).
- ``bits_per_dim``: a log-likelihood in nats per sample as bits per dimension.
"""
import math

import numpy as np


def _array(x):
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x, dtype=np.float64)


def frechet_distance(features_a, features_b):
    """Fréchet distance between N(μ_a, Σ_a) and N(μ_b, Σ_b) fitted to two N×D feature sets. The
    trace of (Σ_aΣ_b)^½ is taken as Σ√λ over the eigenvalues of Σ_a^½ Σ_b Σ_a^½ (symmetric, so
    exact and real)."""
    a, b = _array(features_a), _array(features_b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(f"frechet_distance: expected two N×D feature sets with one D and N ≥ 2, "
                         f"got shapes {a.shape} and {b.shape}")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.maximum(values, 0))) @ vectors.T
    cross = np.sqrt(np.maximum(np.linalg.eigvalsh(root_a @ cov_b @ root_a), 0)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * cross)


def ring_centres(modes=8, radius=2.0):
    angles = 2 * np.pi * np.arange(modes) / modes
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], 1)


def ring_of_gaussians(n, modes=8, radius=2.0, std=0.05, rng=None):
    """``n`` points from an equal mixture of ``modes`` Gaussians (std ``std``) on a circle."""
    rng = rng or np.random.default_rng()
    centres = ring_centres(modes, radius)
    return (centres[rng.integers(modes, size=n)] + std * rng.standard_normal((n, 2))).astype(np.float32)


def mode_coverage(samples, centres, std, within=3.0, min_share=0.01):
    """(modes covered, share of high-quality samples): a sample is high quality when it lies within
    ``within``·std of its nearest centre; a mode is covered when at least ``min_share`` of the
    samples are high-quality samples of it."""
    x, c = _array(samples), np.asarray(centres, dtype=np.float64)
    d = np.sqrt(((x[:, None, :] - c[None]) ** 2).sum(-1))
    nearest, good = d.argmin(1), d.min(1) <= within * std
    counts = np.bincount(nearest[good], minlength=len(c))
    return int((counts >= min_share * len(x)).sum()), float(good.mean())


def roc_auc(scores, labels):
    """Area under the ROC curve: labels 1 = positive (anomaly). Mann–Whitney U with average ranks."""
    s, y = _array(scores).ravel(), np.asarray(labels).ravel().astype(bool)
    if len(s) != len(y) or y.all() or not y.any():
        raise ValueError("roc_auc: need one score per label and both classes present")
    from scipy.stats import rankdata
    ranks = rankdata(s)   # ties get their average rank
    n_pos, n_neg = y.sum(), (~y).sum()
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def bits_per_dim(log_likelihood_nats, dims):
    """−log p(x) / (D·ln 2): a per-sample log-likelihood in nats as bits per dimension."""
    return float(-np.mean(_array(log_likelihood_nats)) / (dims * math.log(2)))
