"""The sample-quality numbers on cases with a known answer."""
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from chainrule.methods.sample_quality import (bits_per_dim, frechet_distance, mode_coverage, ring_centres,
                                               ring_of_gaussians, roc_auc)


def test_frechet_distance_of_gaussians_has_the_closed_form():
    # N(0, I) vs N(m, 4I) in d dims: ‖m‖² + d·(1 + 4 − 2·2) = ‖m‖² + d
    rng, d = np.random.default_rng(0), 4
    m = np.array([1.0, -2.0, 0.5, 0.0])
    a, b = rng.standard_normal((200_000, d)), m + 2 * rng.standard_normal((200_000, d))
    assert frechet_distance(a, b) == pytest.approx(m @ m + d, rel=0.01)
    assert abs(frechet_distance(a[:100_000], a[100_000:])) < 0.01
    with pytest.raises(ValueError, match="frechet_distance"):
        frechet_distance(a[:, :2], b)


def test_frechet_distance_with_correlated_covariances():
    rng = np.random.default_rng(1)
    la, lb = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    ca, cb = la @ la.T, lb @ lb.T
    from scipy.linalg import sqrtm
    want = np.trace(ca + cb - 2 * sqrtm(ca @ cb).real)
    a = rng.multivariate_normal(np.zeros(3), ca, 400_000)
    b = rng.multivariate_normal(np.zeros(3), cb, 400_000)
    assert frechet_distance(a, b) == pytest.approx(want, rel=0.02)


def test_roc_auc_equals_scikit_learn_with_ties():
    rng = np.random.default_rng(2)
    scores, labels = rng.integers(0, 5, 300).astype(float), rng.integers(0, 2, 300)
    assert roc_auc(scores, labels) == pytest.approx(roc_auc_score(labels, scores))
    assert roc_auc([1, 2, 3, 4], [0, 0, 1, 1]) == 1.0 and roc_auc([1, 2, 3, 4], [1, 1, 0, 0]) == 0.0


def test_mode_coverage_sees_a_collapse():
    rng = np.random.default_rng(3)
    full = ring_of_gaussians(4000, std=0.05, rng=rng)
    assert mode_coverage(full, ring_centres(), 0.05) == (8, pytest.approx(0.989, abs=0.01))
    collapsed = ring_centres()[[2]] + 0.05 * rng.standard_normal((4000, 2))
    assert mode_coverage(collapsed, ring_centres(), 0.05)[0] == 1
    assert mode_coverage(np.zeros((100, 2)), ring_centres(), 0.05) == (0, 0.0)


def test_bits_per_dim():
    assert bits_per_dim([-np.log(2) * 784] * 3, 784) == pytest.approx(1.0)
