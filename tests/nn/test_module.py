"""The Module system: registration, traversal, modes, state dicts, hooks, printing."""
import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import nn
from layer_oracle import build_pair


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(8, 2)
        self.register_buffer("scale", cr.ones(2))
        self.register_buffer("cache", cr.zeros(1), persistent=False)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


def test_registration_and_traversal():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [n for n, _ in net.named_buffers()] == ["scale", "cache"]
    assert list(net.state_dict()) == ["scale"] + names  # own entries first; non-persistent buffers not saved
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    assert net.get_submodule("fc2") is net.fc2
    assert sum(p.numel() for p in net.parameters()) == 4 * 8 + 8 + 8 * 2 + 2


def test_shared_parameters_are_yielded_once():
    lin = nn.Linear(3, 3)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.modules())) == 3


def test_train_eval_and_requires_grad_propagate():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.Sequential(nn.BatchNorm1d(2)))
    net.eval()
    assert all(not m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_zero_grad_apply_and_to():
    net = Net()
    net(cr.randn(3, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(not p.grad._data.any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Linear", "Net"]
    net.double()
    assert all(p.dtype == cr.float64 for p in net.parameters()) and net.scale.dtype == cr.float64
    net.to(cr.float32)
    assert net.fc1.weight.dtype == cr.float32


def test_attribute_errors():
    net = Net()
    with pytest.raises(TypeError, match="cannot assign 'int' as parameter 'weight'"):
        net.fc1.weight = 3
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'missing'"):
        net.missing
    with pytest.raises(AttributeError, match="before Module.__init__"):
        class Bad(nn.Module):
            def __init__(self):
                self.w = nn.Parameter(cr.ones(1))
        Bad()


def test_load_state_dict_reports_every_problem_and_changes_nothing():
    net = Net()
    before = {k: v._data.copy() for k, v in net.state_dict().items()}
    sd = {k: v._data.copy() for k, v in Net().state_dict().items()}
    del sd["fc1.bias"]
    sd["extra"] = np.zeros(1)
    sd["fc2.weight"] = np.zeros((3, 8))
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert 'Missing key(s) in state_dict: "fc1.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "extra"' in msg
    assert "size mismatch for fc2.weight: copying a param with shape (3, 8) from checkpoint, " \
           "the shape in current model is (2, 8)" in msg
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v._data, before[k])
    del sd["extra"]
    sd["fc2.weight"] = np.zeros((2, 8))
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["fc1.bias"] and result.unexpected_keys == []
    assert not net.fc2.weight._data.any()


def _mlp(nn):
    return nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10))


def _lenet(nn):
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(),
                         nn.Linear(16 * 5 * 5, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(),
                         nn.Linear(84, 10))


class _EmbedBN:
    @staticmethod
    def make(nn):
        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(20, 8, padding_idx=0)
                self.conv = nn.Conv1d(8, 12, 3, padding=1)
                self.bn = nn.BatchNorm1d(12)
                self.drop = nn.Dropout(0.1)
                self.head = nn.Linear(12, 3)

            def forward(self, idx):
                h = self.emb(idx).transpose(1, 2)
                h = self.drop(self.bn(self.conv(h)).relu())
                return self.head(h.mean(2))
        return Model()


@pytest.mark.parametrize("make,x", [(_mlp, lambda lib: lib.tensor(np.random.default_rng(0).standard_normal((5, 784)))),
                                    (_lenet, lambda lib: lib.tensor(np.random.default_rng(0).standard_normal((2, 1, 28, 28)))),
                                    (_EmbedBN.make, lambda lib: lib.tensor(np.random.default_rng(0).integers(0, 20, (4, 7))))],
                         ids=["mlp", "lenet", "embedding_bn_dropout"])
def test_architectures_share_state_dicts_and_outputs_with_torch(make, x):
    c, t = build_pair(make)
    c.eval()
    t.eval()
    np.testing.assert_allclose(c(x(cr))._data, t(x(torch)).detach().numpy(), rtol=1e-7, atol=1e-9)
    # and back: chainrule weights into torch
    c2, t2 = build_pair(make)
    for p in c2.parameters():
        p._data[...] = np.random.default_rng(1).standard_normal(p.shape)
    t2.load_state_dict({k: torch.tensor(v._data) for k, v in c2.state_dict().items()})
    c2.eval()
    t2.eval()
    np.testing.assert_allclose(c2(x(cr))._data, t2(x(torch)).detach().numpy(), rtol=1e-7, atol=1e-9)


def test_forward_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append(args[0].shape) or out * 0)
    x = cr.ones(1, 2)
    assert not lin(x)._data.any() and calls == [(1, 2)]
    h1.remove()
    h2.remove()
    np.testing.assert_allclose(lin(x)._data, (x @ lin.weight.T + lin.bias)._data)


