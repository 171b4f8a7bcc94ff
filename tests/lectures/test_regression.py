"""Lecture 1's experiments, quick configs, each asserting its stated answer."""
import pytest


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_seven_days_predict_better_than_one(run_quick, seed):
    m = run_quick("regression.linear_views", seed=seed)
    assert m["7_day"]["test_mae"] < m["1_day"]["test_mae"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_learning_rate_crawls_converges_oscillates_diverges(run_quick, seed):
    m = run_quick("regression.error_surface", seed=seed)
    assert m["verdict"] == {"0.02": "crawls", "0.2": "converges", "0.37": "oscillates across the valley",
                            "0.45": "diverges"}
    assert m["final_loss"]["0.2"] <= 1.05 * m["minimum_loss"] < m["final_loss"]["0.02"]
    assert 0.37 < m["largest_stable_lr"] < 0.45


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_learning_rate_setting_gets_an_honest_verdict(run_quick, seed):
    m = run_quick("regression.error_surface", seed=seed, lrs="0.1,0.5")
    assert m["verdict"]["0.5"] == "diverges" and m["verdict"]["0.1"] in ("converges", "crawls")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_more_pieces_and_a_second_layer_fit_better(run_quick, seed):
    m = run_quick("regression.sigmoid_sum", seed=seed)["train_mse"]
    assert m["30 sigmoids"] < m["3 sigmoids"] / 5
    assert m["2 layers of 10 ReLUs"] < m["1 layer of 10 ReLUs"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_higher_degree_overfits(run_quick, seed):
    m = run_quick("regression.overfitting", seed=seed)
    train, test = m["train_mse"], m["test_mse"]
    assert all(train[d + 1] <= train[d] + 1e-9 for d in range(1, 5))  # nested model sets
    assert test[5] > test[3]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hidden_category_features_help(run_quick, seed):
    m = run_quick("regression.hidden_factor", seed=seed)
    assert m["per_category_test_mse"] < m["single_model_test_mse"] / 2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_regularization_trades_training_for_testing_error(run_quick, seed):
    m = run_quick("regression.regularization", seed=seed)
    test, train = m["test_mse"], m["train_mse"]
    assert min(v for k, v in test.items() if k != "0.0") < test["0.0"]
    assert train["100000.0"] > train["0.0"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_descent_reaches_the_closed_form(run_quick, seed):
    assert run_quick("regression.normal_equations", seed=seed)["max_weight_difference"] < 1e-3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_feature_scaling_speeds_up_descent(run_quick, seed):
    steps = run_quick("regression.feature_scaling", seed=seed)["steps_to_target"]
    raw = steps["raw"] if steps["raw"] > 0 else float("inf")
    assert 0 < steps["standardized"] < raw
