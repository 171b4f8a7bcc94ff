"""Every layer against torch.nn with the same weights: forward, input and parameter gradients,
buffers, in train and eval mode."""
import pytest

from layer_oracle import compare_layer

LAYERS = [
    ("Linear", lambda nn: nn.Linear(5, 3), [(4, 5)]),
    ("Linear_3d_nobias", lambda nn: nn.Linear(5, 3, bias=False), [(2, 4, 5)]),
    ("Bilinear", lambda nn: nn.Bilinear(3, 4, 2), [(5, 3), (5, 4)]),
    ("Conv1d", lambda nn: nn.Conv1d(3, 4, 3, stride=2, padding=1), [(2, 3, 9)]),
    ("Conv2d", lambda nn: nn.Conv2d(3, 4, 3), [(2, 3, 6, 5)]),
    ("Conv2d_full", lambda nn: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
     [(2, 4, 7, 6)]),
    ("Conv2d_same", lambda nn: nn.Conv2d(2, 3, 4, padding="same"), [(1, 2, 5, 6)]),
    ("Conv2d_reflect", lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"), [(2, 2, 5, 5)]),
    ("Conv2d_replicate", lambda nn: nn.Conv2d(2, 3, 3, padding=2, padding_mode="replicate"), [(2, 2, 5, 5)]),
    ("Conv2d_circular", lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular", bias=False), [(2, 2, 5, 5)]),
    ("Conv2d_depthwise", lambda nn: nn.Conv2d(3, 6, 3, groups=3, padding=1), [(2, 3, 5, 5)]),
    ("ConvTranspose1d", lambda nn: nn.ConvTranspose1d(3, 2, 4, stride=2, padding=1), [(2, 3, 5)]),
    ("ConvTranspose2d", lambda nn: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
     [(2, 4, 3, 4)]),
    ("MaxPool1d", lambda nn: nn.MaxPool1d(3, 2, padding=1), [(2, 3, 8)]),
    ("MaxPool2d", lambda nn: nn.MaxPool2d(2), [(2, 3, 6, 6)]),
    ("MaxPool2d_ceil", lambda nn: nn.MaxPool2d(3, 2, padding=1, ceil_mode=True), [(1, 2, 6, 7)]),
    ("AvgPool1d", lambda nn: nn.AvgPool1d(2), [(2, 3, 8)]),
    ("AvgPool2d", lambda nn: nn.AvgPool2d(3, 2, padding=1, count_include_pad=False), [(2, 3, 7, 6)]),
    ("AdaptiveAvgPool1d", lambda nn: nn.AdaptiveAvgPool1d(3), [(2, 3, 8)]),
    ("AdaptiveAvgPool2d", lambda nn: nn.AdaptiveAvgPool2d((2, 3)), [(2, 3, 7, 6)]),
    ("AdaptiveMaxPool2d", lambda nn: nn.AdaptiveMaxPool2d(3), [(2, 3, 7, 6)]),
    ("Upsample", lambda nn: nn.Upsample(scale_factor=2, mode="bilinear"), [(1, 2, 3, 4)]),
    ("Upsample_nearest", lambda nn: nn.Upsample(size=(5, 7)), [(1, 2, 3, 4)]),
    ("PixelShuffle", lambda nn: nn.PixelShuffle(2), [(1, 8, 2, 3)]),
    ("Unfold", lambda nn: nn.Unfold(2, padding=1), [(1, 2, 4, 4)]),
    ("Fold", lambda nn: nn.Fold((3, 4), 2), [(1, 8, 6)]),
    ("ZeroPad2d", lambda nn: nn.ZeroPad2d((1, 0, 2, 1)), [(1, 2, 3, 3)]),
    ("ReflectionPad2d", lambda nn: nn.ReflectionPad2d(1), [(1, 2, 3, 3)]),
    ("LayerNorm", lambda nn: nn.LayerNorm(5), [(3, 4, 5)]),
    ("LayerNorm_noaffine", lambda nn: nn.LayerNorm((4, 5), elementwise_affine=False), [(3, 4, 5)]),
    ("GroupNorm", lambda nn: nn.GroupNorm(2, 4), [(3, 4, 2, 2)]),
    ("InstanceNorm2d", lambda nn: nn.InstanceNorm2d(3, affine=True), [(2, 3, 4, 4)]),
    ("LocalResponseNorm", lambda nn: nn.LocalResponseNorm(3), [(2, 4, 3, 3)]),
    ("Embedding", lambda nn: nn.Embedding(6, 3, padding_idx=0), [(2, 5)]),
    ("CosineSimilarity", lambda nn: nn.CosineSimilarity(dim=1), [(4, 5), (4, 5)]),
    ("PairwiseDistance", lambda nn: nn.PairwiseDistance(), [(4, 5), (4, 5)]),
    ("Flatten", lambda nn: nn.Flatten(), [(2, 3, 4)]),
    ("Unflatten", lambda nn: nn.Unflatten(1, (2, 3)), [(4, 6)]),
    ("Identity", lambda nn: nn.Identity(), [(2, 3)]),
    ("Dropout_eval", lambda nn: nn.Dropout(0.3), [(3, 4)]),
    ("Sequential_MLP", lambda nn: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)), [(5, 4)]),
]

