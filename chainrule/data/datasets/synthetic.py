"""Generated data for the lectures: each generator takes a seed and returns NumPy arrays."""
import math

import numpy as np

from ...random import numpy_generator


def _rng(seed, generator=None):
    return np.random.default_rng(seed) if seed is not None else numpy_generator(generator)


def daily_views(days=730, seed=0, base=3000.0, trend=1.5, weekly=(0.0, 120.0, 150.0, 110.0, 90.0, -250.0, -400.0),
                noise=120.0):
    """A YouTube-channel-like daily view count (Lecture 1): trend + weekly pattern + noise."""
    rng = _rng(seed)
    t = np.arange(days)
    season = np.asarray(weekly)[t % 7]
    views = base + trend * t + season + 200 * np.sin(2 * math.pi * t / 365) + rng.normal(0, noise, days)
    return views.astype(np.float32)


def windows(series, length=7):
    """(X, y): each row of X holds `length` consecutive values, y the next one."""
    s = np.asarray(series)
    if len(s) <= length:
        raise ValueError(f"windows: a series of {len(s)} values has no window of {length} + 1")
    idx = np.arange(length)[None, :] + np.arange(len(s) - length)[:, None]
    return s[idx].astype(np.float32), s[length:].astype(np.float32)


def polynomial_with_categories(n=100, seed=0, noise=0.5, x_range=(-3.0, 3.0), n_categories=3):
    """Noisy curves y = f_c(x) whose shape depends on a hidden category c (Lecture 1's species):
    returns (x, c, y)."""
    rng = _rng(seed)
    x = rng.uniform(*x_range, n)
    c = rng.integers(0, n_categories, n)
    coefs = np.array([[1.0, 0.8, -0.3], [2.5, -0.5, 0.4], [-1.0, 1.5, 0.2], [0.5, 0.0, 0.6]])[:n_categories]
    a = coefs[c]
    y = a[:, 0] + a[:, 1] * x + a[:, 2] * x ** 2 + rng.normal(0, noise, n)
    return x.astype(np.float32), c.astype(np.int64), y.astype(np.float32)


def gaussian_classes(n_per_class=100, means=((0.0, 0.0), (2.5, 2.0)), covs=None, seed=0):
    """Samples from one Gaussian per class (Lecture: probabilistic generative model)."""
    rng = _rng(seed)
    means = np.asarray(means, dtype=np.float64)
    d = means.shape[1]
    covs = [np.eye(d)] * len(means) if covs is None else [np.asarray(c) for c in covs]
    xs = [rng.multivariate_normal(m, c, n_per_class) for m, c in zip(means, covs)]
    ys = [np.full(n_per_class, k) for k in range(len(means))]
    order = rng.permutation(n_per_class * len(means))
    return np.concatenate(xs)[order].astype(np.float32), np.concatenate(ys)[order].astype(np.int64)


def xor(n=200, noise=0.1, seed=0):
    """Points near the four corners of the unit square, labelled x₁ XOR x₂."""
    rng = _rng(seed)
    corners = rng.integers(0, 2, (n, 2))
    x = corners + rng.normal(0, noise, (n, 2))
    return x.astype(np.float32), (corners[:, 0] ^ corners[:, 1]).astype(np.int64)


def two_spirals(n=200, noise=0.1, turns=1.5, seed=0):
    """Two interleaved spirals, one per class."""
    rng = _rng(seed)
    k = n // 2
    t = np.sqrt(rng.uniform(0, 1, k)) * turns * 2 * math.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (turns * 2 * math.pi)
    x = np.concatenate([arm, -arm]) + rng.normal(0, noise, (2 * k, 2))
    y = np.concatenate([np.zeros(k), np.ones(k)])
    order = rng.permutation(2 * k)
    return x[order].astype(np.float32), y[order].astype(np.int64)


def moons(n=200, noise=0.1, seed=0):
    """Two interleaving half circles."""
    rng = _rng(seed)
    k = n // 2
    a = rng.uniform(0, math.pi, k)
    b = rng.uniform(0, math.pi, n - k)
    x = np.concatenate([np.stack([np.cos(a), np.sin(a)], 1),
                        np.stack([1 - np.cos(b), 0.5 - np.sin(b)], 1)]) + rng.normal(0, noise, (n, 2))
    y = np.concatenate([np.zeros(k), np.ones(n - k)])
    order = rng.permutation(n)
    return x[order].astype(np.float32), y[order].astype(np.int64)
