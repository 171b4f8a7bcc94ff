"""Lecture 10's experiments, quick configs, each asserting its stated answer over three seeds."""
import pytest

from chainrule.lectures.common import purity


def test_purity_by_hand():
    assert purity([0, 0, 1, 1], [3, 3, 4, 4]) == 1.0
    assert purity([0, 0, 0, 0], [3, 3, 4, 5]) == 0.5
    assert purity([0, 1, 0, 1], [3, 3, 4, 4]) == 0.5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kmeans_finds_digits_and_pca_sorts_variance(run_quick, seed):
    m = run_quick("unsupervised.kmeans_pca", seed=seed)
    assert m["purity"] > 0.65 > 3 * m["chance"]
    ratios = m["explained_variance_ratio"]
    assert all(a >= b for a, b in zip(ratios, ratios[1:])) and ratios[0] + ratios[1] > 0.2
    assert 5 < m["components_for_90"] < 40 and m["eig_vs_svd"] < 1e-8


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linear_autoencoder_meets_pca_and_a_deep_one_beats_it(run_quick, seed):
    m = run_quick("unsupervised.ae_vs_pca", seed=seed)
    assert m["linear_vs_pca_gap"] < 0.06
    assert m["deep_gain"] > 1.3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_denoising_autoencoder_cleans_noisy_digits(run_quick, seed):
    m = run_quick("unsupervised.denoising", seed=seed)
    e = m["error_to_clean"]
    assert e["denoising AE"] < e["plain AE"] / 1.5 < e["noisy input"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_discrete_codes_rebuild_less_and_one_of_k_is_a_clustering(run_quick, seed):
    m = run_quick("unsupervised.discrete_latent", seed=seed)
    e = m["test_mse"]
    assert e["continuous"] < e["binary"] < e["one-hot"]
    assert m["codes_used"]["one-hot"] >= 8 and m["purity"]["one-hot"] > 0.55
    assert m["purity"]["one-hot"] > m["kmeans_purity"] - 0.15


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reconstruction_error_detects_anomalies(run_quick, seed):
    m = run_quick("unsupervised.anomaly", seed=seed)
    assert m["auc"] > 0.85 and m["auc"] > m["pca_auc"] - 0.02
    assert min(m["auc_by_class"].values()) == m["auc_by_class"][m["hardest"]] < m["auc"]
    assert m["hardest"] in ("shirt", "pullover", "coat", "dress")