ACTIVATIONS = ["ReLU", "ReLU6", "SELU", "SiLU", "Mish", "Hardsigmoid", "Hardswish", "Sigmoid", "Tanh",
               "LogSigmoid", "LeakyReLU", "ELU", "CELU", "GELU", "Softplus", "Hardtanh", "PReLU"]


@pytest.mark.parametrize("name,make,shapes", LAYERS, ids=[x[0] for x in LAYERS])
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_layer_matches_torch(name, make, shapes, train):
    if name == "Embedding":
        compare_layer(make, shapes, train, int_inputs=6)
    elif name == "Dropout_eval":
        compare_layer(make, shapes, False)
    else:
        compare_layer(make, shapes, train)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_module_matches_torch(name):
    compare_layer(lambda nn: getattr(nn, name)(), [(3, 4)])


@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax", "Softmin"])
def test_softmax_modules(name):
    compare_layer(lambda nn: getattr(nn, name)(dim=1), [(3, 4, 2)])


def test_prelu_per_channel():
    compare_layer(lambda nn: nn.PReLU(3), [(2, 3, 4)])


@pytest.mark.parametrize("make", [lambda nn: nn.BatchNorm1d(3), lambda nn: nn.BatchNorm2d(3, momentum=0.3),
                                  lambda nn: nn.BatchNorm1d(3, affine=False),
                                  lambda nn: nn.BatchNorm2d(3, momentum=None),
                                  lambda nn: nn.BatchNorm2d(3, track_running_stats=False)],
                         ids=["bn1d", "bn2d_momentum", "bn1d_noaffine", "bn2d_cumulative", "bn2d_notrack"])
def test_batch_norm_running_stats_after_training_then_eval(make):
    shapes = [(6, 3, 4, 4)] if "2d" in repr(make(__import__("torch").nn)).lower() else [(6, 3)]
    c, t = compare_layer(make, shapes, train=True, steps=4)
    c.eval()
    t.eval()
    import numpy as np
    import torch
    import chainrule as cr
    x = np.random.default_rng(9).standard_normal(shapes[0])
    np.testing.assert_allclose(c(cr.tensor(x)).data, t(torch.tensor(x)).detach().numpy(), rtol=1e-7, atol=1e-9)


def test_instance_norm_with_running_stats():
    compare_layer(lambda nn: nn.InstanceNorm2d(3, track_running_stats=True), [(2, 3, 4, 4)], train=True, steps=3)


LOSSES = [
    ("MSELoss", lambda nn: nn.MSELoss(), 2), ("L1Loss", lambda nn: nn.L1Loss(reduction="sum"), 2),
    ("SmoothL1Loss", lambda nn: nn.SmoothL1Loss(beta=0.5), 2), ("HuberLoss", lambda nn: nn.HuberLoss(delta=0.5), 2),
    ("KLDivLoss", lambda nn: nn.KLDivLoss(reduction="batchmean", log_target=True), 2),
    ("SoftMarginLoss", lambda nn: nn.SoftMarginLoss(), 2),
    ("BCEWithLogitsLoss", lambda nn: nn.BCEWithLogitsLoss(), 2),
    ("GaussianNLLLoss", lambda nn: nn.GaussianNLLLoss(), 3),
    ("TripletMarginLoss", lambda nn: nn.TripletMarginLoss(margin=0.5), 3),
    ("MarginRankingLoss", lambda nn: nn.MarginRankingLoss(0.2), 3),
]


@pytest.mark.parametrize("name,make,n", LOSSES, ids=[x[0] for x in LOSSES])
def test_loss_modules_match_torch(name, make, n):
    import numpy as np
    import torch
    import chainrule as cr
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((4, 3)) for _ in range(n)]
    if name == "GaussianNLLLoss":
        arrays[2] = np.abs(arrays[2]) + 0.1
    if name == "SoftMarginLoss":
        arrays[1] = np.sign(arrays[1])
    grad = [not (name == "SoftMarginLoss" and i == 1) for i in range(n)]
    c_in = [cr.tensor(a, requires_grad=g) for a, g in zip(arrays, grad)]
    t_in = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, grad)]
    c_out, t_out = make(cr.nn)(*c_in), make(torch.nn)(*t_in)
    np.testing.assert_allclose(c_out.data, t_out.detach().numpy(), rtol=1e-7)
    c_out.sum().backward()
    t_out.sum().backward()
    for a, b in zip(c_in, t_in):
        if b.grad is not None:
            np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-7, atol=1e-10)


def test_classification_loss_modules_match_torch():
    import numpy as np
    import torch
    import chainrule as cr
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 4))
    y = rng.integers(0, 4, 6)
    w = np.array([1.0, 2.0, 0.5, 1.0])
    for make in (lambda nn, W: nn.CrossEntropyLoss(weight=W, label_smoothing=0.1),
                 lambda nn, W: nn.NLLLoss(weight=W, ignore_index=2)):
        c = make(cr.nn, cr.tensor(w))(cr.tensor(x), cr.tensor(y))
        t = make(torch.nn, torch.tensor(w))(torch.tensor(x), torch.tensor(y))
        np.testing.assert_allclose(c.item(), t.item(), rtol=1e-7)
    p = 1 / (1 + np.exp(-x))
    t01 = (rng.random((6, 4)) > 0.5).astype(float)
    np.testing.assert_allclose(cr.nn.BCELoss()(cr.tensor(p), cr.tensor(t01)).item(),
                               torch.nn.BCELoss()(torch.tensor(p), torch.tensor(t01)).item(), rtol=1e-7)
