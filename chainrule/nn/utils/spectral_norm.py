"""Spectral normalization (GANs: keeps the discriminator 1-Lipschitz): W ← W/σ(W).

σ(W), the largest singular value, is estimated by power iteration, u ← Wv/‖Wv‖, v ← Wᵀu/‖Wᵀu‖,
one step per training forward pass; then σ ≈ uᵀWv. Gradients flow through W, not through u, v.
"""
import numpy as np

from ...autograd.grad_mode import no_grad
from ...autograd.tensor import Tensor
from ...ops.linalg import matmul
from ...ops.shape import movedim, reshape
from ...random import numpy_generator
from ..parameter import Parameter


def _normalize(a, eps):
    return a / max(np.linalg.norm(a), eps)


class SpectralNorm:
    def __init__(self, name="weight", n_power_iterations=1, dim=0, eps=1e-12):
        if n_power_iterations <= 0:
            raise ValueError(f"spectral_norm: expected n_power_iterations to be positive, got "
                             f"{n_power_iterations}")
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def _matrix(self, w):
        if self.dim != 0:
            w = movedim(w, self.dim, 0)
        return reshape(w, (w.shape[0], -1))

    def compute_weight(self, module, do_power_iteration):
        w = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        mat = self._matrix(w)
        if do_power_iteration:
            with no_grad():
                m = mat._data
                for _ in range(self.n_power_iterations):
                    v._data[...] = _normalize(m.T @ u._data, self.eps)
                    u._data[...] = _normalize(m @ v._data, self.eps)
        sigma = (Tensor(u._data.copy()) * matmul(mat, Tensor(v._data.copy()))).sum()
        return w / sigma

    def __call__(self, module, inputs):
        object.__setattr__(module, self.name, self.compute_weight(module, module.training))

    @staticmethod
    def apply(module, name, n_power_iterations, dim, eps):
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        mat = fn._matrix(weight)._data
        h, w = mat.shape
        g = numpy_generator()
        u = _normalize(g.normal(size=h), eps).astype(weight._data.dtype)
        v = _normalize(g.normal(size=w), eps).astype(weight._data.dtype)
        del module._parameters[name]
        module.register_parameter(name + "_orig", Parameter(weight._data))
        module.register_buffer(name + "_u", Tensor(u))
        module.register_buffer(name + "_v", Tensor(v))
        object.__setattr__(module, name, fn.compute_weight(module, True))
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Reparameterize ``module.<name>`` as W/σ(W) (σ by power iteration, once per forward)."""
    if name not in module._parameters:
        raise AttributeError(f"spectral_norm: module {type(module).__name__} has no parameter {name!r}")
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module
