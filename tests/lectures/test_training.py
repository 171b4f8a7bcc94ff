"""Lecture 3's experiments, quick configs, each asserting its stated answer."""


def test_saddle_point_found_and_escaped(run_quick):
    for seed in (0, 1, 2):
        m = run_quick("training.critical_points", seed=seed)
        assert m["gradient_at_zero"] < 1e-12
        assert m["hessian_eigenvalues_at_zero"][0] < 0
        assert m["loss_after_escape"] < m["loss_at_saddle"]
        assert m["counts"]["minimum"] + m["counts"]["saddle"] >= 4          # most runs reach a critical point
        for kind, ratio, g in zip(m["kinds"], m["minimum_ratios"], m["final_gradient_norms"]):
            assert (g < 1e-6) == (kind != "not converged")
            assert kind != "saddle" or ratio < 1.0


def test_adam_beats_sgd_on_an_ill_conditioned_surface(run_quick):
    final = run_quick("training.optimizers")["final_loss"]
    assert final["Adam"] < final["SGD"] and final["SGD + momentum"] < final["SGD"]


def test_momentum_crosses_the_plateau(run_quick):
    m = run_quick("training.momentum_plateau")
    assert m["final_loss"]["momentum"] < m["final_loss"]["gradient descent"] / 10


def test_batch_size_trade_off(run_quick):
    m = run_quick("training.batch_size")
    assert m["large"]["updates_per_epoch"] < m["small"]["updates_per_epoch"] / 10  # (time is a benchmark's job)
    assert m["small"]["test_accuracy"] > m["large"]["test_accuracy"]


def test_batch_norm_trains_a_deep_sigmoid_net(run_quick):
    m = run_quick("training.batchnorm")
    assert m["with"]["train_loss"][-1] < m["without"]["train_loss"][-1]


def test_warmup_and_decay(run_quick):
    m = run_quick("training.lr_schedule")
    assert m["warmup + cosine decay"]["test_accuracy"] >= m["constant"]["test_accuracy"]


def test_a_diverging_learning_rate_is_a_result_not_a_crash(run_quick):
    m = run_quick("training.lr_schedule", lr="3")
    assert m["constant"]["diverged_at_step"] is not None and m["constant"]["diverged_at_step"] > 0


def test_robust_losses_resist_outliers(run_quick):
    err = run_quick("training.robust_losses")["parameter_error"]
    assert err["MAE"] < err["MSE"] and err["Huber"] < err["MSE"]


def test_overfitting_remedies(run_quick):
    acc = run_quick("training.overfitting_remedies")["test_accuracy"]
    assert acc["more data (×7)"] > acc["baseline"]
    assert acc["augmentation (noise)"] >= acc["baseline"]


def test_cross_validation_chooses_a_good_degree(run_quick):
    m = run_quick("training.cross_validation")
    test = m["test_mse"]
    assert test[m["chosen_degree"]] <= 1.2 * min(test.values())


def test_tall_represents_what_fat_cannot(run_quick):
    m = run_quick("training.fat_or_tall")
    assert m["tall_mse"] < 1e-10 < 0.01 < m["fat_best_mse"]
    assert m["fat_parameters"] <= m["tall_parameters"]


def test_deeper_plain_net_has_higher_training_loss(run_quick):
    m = run_quick("training.model_bias_vs_optimization")
    assert m["deep"]["train_loss"] > m["shallow"]["train_loss"]


def test_hoeffding_bound_holds(run_quick):
    m = run_quick("training.hoeffding")
    for n, p in m["empirical"].items():
        assert p <= m["bound"][n]
