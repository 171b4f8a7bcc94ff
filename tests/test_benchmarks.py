"""The benchmark harness and its peer translations (timings themselves are never asserted)."""
import os
import sys

import numpy as np
import pytest
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import harness, peers, workloads  # noqa: E402


def test_run_times_every_library_and_the_table_reports_ratio_verdict_and_peers(monkeypatch):
    monkeypatch.setattr(harness, "MIN_ROUND", 0.0)  # one step per round
    calls = {"a": 0, "b": 0, "p": 0}

    def build(lib):
        def step():
            calls[lib] += 1
        return step

    def peer(_builder):
        def step():
            calls["p"] += 1
        return step

    build.peer = peer
    w = harness.Workload("toy", build, target=2.0, rounds=4, settle=0)
    t, ratio = harness.run(w, {"a": "a", "b": "b"}, "b", quick=True, peers={"p": None})
    assert set(t) == set(ratio) == {"a", "b", "p"} and all(v >= 0 for v in t.values())
    assert ratio["b"] == 1.0
    assert calls == {"a": 6, "b": 6, "p": 6}  # 3 warm-up steps, then max(3, rounds // 4) rounds
    row = {"name": "toy", "chainrule_ms": 3.0, "torch_ms": 2.0, "ratio": 1.5, "target": 2.0,
           "peers": {"p": 4.0}}
    line = harness.format_table([row]).splitlines()[-1]
    assert "1.50x" in line and "ok" in line and "p 4.00x" in line
    miss = harness.format_table([dict(row, ratio=2.5, peers={})]).splitlines()[-1]
    assert miss.endswith("MISS")


def test_the_ratio_pairs_the_libraries_round_by_round(monkeypatch):
    times = {"a": [1.0, 4.0, 2.0], "b": [2.0, 2.0, 1.0]}  # seconds, round by round
    monkeypatch.setattr(harness, "_run_timed", lambda *args: times)
    w = harness.Workload("toy", lambda lib: (lambda: None), rounds=3, settle=0)
    t, ratio = harness.run(w, {"a": "a", "b": "b"}, "b")
    assert t == {"a": 2.0, "b": 2.0}  # the medians alone would say 1.0
    assert ratio == {"a": 2.0, "b": 1.0}  # round ratios 0.5, 2, 2


def test_short_steps_are_timed_several_to_a_round():
    w = harness.Workload("toy", None, inner=1)
    assert harness.steps_per_round(w, harness.MIN_ROUND / 4.5) == 5
    assert harness.steps_per_round(w, harness.MIN_ROUND * 3) == 1
    assert harness.steps_per_round(harness.Workload("toy", None, inner=7), harness.MIN_ROUND) == 7
    assert harness.steps_per_round(w, 0.0) == 1


def test_layers_of_reads_the_lenet_off_the_torch_model():
    layers = peers.layers_of(workloads.lenet(torch.nn))
    assert [layer[0] for layer in layers] == ["conv", "relu", "pool", "conv", "relu", "pool", "flatten",
                                             "linear", "relu", "linear", "relu", "linear"]
    assert layers[0][1].shape == (6, 1, 5, 5) and layers[0][3] == 2 and layers[2][1] == 2
    with pytest.raises(ValueError, match="no peer translation for layer Tanh"):
        peers.layers_of(torch.nn.Sequential(torch.nn.Tanh()))


@pytest.mark.parametrize("name", sorted(peers.PEERS))
@pytest.mark.parametrize("workload", ["W1_mlp_step", "W2_lenet_step"])
def test_each_installed_peer_computes_pytorchs_loss_and_learns(name, workload):
    found = peers.installed()
    if name not in found:
        pytest.skip(f"{name} is not installed (pip install '.[peers]')")
    w = next(w for w in harness.REGISTRY if w.name == workload)
    step = w.build.peer(found[name])  # raises unless its first loss equals PyTorch's
    if step is None:
        assert name == "numpy" and workload == "W2_lenet_step"   # the NumPy reference is W1's only
        return
    first = step()
    for _ in range(3):
        last = step()
    assert np.isfinite(last) and last < first


@pytest.mark.parametrize("norm_first", [False, True])
def test_w4_encoder_trains_as_pytorchs_does(norm_first):
    """The W4 model in both libraries, same weights and batch: the same losses over three SGD steps."""
    from benchmarks.workloads_seq import encoder_classifier
    import chainrule as cr
    torch.manual_seed(0)
    ref = encoder_classifier(torch.nn, T=16, norm_first=norm_first)
    model = encoder_classifier(cr.nn, T=16, norm_first=norm_first)
    model.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 256, (4, 16)), rng.integers(0, 10, 4)
    losses = []
    for lib, m in ((cr, model), (torch, ref)):
        opt = lib.optim.SGD(m.parameters(), lr=0.1)
        out = []
        for _ in range(3):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(m(lib.tensor(x)), lib.tensor(y))
            loss.backward()
            opt.step()
            out.append(loss.item())
        losses.append(out)
    np.testing.assert_allclose(losses[0], losses[1], rtol=2e-5)
    assert losses[0][-1] < losses[0][0]


def test_generative_twins_equal_chainrule_models_forward_and_backward():
    """The torch twins the DCGAN and DDPM benchmarks race are the same functions as chainrule.models'."""
    import chainrule as cr
    from benchmarks.workloads_generative import _copied, _torch_dcgan, _torch_unet
    from chainrule.models import gan
    from chainrule.models.diffusion import UNet
    torch.manual_seed(0)
    g, d = _torch_dcgan(16, 8)
    ours_g, ours_d = _copied(g, gan.DCGANGenerator(16, 8)), _copied(d, gan.DCGANDiscriminator(8))
    unet = _torch_unet(8, 50)
    ours_unet = _copied(unet, UNet(base=8, timesteps=50))
    rng = np.random.default_rng(0)
    z = rng.standard_normal((4, 16)).astype(np.float32)
    x = rng.standard_normal((3, 1, 28, 28)).astype(np.float32)
    t = np.array([0, 17, 49])
    pairs = [(d(g(torch.tensor(z))), ours_d(ours_g(cr.tensor(z))), (g, d), (ours_g, ours_d)),
             (unet(torch.tensor(x), torch.tensor(t)), ours_unet(cr.tensor(x), cr.tensor(t)), (unet,), (ours_unet,))]
    for want, got, theirs, ours in pairs:
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-4, atol=1e-5)
        (want ** 2).sum().backward()
        (got ** 2).sum().backward()
        for tm, om in zip(theirs, ours):
            for (name, tp), op in zip(tm.named_parameters(), om.parameters()):
                np.testing.assert_allclose(op.grad.numpy(), tp.grad.numpy(), rtol=2e-3, atol=2e-4, err_msg=name)
