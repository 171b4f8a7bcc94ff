"""Every optimizer against torch.optim for 120 steps on the same parameters and gradients, and the
notes' forms against their formulas computed by hand."""
import math

import numpy as np
import pytest
import torch

import chainrule as cr

SHAPES = [(3, 4), (5,), (2, 2, 2)]


def _run(make, lib, steps=120, groups=None, lr_change=None):
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(steps)]
    params = [lib.tensor(a, requires_grad=True) for a in init]
    if groups:
        opt = make(lib, [dict(params=params[:2], **groups[0]), dict(params=params[2:], **groups[1])])
    else:
        opt = make(lib, params)
    for t in range(steps):
        for p, g in zip(params, grads[t]):
            p.grad = lib.tensor(g)
        opt.step()
        if lr_change and t == lr_change[0]:
            for group in opt.param_groups:
                group["lr"] = lr_change[1]
    return [p.detach().numpy() if lib is torch else p.data for p in params], opt


CASES = {
    "sgd": lambda lib, p: lib.optim.SGD(p, lr=0.05),
    "sgd_momentum_wd": lambda lib, p: lib.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01, dampening=0.1),
    "sgd_nesterov": lambda lib, p: lib.optim.SGD(p, lr=0.03, momentum=0.8, nesterov=True),
    "sgd_maximize": lambda lib, p: lib.optim.SGD(p, lr=0.01, momentum=0.5, maximize=True),
    "adagrad": lambda lib, p: lib.optim.Adagrad(p, lr=0.1, lr_decay=0.01, weight_decay=0.02, initial_accumulator_value=0.1),
    "rmsprop": lambda lib, p: lib.optim.RMSprop(p, lr=0.01),
    "rmsprop_centered_momentum": lambda lib, p: lib.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.7, centered=True, weight_decay=0.01),
    "adadelta": lambda lib, p: lib.optim.Adadelta(p, lr=0.5, rho=0.8, weight_decay=0.01),
    "adam": lambda lib, p: lib.optim.Adam(p, lr=0.01),
    "adam_amsgrad_wd": lambda lib, p: lib.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), weight_decay=0.05, amsgrad=True),
    "adamw": lambda lib, p: lib.optim.AdamW(p, lr=0.01, weight_decay=0.1),
    "adamw_amsgrad": lambda lib, p: lib.optim.AdamW(p, lr=0.02, amsgrad=True),
    "adamax": lambda lib, p: lib.optim.Adamax(p, lr=0.01, weight_decay=0.01),
    "nadam": lambda lib, p: lib.optim.NAdam(p, lr=0.01, weight_decay=0.01),
    "nadam_decoupled": lambda lib, p: lib.optim.NAdam(p, lr=0.01, weight_decay=0.01, decoupled_weight_decay=True),
    "radam": lambda lib, p: lib.optim.RAdam(p, lr=0.01, weight_decay=0.01),
    "radam_decoupled": lambda lib, p: lib.optim.RAdam(p, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_optimizer_matches_torch(name):
    ours, _ = _run(CASES[name], cr)
    theirs, _ = _run(CASES[name], torch)
    # torch keeps NAdam's running μ product as a float32 scalar even for float64 parameters
    rtol = 1e-7 if name.startswith("nadam") else 1e-9
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-11)


@pytest.mark.parametrize("name", ["sgd_momentum_wd", "adam", "rmsprop", "adagrad"])
def test_param_groups_with_their_own_options(name):
    groups = [dict(lr=0.02, weight_decay=0.1), dict(lr=0.005)]
    ours, _ = _run(CASES[name], cr, groups=groups)
    theirs, _ = _run(CASES[name], torch, groups=groups)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def test_state_dict_structure_and_resume():
    ours, opt = _run(CASES["adam_amsgrad_wd"], cr, steps=10)
    _, topt = _run(CASES["adam_amsgrad_wd"], torch, steps=10)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sorted(sd["state"]) == sorted(tsd["state"])
    assert sorted(sd["state"][0]) == sorted(tsd["state"][0])
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in tsd["param_groups"]]
    # a fresh optimizer loaded from the state continues exactly like the original
    params = [cr.tensor(a, requires_grad=True) for a in ours]
    fresh = cr.optim.Adam(params, lr=0.5)
    fresh.load_state_dict(sd)
    assert fresh.param_groups[0]["lr"] == 0.01 and fresh.param_groups[0]["betas"] == (0.8, 0.99)
    g = [np.ones(s) for s in SHAPES]
    for p, gg in zip(params, g):
        p.grad = cr.tensor(gg)
    fresh.step()
    for p, gg in zip(opt.param_groups[0]["params"], g):
        p.grad = cr.tensor(gg)
    opt.step()
    for a, b in zip(params, opt.param_groups[0]["params"]):
        np.testing.assert_array_equal(a.data, b.data)


def test_notes_momentum_equals_pytorch_with_constant_lr_and_differs_when_lr_changes():
    make = lambda form: (lambda lib, p: lib.optim.SGD(p, lr=0.05, momentum=0.9, form=form))
    a, _ = _run(make("notes"), cr)
    b, _ = _run(make("pytorch"), cr)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-10)
    a, _ = _run(make("notes"), cr, lr_change=(50, 0.01))
    b, _ = _run(make("pytorch"), cr, lr_change=(50, 0.01))
    assert not np.allclose(a[0], b[0])


