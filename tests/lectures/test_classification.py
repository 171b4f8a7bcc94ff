"""Lecture 2's experiments, quick configs, each asserting its stated answer."""
import pytest


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shared_covariance_is_linear_and_wins_with_little_data(run_quick, seed):
    m = run_quick("classification.shared_covariance", seed=seed)
    assert m["max_gap_to_logistic_form"] < 1e-6
    assert m["accuracy_shared"] > 0.8 and m["accuracy_separate"] > 0.8
    by_size = m["accuracy_by_size"]
    assert by_size["3"]["shared"] > by_size["3"]["separate"] + 0.05       # few points: fewer parameters win
    assert by_size["150"]["separate"] >= by_size["150"]["shared"]          # plenty: the true shapes win


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_naive_bayes(run_quick, seed):
    m = run_quick("classification.naive_bayes", seed=seed)
    assert m["accuracy_naive_bayes"] > 0.8 and m["accuracy_full"] >= m["accuracy_naive_bayes"] - 0.02


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cross_entropy_beats_square_error_from_a_wrong_start(run_quick, seed):
    m = run_quick("classification.ce_vs_square", seed=seed)["accuracy"]
    assert m["cross-entropy"] > m["square error"] + 0.1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_generative_wins_with_little_data(run_quick, seed):
    m = run_quick("classification.generative_vs_discriminative", seed=seed)
    assert m["generative"]["3"] > m["discriminative"]["3"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_softmax_regression_and_binary_softmax_is_sigmoid(run_quick, seed):
    m = run_quick("classification.softmax_regression", seed=seed)
    assert m["test_accuracy"] > 0.9 and m["softmax_vs_sigmoid_gap"] < 1e-6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_xor_needs_features_or_a_hidden_layer(run_quick, seed):
    m = run_quick("classification.xor", seed=seed)
    assert m["accuracy_logistic"] <= m["accuracy_best_line"] + 1e-9 <= 0.85
    assert m["logistic_hedge"] < 0.25
    assert m["accuracy_transformed"] >= 0.95 and m["accuracy_hidden_layer"] >= 0.95


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_perceptron_and_hinge_separate_the_classes(run_quick, seed):
    m = run_quick("classification.perceptron_hinge", seed=seed)
    assert m["accuracy_perceptron"] >= 0.95 and m["accuracy_hinge"] >= 0.95
