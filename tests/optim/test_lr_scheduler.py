"""Every scheduler's learning-rate sequence against PyTorch's for 120 steps."""
import math

import numpy as np
import pytest
import torch

import chainrule as cr


def _opt(lib, momentum=True):
    ps = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
    groups = [{"params": ps[:1], "lr": 0.1}, {"params": ps[1:], "lr": 0.05}]
    return lib.optim.SGD(groups, lr=0.1, momentum=0.9) if momentum else lib.optim.Adam(groups)


SCHEDULERS = {
    "lambda": lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, [lambda e: 0.95 ** e, lambda e: 1 / (e + 1)]),
    "step": lambda lib, o: lib.optim.lr_scheduler.StepLR(o, 7, gamma=0.5),
    "multistep": lambda lib, o: lib.optim.lr_scheduler.MultiStepLR(o, [10, 30, 30, 80], gamma=0.3),
    "exponential": lambda lib, o: lib.optim.lr_scheduler.ExponentialLR(o, 0.97),
    "cosine": lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingLR(o, T_max=25, eta_min=0.001),
    "cosine_restarts": lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=0.01),
    "linear": lambda lib, o: lib.optim.lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=20),
    "constant": lambda lib, o: lib.optim.lr_scheduler.ConstantLR(o, factor=0.4, total_iters=15),
    "polynomial": lambda lib, o: lib.optim.lr_scheduler.PolynomialLR(o, total_iters=50, power=2.0),
    "onecycle": lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=130),
    "onecycle_three_linear": lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(
        o, max_lr=0.3, total_steps=125, three_phase=True, anneal_strategy="linear", pct_start=0.25),
    "cyclic": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=9, step_size_down=5),
    "cyclic_tri2": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=6, mode="triangular2"),
    "cyclic_exp": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=6, mode="exp_range", gamma=0.98),
    "sequential": lambda lib, o: lib.optim.lr_scheduler.SequentialLR(
        o, [lib.optim.lr_scheduler.LinearLR(o, 0.1, total_iters=10),
            lib.optim.lr_scheduler.CosineAnnealingLR(o, T_max=40),
            lib.optim.lr_scheduler.ExponentialLR(o, 0.9)], milestones=[10, 60]),
}


def _sequence(lib, name, steps=120):
    opt = _opt(lib)
    sched = SCHEDULERS[name](lib, opt)
    out = []
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append(list(sched.get_last_lr()) + [g.get("momentum", 0) for g in opt.param_groups])
    return np.array(out, dtype=float)


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_schedule_matches_torch(name):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(_sequence(cr, name), _sequence(torch, name), rtol=1e-10, atol=1e-14)


def test_reduce_lr_on_plateau_matches_torch():
    losses = [1.0, 0.9, 0.95, 0.96, 0.97, 0.9, 0.89, 0.89, 0.89, 0.89, 0.89, 0.5] * 10
    seqs = []
    for lib in (cr, torch):
        opt = _opt(lib)
        s = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=2, factor=0.5, cooldown=1, min_lr=[0.001, 0.01])
        seq = []
        for loss in losses:
            s.step(loss)
            seq.append([g["lr"] for g in opt.param_groups])
        seqs.append(seq)
    np.testing.assert_allclose(seqs[0], seqs[1])


def test_scheduler_state_dict_round_trip():
    opt = _opt(cr)
    s = cr.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        s.step()
    sd = s.state_dict()
    opt2 = _opt(cr)
    s2 = cr.optim.lr_scheduler.CosineAnnealingLR(opt2, T_max=10)
    s2.load_state_dict(sd)
    opt2.load_state_dict(opt.state_dict())
    for _ in range(3):
        s.step()
        s2.step()
    assert s.get_last_lr() == s2.get_last_lr()


def test_notes_schedules_by_formula():
    opt = _opt(cr)
    s = cr.optim.lr_scheduler.InverseSqrtLR(opt)
    for t in range(1, 6):
        opt.step()
        s.step()
        assert s.get_last_lr()[0] == pytest.approx(0.1 / math.sqrt(t + 1))
    p = cr.zeros(1, requires_grad=True)
    opt = cr.optim.Adam([p], lr=1.0)
    s = cr.optim.lr_scheduler.TransformerWarmupLR(opt, d_model=512, warmup_steps=4000)
    rates = [opt.param_groups[0]["lr"]]
    for _ in range(9999):
        opt.step()
        s.step()
        rates.append(opt.param_groups[0]["lr"])
    for step in (1, 100, 3999, 4000, 4001, 10000):
        assert rates[step - 1] == pytest.approx(512 ** -0.5 * min(step ** -0.5, step * 4000 ** -1.5))
    assert int(np.argmax(rates)) + 1 == 4000  # warmup peaks at warmup_steps
