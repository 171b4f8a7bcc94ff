"""The HMM's algorithms against brute-force enumeration of every state path; the Jordan network's
gradients against finite differences."""
import itertools

import numpy as np
import pytest

import chainrule as cr
from chainrule.models import HMM, JordanRNN


def _joint(h, z, x):
    p = h.start[z[0]] * h.emission[z[0], x[0]]
    for t in range(1, len(x)):
        p *= h.transition[z[t - 1], z[t]] * h.emission[z[t], x[t]]
    return p


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_forward_viterbi_and_posterior_equal_brute_force(seed):
    h = HMM(3, 4, seed=seed)
    x = np.random.default_rng(seed).integers(0, 4, 5)
    paths = list(itertools.product(range(3), repeat=5))
    joint = np.array([_joint(h, z, x) for z in paths])
    assert np.isclose(h.log_likelihood(x), np.log(joint.sum()))
    best, logp = h.viterbi(x)
    assert tuple(best) == paths[int(joint.argmax())] and np.isclose(logp, np.log(joint.max()))
    post = h.posterior(x)
    for t in range(5):
        for j in range(3):
            assert np.isclose(post[t, j], sum(p for z, p in zip(paths, joint) if z[t] == j) / joint.sum())


def test_baum_welch_never_lowers_the_likelihood_and_recovers_a_model():
    true = HMM(2, 3, start=[0.8, 0.2], transition=[[0.9, 0.1], [0.2, 0.8]],
               emission=[[0.7, 0.2, 0.1], [0.1, 0.2, 0.7]])
    data = [true.sample(40, seed=s)[1] for s in range(30)]
    model = HMM(2, 3, seed=5)
    history = model.baum_welch(data, iterations=40)
    assert all(b >= a - 1e-9 for a, b in zip(history, history[1:]))
    truth = sum(true.log_likelihood(x) for x in data)
    assert history[-1] >= truth - 5.0            # as good as the generating model, up to estimation noise


def test_hmm_rejects_bad_parameters_and_symbols():
    with pytest.raises(ValueError, match="rows summing to 1"):
        HMM(2, 2, transition=[[0.5, 0.4], [0.5, 0.5]])
    with pytest.raises(ValueError, match="observations"):
        HMM(2, 2).forward([0, 2])


def test_jordan_net_feeds_back_its_output_and_its_gradients_are_right():
    cr.manual_seed(0)
    m = JordanRNN(3, 5, 2).to(cr.float64)
    x = cr.tensor(np.random.default_rng(0).standard_normal((4, 2, 3)), requires_grad=True)
    out = m(x)
    assert tuple(out.shape) == (4, 2, 2)
    # by hand: y_t = W_o tanh(W_x x_t + W_y y_{t−1} + b) + b_o
    y = np.zeros((2, 2))
    for t in range(4):
        h = np.tanh(x.detach().numpy()[t] @ m.w_x.weight.detach().numpy().T + m.w_x.bias.detach().numpy()
                    + y @ m.w_y.weight.detach().numpy().T)
        y = h @ m.w_o.weight.detach().numpy().T + m.w_o.bias.detach().numpy()
        np.testing.assert_allclose(out[t].detach().numpy(), y, atol=1e-12)
    assert cr.autograd.gradcheck(lambda a: m(a).pow(2).sum(), (x,))
