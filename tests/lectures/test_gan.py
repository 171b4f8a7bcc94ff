"""Lecture 11's experiments, quick configs, each asserting its stated answer over three seeds."""
import math

import numpy as np
import pytest

from chainrule.lectures.gan.toy import earth_movers_distance


def test_earth_movers_distance_by_hand():
    a = np.array([[0.0, 0.0], [1.0, 0.0]])
    assert earth_movers_distance(a, a[::-1]) == 0.0
    assert earth_movers_distance(a, a + [0.0, 2.0]) == pytest.approx(2.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_js_saturates_and_wasserstein_keeps_a_gradient(run_quick, seed):
    rows = run_quick("gan.js_saturation", seed=seed)["rows"]
    for r in rows:
        assert abs(r["js"] - math.log(2)) < 0.01
        assert r["grad_minimax"] < 1e-3 < 0.5 < r["grad_nonsaturating"]
        assert 0.8 < r["grad_wasserstein"] < 1 + r["distance"] / 20 + 0.2
        assert r["distance"] * 0.8 < r["w"] < r["distance"] * (1 + r["distance"] / 20) * 1.15
    assert rows[-1]["grad_minimax"] < rows[0]["grad_minimax"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clipped_critic_saturates_its_weights_and_gp_measures_the_distance(run_quick, seed):
    m = run_quick("gan.wgan_critics", seed=seed)
    assert m["clip"]["at_bound"] > 0.5 > 0.1 > m["gp"]["at_bound"]
    assert m["clip"]["grad_norm"] < 0.05 and abs(m["gp"]["grad_norm"] - 1) < 0.2
    assert m["clip"]["w_over_emd"] < 0.05 and 0.85 < m["gp"]["w_over_emd"] < 1.25


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_plain_gan_collapses_and_packing_covers_the_ring(run_quick, seed):
    m = run_quick("gan.mode_collapse", seed=seed)
    assert max(m["plain"]["modes_by_step"].values()) <= 2
    assert m["packed"]["modes"] >= 7 and m["packed"]["near_a_mode"] > 0.3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dcgan_samples_score_far_closer_than_noise(run_quick, seed):
    m = run_quick("gan.dcgan", seed=seed)
    f = m["frechet"]
    assert m["scorer_accuracy"] > 0.8
    assert f["real"] < f["DCGAN"] <= 0.4 * f["noise"]    # 350 steps; the full 3,000 reach far lower


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_conditional_gan_draws_the_class_asked_for(run_quick, seed):
    m = run_quick("gan.conditional", seed=seed)
    assert m["accuracy"] > 0.3                                 # chance: 0.1
    assert sum(a > 0.5 for a in m["per_class"].values()) >= 3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cycle_loss_makes_the_round_trip_return(run_quick, seed):
    m = run_quick("gan.cyclegan", seed=seed)
    plain, cycle = m["adversarial_only"], m["with_cycle"]
    assert cycle["cycle_error"] < 0.25 < 0.5 < plain["cycle_error"]
    assert cycle["off_b"] < 0.2 and m["on_the_square"] == [True, True]   # both land on B (within 0.5 of its edge)
