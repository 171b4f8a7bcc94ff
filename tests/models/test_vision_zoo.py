"""The CNN family against torchvision 0.28: state-dict keys in order, every shape, the parameter
count, and the outputs with torchvision's weights copied in (eval, and train with dropout off)."""
import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import models

from torchvision_oracle import torchvision

# inputs large enough that batch norm averages over several values per channel in the last stage
SIZE = {"alexnet": 64, "googlenet": 64, "resnet18": 64, "resnet34": 64, "resnet50": 64, "mobilenet_v2": 64}
ALL = ["alexnet", "vgg11", "vgg13", "vgg16", "vgg19", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn",
       "googlenet", "resnet18", "resnet34", "resnet50", "mobilenet_v2"]


@pytest.fixture
def no_init(monkeypatch):
    """Build chainrule models without drawing initial values (the test copies or ignores them)."""
    for fn in ("uniform_", "normal_", "trunc_normal_"):
        monkeypatch.setattr(cr.nn.init, fn, lambda tensor, *args, **kwargs: tensor)


def _pair(name, meta=False, **kw):
    tv = torchvision()
    torch.manual_seed(0)
    if meta:   # shapes only: nothing allocated or drawn
        with torch.device("meta"):
            theirs = getattr(tv.models, name)(**kw)
    else:
        theirs = getattr(tv.models, name)(**kw)
    ours = getattr(models, name)(**kw)
    return ours, theirs


def _copy(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize("name", ALL)
def test_state_dict_keys_order_shapes_and_count_equal_torchvision(name, no_init):
    kw = {"init_weights": False} if name == "googlenet" else {}
    ours, theirs = _pair(name, meta=True, **kw)
    mine = [(k, tuple(v.shape)) for k, v in ours.state_dict().items()]
    ref = [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert mine == ref
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())


@pytest.mark.parametrize("name,kw", [
    ("alexnet", {"num_classes": 10}), ("vgg11", {"num_classes": 10}), ("vgg11_bn", {"num_classes": 10}),
    ("googlenet", {"num_classes": 10, "init_weights": True}),
    ("googlenet", {"num_classes": 10, "aux_logits": False, "transform_input": True, "init_weights": False}),
    ("resnet18", {"num_classes": 10}), ("resnet50", {"num_classes": 10, "zero_init_residual": True}),
    ("resnet34", {"num_classes": 7}), ("mobilenet_v2", {"num_classes": 10}),
    ("mobilenet_v2", {"num_classes": 10, "width_mult": 0.5})])
def test_outputs_with_copied_weights_equal_torchvision_in_eval_and_train(name, kw, no_init):
    drop = {"googlenet": {"dropout": 0.0, "dropout_aux": 0.0}}.get(name, {"dropout": 0.0}) \
        if not name.startswith("resnet") else {}
    ours, theirs = _pair(name, **kw, **drop)
    _copy(ours, theirs)
    size = SIZE.get(name, 32)
    x = np.random.default_rng(0).standard_normal((4, 3, size, size)).astype(np.float32)
    for mode in ("eval", "train"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        a, b = ours(cr.tensor(x)), theirs(torch.tensor(x))
        if name == "googlenet" and mode == "train" and kw.get("aux_logits", True):
            assert type(a).__name__ == "GoogLeNetOutputs" and a._fields == b._fields
            pairs = list(zip(a, b))
        else:
            pairs = [(a, b)]
        for u, v in pairs:   # float32 through up to 50 layers: relative to the output's scale
            u, v = u.detach().numpy(), v.detach().numpy()
            assert u.shape == v.shape and np.abs(u - v).max() <= 5e-3 * np.abs(v).max() + 1e-6, (mode, u, v)
    # the batch-norm running statistics moved the same way in the train pass
    for (k, u), v in zip(ours.state_dict().items(), theirs.state_dict().values()):
        if "running" in k:
            np.testing.assert_allclose(u.numpy(), v.numpy(), rtol=1e-4, atol=1e-5, err_msg=k)


def test_lenet5_is_the_notes_network():
    net = models.lenet5()
    assert sum(p.numel() for p in net.parameters()) == 61_706   # 156 + 2,416 + 48,120 + 10,164 + 850
    out = net(cr.randn(3, 1, 32, 32))
    assert out.shape == (3, 10)
    small = models.LeNet5(in_channels=3, num_classes=4, input_size=28)
    assert small(cr.randn(2, 3, 28, 28)).shape == (2, 4)


def test_initializations_follow_torchvision():
    r = models.resnet18()
    def values(p):
        return p.detach().numpy()
    w = values(r.conv1.weight)
    assert abs(w.std() - np.sqrt(2 / (64 * 49))) < 0.1 * np.sqrt(2 / (64 * 49))   # kaiming, fan_out
    assert np.all(values(r.bn1.weight) == 1) and np.all(values(r.bn1.bias) == 0)
    z = models.resnet18(zero_init_residual=True)
    assert np.all(values(z.layer1[0].bn2.weight) == 0)
    m = models.mobilenet_v2(num_classes=10)
    assert abs(values(m.classifier[1].weight).std() - 0.01) < 0.002 and np.all(values(m.classifier[1].bias) == 0)
    assert np.all(values(m.features[0][1].weight) == 1)
    g = models.googlenet(num_classes=10, init_weights=True)
    fc = values(g.fc.weight)
    assert np.abs(fc).max() <= 2.0 and abs(fc.std() - 0.01) < 0.002


def test_registry_and_weights():
    names = models.list_models()
    assert set(ALL) | {"lenet5"} <= set(names) and names == sorted(names)
    assert type(models.get_model("resnet18", num_classes=3)).__name__ == "ResNet"
    with pytest.raises(ValueError, match="no download"):
        models.resnet18(weights="IMAGENET1K_V1")
    with pytest.raises(ValueError, match="unknown model 'resnet19'; did you mean resnet18"):
        models.get_model("resnet19")


def test_small_input_stem_keeps_the_keys_and_reads_28x28():
    wide = models.resnet18(num_classes=10)
    small = models.resnet18(num_classes=10, small_input=True, in_channels=1)
    assert list(small.state_dict()) == list(wide.state_dict())
    assert tuple(small.conv1.weight.shape) == (64, 1, 3, 3)
    small.eval()
    assert small(cr.randn(2, 1, 28, 28)).shape == (2, 10)
    assert small.layer4[0].conv1(cr.randn(1, 256, 4, 4)).shape == (1, 512, 2, 2)