def test_notes_momentum_by_hand():
    p = cr.tensor([1.0, -2.0], dtype=cr.float64, requires_grad=True)
    opt = cr.optim.SGD([p], lr=0.1, momentum=0.5, form="notes")
    theta, m = np.array([1.0, -2.0]), np.zeros(2)
    for g in ([1.0, 2.0], [0.5, -1.0], [-1.0, 0.0]):
        p.grad = cr.tensor(g, dtype=cr.float64)
        opt.step()
        m = 0.5 * m - 0.1 * np.array(g)          # m ← λm − ηg
        theta = theta + m                         # θ ← θ + m
        np.testing.assert_allclose(p.data, theta)


def test_notes_adagrad_by_hand_and_equal_to_pytorch_form():
    rng = np.random.default_rng(1)
    gs = [rng.standard_normal(3) for _ in range(20)]
    p = cr.tensor(np.zeros(3), dtype=cr.float64, requires_grad=True)
    opt = cr.optim.Adagrad([p], lr=0.3, eps=0.0, form="notes")
    theta, past = np.zeros(3), []
    for t, g in enumerate(gs):
        p.grad = cr.tensor(g)
        opt.step()
        past.append(g)
        sigma = np.sqrt(np.mean(np.square(past), axis=0))    # RMS of g⁰…gᵗ
        theta = theta - (0.3 / math.sqrt(t + 1)) / sigma * g   # η/√(t+1) / σᵗ · gᵗ
        np.testing.assert_allclose(p.data, theta, rtol=1e-12)
    q = cr.tensor(np.zeros(3), dtype=cr.float64, requires_grad=True)
    opt2 = cr.optim.Adagrad([q], lr=0.3, eps=0.0)
    for g in gs:
        q.grad = cr.tensor(g)
        opt2.step()
    np.testing.assert_allclose(q.data, p.data, rtol=1e-12)  # the √(t+1) cancels: same update


def test_notes_rmsprop_by_hand_and_its_difference_from_pytorch():
    gs = [np.array([2.0, -0.5]), np.array([1.0, 1.0]), np.array([-3.0, 0.2])]
    p = cr.tensor([0.0, 0.0], dtype=cr.float64, requires_grad=True)
    opt = cr.optim.RMSprop([p], lr=0.1, alpha=0.9, eps=0.0, form="notes")
    theta, sigma = np.zeros(2), None
    for g in gs:
        p.grad = cr.tensor(g)
        opt.step()
        sigma = np.abs(g) if sigma is None else np.sqrt(0.9 * sigma ** 2 + 0.1 * g ** 2)  # σ⁰ = |g⁰|
        theta = theta - 0.1 / sigma * g
        np.testing.assert_allclose(p.data, theta, rtol=1e-12)
    q = cr.tensor([0.0, 0.0], dtype=cr.float64, requires_grad=True)
    opt2 = cr.optim.RMSprop([q], lr=0.1, alpha=0.9, eps=0.0)
    q.grad = cr.tensor(gs[0])
    opt2.step()
    np.testing.assert_allclose(q.data, -0.1 * np.sign(gs[0]) / math.sqrt(0.1))  # PyTorch: v⁰ = 0


def test_lookahead_formula():
    p = cr.tensor([1.0], dtype=cr.float64, requires_grad=True)
    opt = cr.optim.Lookahead(cr.optim.SGD([p], lr=0.1), k=2, alpha=0.5)
    for _ in range(2):
        p.grad = cr.tensor([1.0], dtype=cr.float64)
        opt.step()
    np.testing.assert_allclose(p.data, [1.0 + 0.5 * ((1.0 - 0.2) - 1.0)])  # φ + α(θ − φ)


@pytest.mark.parametrize("make,msg", [
    (lambda p: cr.optim.SGD(p, lr=-0.1), "SGD: invalid learning rate: -0.1"),
    (lambda p: cr.optim.Adam(p, betas=(1.0, 0.9)), r"Adam: invalid beta parameter at index 0: 1.0 \(expected \[0.0, 1.0\)\)"),
    (lambda p: cr.optim.Adam(p, eps=-1), "Adam: invalid epsilon value: -1"),
    (lambda p: cr.optim.RMSprop(p, momentum=-0.5), "RMSprop: invalid momentum value: -0.5"),
    (lambda p: cr.optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum"),
    (lambda p: cr.optim.SGD([{"params": p}, {"params": p[:1]}], lr=0.1), "some parameters appear in more than one parameter group"),
    (lambda p: cr.optim.SGD(p + p[:1], lr=0.1), "a parameter appears more than once"),
    (lambda p: cr.optim.Adam([]), "empty parameter list"),
])
def test_bad_options(make, msg):
    params = [cr.zeros(2, requires_grad=True), cr.zeros(3, requires_grad=True)]
    with pytest.raises(ValueError, match=msg):
        make(params)


def test_zero_grad_and_closure():
    p = cr.tensor([3.0], requires_grad=True)
    opt = cr.optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    loss = opt.step(closure)
    assert loss.item() == 9.0 and abs(p.item() - 2.4) < 1e-6
    opt.zero_grad()
    assert p.grad is None
