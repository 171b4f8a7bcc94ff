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
    assert m["where"] == {"gradient descent": "plateau", "momentum": "minimum"}


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


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_data_parallel_trains_the_same_model_and_prices_the_all_reduce(run_quick, seed):
    m = run_quick("training.data_parallel", seed=seed)
    one, two = m["one_rank"], m["n_ranks"]
    assert (one["ranks"], two["ranks"]) == (1, 2) and one["steps_per_epoch"] == two["steps_per_epoch"]
    assert m["first_step_weight_gap"] < 1e-6              # the same global-batch gradient
    assert abs(one["test_accuracy"] - two["test_accuracy"]) <= 0.01 and one["test_accuracy"] > 0.85
    assert 0 < m["allreduce_share"] < 1 and two["allreduce_seconds"] > 0
    w2, resnet = m["efficiency"]["W2"], m["efficiency"]["ResNet-18"]
    assert w2["8"] > w2["64"] > w2["512"] and resnet["512"] > w2["512"]


def test_ring_allreduce_estimate_by_hand():
    from chainrule.lectures.training.parallel import ring_allreduce_seconds, scaling_efficiency
    # 8 ranks, 1e6 floats, 8 Gbit/s = 1e9 B/s, 10 µs: 14 latencies + 2·7/8·4e6 B / 1e9 B/s
    assert ring_allreduce_seconds(8, 1_000_000, 8.0, 10.0) == pytest.approx(14e-5 + 7e-3)
    assert ring_allreduce_seconds(1, 10**9, 1.0, 1.0) == 0.0
    assert scaling_efficiency(8, 0.1, 1_000_000, 8.0, 10.0) == pytest.approx(0.1 / (0.1 + 14e-5 + 7e-3))


def test_data_parallel_refuses_an_uneven_split(run_quick):
    with pytest.raises(ValueError, match=r"global_batch \(63\) must be a multiple of ranks \(2\)"):
        run_quick("training.data_parallel", global_batch=63)
