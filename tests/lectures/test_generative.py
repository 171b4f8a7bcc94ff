"""Lecture 12's experiments, quick configs, each asserting its stated answer over three seeds."""
import numpy as np
import pytest

from chainrule.lectures.generative.vae import disentanglement, moving_blob


def test_disentanglement_score_by_hand():
    rng = np.random.default_rng(0)
    _, factors = moving_blob(500, rng)
    separate = np.c_[factors[:, 0], factors[:, 1], rng.normal(size=500)]
    mixed = np.c_[factors[:, 0] + factors[:, 1], factors[:, 0] - factors[:, 1], rng.normal(size=500)]
    active = np.array([True, True, False])
    assert disentanglement(separate, factors, active) > 0.85
    assert disentanglement(mixed, factors, active) < 0.1
    assert disentanglement(separate, factors, np.zeros(3, bool)) == 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vae_kl_term_makes_random_codes_decode_to_digits(run_quick, seed):
    m = run_quick("generative.vae", seed=seed)
    v, a = m["vae"], m["no_kl"]
    assert -40 < v["elbo"] < -15 and v["elbo"] == pytest.approx(-v["reconstruction"] - v["kl"], abs=1.5)
    assert a["reconstruction"] < v["reconstruction"] and a["code_spread"] > 2 * v["code_spread"]
    assert v["codes_inside_prior"] > 0.6 > 0.3 > a["codes_inside_prior"]
    assert v["digits_drawn"] >= 8 > a["digits_drawn"] and v["label_entropy_bits"] > a["label_entropy_bits"] + 0.5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reparameterized_gradient_has_far_less_variance(run_quick, seed):
    m = run_quick("generative.reparameterization", seed=seed)
    assert m["autograd_matches_formula"]
    assert m["reparameterized"]["mean"] == pytest.approx(m["exact"], abs=0.25)
    assert m["score_function"]["mean"] == pytest.approx(m["exact"], abs=2.0)
    assert m["variance_ratio"] > 5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cvae_draws_the_digit_asked_for(run_quick, seed):
    m = run_quick("generative.cvae", seed=seed)
    assert m["accuracy"] > 0.6 and m["judge_accuracy"] > 0.85


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_larger_beta_trades_reconstruction_for_fewer_nats(run_quick, seed):
    rows = run_quick("generative.beta_vae", seed=seed)["rows"]
    for a, b in zip(rows, rows[1:]):
        assert b["reconstruction"] > a["reconstruction"] and b["kl"] < a["kl"]
        assert b["active_units"] <= a["active_units"]
    assert rows[-1]["active_units"] <= 2 < rows[0]["active_units"] and rows[-1]["kl"] < 0.3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_realnvp_likelihood_is_near_the_kernel_density_estimate(run_quick, seed):
    m = run_quick("generative.realnvp", seed=seed)
    assert abs(m["gap"]) < 0.12
    assert np.allclose(m["latent_mean"], 0, atol=0.15) and np.allclose(m["latent_std"], 1, atol=0.15)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ddpm_samples_are_far_closer_than_noise(run_quick, seed):
    m = run_quick("generative.ddpm", seed=seed)
    f = m["frechet"]
    assert m["final_loss"] < 0.25 * m["first_loss"]
    assert f["real"] < f["DDPM"] < 0.8 * f["noise"]    # the full config reaches < 25% (see the lecture's page)