def test_full_backward_hook_matches_torch():
    def run(lib):
        torch.manual_seed(0)
        lin = (torch.nn if lib is torch else cr.nn).Linear(3, 2)
        if lib is cr:
            lin.load_state_dict(torch.nn.Linear(3, 2).state_dict()) if False else None
        seen = {}

        def hook(m, gin, gout):
            seen["gin"] = [g.detach().numpy() if lib is torch else g._data for g in gin]
            seen["gout"] = [g.detach().numpy() if lib is torch else g._data for g in gout]
            return (gin[0] * 10,)
        lin.register_full_backward_hook(hook)
        x = lib.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
        w = lib.tensor([[1.0, -1.0, 0.5], [0.0, 2.0, 1.0]])
        with lib.no_grad():
            lin.weight.copy_(w)
        (lin(x) * lib.tensor([[1.0, 2.0]])).sum().backward()
        return seen, x.grad
    s_c, g_c = run(cr)
    s_t, g_t = run(torch)
    np.testing.assert_allclose(s_c["gin"][0], s_t["gin"][0])
    np.testing.assert_allclose(s_c["gout"][0], s_t["gout"][0])
    np.testing.assert_allclose(g_c._data, g_t.numpy())


def _zoo(nn):
    return nn.Sequential(
        nn.BatchNorm2d(3), nn.LayerNorm(4), nn.Embedding(5, 2, padding_idx=1),
        nn.Conv2d(3, 3, 3, stride=2, padding=1, bias=False), nn.LeakyReLU(0.2), nn.GELU(),
        nn.BatchNorm1d(3, affine=False), nn.InstanceNorm2d(3), nn.GroupNorm(2, 4), nn.Dropout(0.2),
        nn.MaxPool2d(2), nn.AvgPool2d(2), nn.Softmax(dim=1),
        nn.ConvTranspose2d(2, 3, 3, stride=2, output_padding=1), nn.Upsample(scale_factor=2), nn.ELU(),
        nn.PReLU(), nn.Hardtanh(), nn.Softplus(), nn.Flatten(), nn.Bilinear(2, 3, 4),
        nn.AdaptiveAvgPool2d(1), nn.ZeroPad2d(1), nn.CrossEntropyLoss(), nn.ReLU(inplace=True),
        nn.Conv1d(2, 3, 3, padding="same"), nn.Linear(2, 3, bias=False), nn.Tanh(),
        nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), nn.AvgPool2d(3, 2, 1), nn.LogSoftmax(1),
        nn.Unflatten(1, (2, 3)), nn.PixelShuffle(2), nn.Upsample(size=(3, 4), mode="bilinear"),
        nn.Hardsigmoid(), nn.SiLU(), nn.Mish(), nn.SELU(), nn.Sigmoid(), nn.LocalResponseNorm(3),
        nn.Identity(), nn.Dropout2d(), nn.CosineSimilarity(), nn.PairwiseDistance(), nn.MSELoss(),
        nn.AdaptiveMaxPool2d((2, 2)), nn.Unfold(2), nn.Fold((4, 4), 2), nn.ReflectionPad2d(2),
        nn.MaxUnpool2d(2), nn.Softmin(0), nn.CELU(), nn.ReLU6(), nn.LogSigmoid(), nn.Hardswish(),
        nn.GLU())


def test_repr_matches_torch():
    for make in (_mlp, _lenet, _zoo):
        assert repr(make(cr.nn)) == repr(make(torch.nn))


def test_containers():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[1], nn.ReLU) and isinstance(seq[-1], nn.Linear)
    assert len(seq[:2]) == 2 and [n for n, _ in seq[1:].named_children()] == ["1", "2"]
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and seq(cr.ones(5, 2)).shape == (5, 1)
    with pytest.raises(IndexError):
        seq[7]
    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    ml.append(nn.Linear(1, 2))
    assert len(list(ml.parameters())) == 8 and isinstance(ml[-1], nn.Linear)
    md = nn.ModuleDict({"a": nn.Linear(1, 1)})
    md["b"] = nn.ReLU()
    assert list(md.keys()) == ["a", "b"] and "b" in md
    pl = nn.ParameterList([cr.ones(2), cr.zeros(3)])
    assert [tuple(p.shape) for p in pl] == [(2,), (3,)]
    pd = nn.ParameterDict({"w": cr.ones(2)})
    assert isinstance(pd["w"], nn.Parameter)
    holder = nn.Module()
    holder.pl = pl
    assert [n for n, _ in holder.named_parameters()] == ["pl.0", "pl.1"]
