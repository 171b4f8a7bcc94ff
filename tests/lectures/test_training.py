"""Lecture 3's experiments, quick configs, each asserting its stated answer."""
import pytest


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_saddle_point_found_and_escaped(run_quick, seed):
    m = run_quick("training.critical_points", seed=seed)
    assert m["gradient_at_zero"] < 1e-12
    assert m["hessian_eigenvalues_at_zero"][0] < 0
    assert m["loss_after_escape"] < m["loss_at_saddle"]
    assert m["counts"]["minimum"] + m["counts"]["saddle"] >= 4          # most runs reach a critical point
    for kind, ratio, g in zip(m["kinds"], m["minimum_ratios"], m["final_gradient_norms"]):
        assert (g < 1e-6) == (kind != "not converged")
        assert kind != "saddle" or ratio < 1.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_adam_beats_sgd_on_an_ill_conditioned_surface(run_quick, seed):
    final = run_quick("training.optimizers", seed=seed)["final_loss"]
    assert final["Adam"] < final["SGD"] and final["SGD + momentum"] < final["SGD"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_momentum_crosses_the_plateau(run_quick, seed):
    m = run_quick("training.momentum_plateau", seed=seed)
    assert m["final_loss"]["momentum"] < m["final_loss"]["gradient descent"] / 10


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batch_size_trade_off(run_quick, seed):
    m = run_quick("training.batch_size", seed=seed)
    assert m["large"]["updates_per_epoch"] < m["small"]["updates_per_epoch"] / 10  # (time is a benchmark's job)
    assert m["small"]["test_accuracy"] > m["large"]["test_accuracy"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batch_norm_trains_a_deep_sigmoid_net(run_quick, seed):
    m = run_quick("training.batchnorm", seed=seed)
    assert m["with"]["train_loss"][-1] < m["without"]["train_loss"][-1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_warmup_and_decay(run_quick, seed):
    m = run_quick("training.lr_schedule", seed=seed)
    assert m["warmup + cosine decay"]["test_accuracy"] >= m["constant"]["test_accuracy"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_diverging_learning_rate_is_a_result_not_a_crash(run_quick, seed):
    m = run_quick("training.lr_schedule", seed=seed, lr="10")
    assert m["constant"]["diverged_at_step"] is not None and m["constant"]["diverged_at_step"] > 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_robust_losses_resist_outliers(run_quick, seed):
    err = run_quick("training.robust_losses", seed=seed)["parameter_error"]
    assert err["MAE"] < err["MSE"] and err["Huber"] < err["MSE"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_overfitting_remedies(run_quick, seed):
    acc = run_quick("training.overfitting_remedies", seed=seed)["test_accuracy"]
    assert acc["more data (×7)"] > acc["baseline"]
    assert acc["augmentation (noise)"] >= acc["baseline"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cross_validation_chooses_a_good_degree(run_quick, seed):
    m = run_quick("training.cross_validation", seed=seed)
    test = m["test_mse"]
    assert test[m["chosen_degree"]] <= 1.2 * min(test.values())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tall_represents_what_fat_cannot(run_quick, seed):
    m = run_quick("training.fat_or_tall", seed=seed)
    assert m["tall_mse"] < 1e-10 < 0.01 < m["fat_best_mse"]
    assert m["fat_parameters"] <= m["tall_parameters"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_deeper_plain_net_has_higher_training_loss(run_quick, seed):
    m = run_quick("training.model_bias_vs_optimization", seed=seed)
    assert m["deep"]["train_loss"] > m["shallow"]["train_loss"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hoeffding_bound_holds(run_quick, seed):
    m = run_quick("training.hoeffding", seed=seed)
    for n, p in m["empirical"].items():
        assert p <= m["bound"][n]


def test_an_optimizer_that_diverges_is_named_not_divided_by(run_quick):
    m = run_quick("training.optimizers", lr="5")
    assert "SGD" in m["diverged"] and "Adam" not in m["diverged"]
