"""The spatial transformer: identity at the start, and forward values and every gradient equal to the
same network written with torch's affine_grid and grid_sample."""
import numpy as np
import torch

import chainrule as cr
from chainrule import nn


def _loc(lib):
    return lib.nn.Sequential(lib.nn.Conv2d(1, 4, 5), lib.nn.MaxPool2d(2), lib.nn.ReLU(), lib.nn.Flatten())


def test_starts_as_the_identity():
    stn = nn.SpatialTransformer(_loc(cr), 4 * 12 * 12)
    x = cr.randn(3, 1, 28, 28)
    np.testing.assert_allclose(stn(x).detach().numpy(), x.numpy(), atol=1e-5)
    np.testing.assert_allclose(stn.theta.numpy(), np.tile([[1, 0, 0], [0, 1, 0]], (3, 1, 1)))
    assert stn(x).shape == (3, 1, 28, 28)
    assert nn.SpatialTransformer(_loc(cr), 4 * 12 * 12, output_size=(14, 20))(x).shape == (3, 1, 14, 20)


def test_forward_and_gradients_equal_torch():
    rng = np.random.default_rng(0)
    stn = nn.SpatialTransformer(_loc(cr), 4 * 12 * 12)
    stn.fc_loc.weight._data[...] = rng.normal(0, 0.01, (6, 576))   # leave the identity
    loc, fc = _loc(torch), torch.nn.Linear(576, 6)
    state = {k: v.detach().numpy() for k, v in stn.state_dict().items()}
    loc.load_state_dict({k.split(".", 1)[1]: torch.tensor(v) for k, v in state.items() if k.startswith("localization")})
    fc.load_state_dict({k.split(".", 1)[1]: torch.tensor(v) for k, v in state.items() if k.startswith("fc_loc")})
    x = rng.standard_normal((2, 1, 28, 28)).astype(np.float32)
    g = rng.standard_normal((2, 1, 28, 28)).astype(np.float32)
    ours = cr.tensor(x, requires_grad=True)
    (stn(ours) * cr.tensor(g)).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    theta = fc(loc(theirs)).view(-1, 2, 3)
    grid = torch.nn.functional.affine_grid(theta, (2, 1, 28, 28), align_corners=False)
    out = torch.nn.functional.grid_sample(theirs, grid, align_corners=False)
    (out * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(stn(cr.tensor(x)).detach().numpy(), out.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-4)
    for (name, p), q in zip(stn.named_parameters(), list(loc.parameters()) + list(fc.parameters())):
        a, b = p.grad.numpy(), q.grad.numpy()   # sums over every pixel, in float32: relative to the largest
        assert np.abs(a - b).max() <= 2e-5 * np.abs(b).max(), name
