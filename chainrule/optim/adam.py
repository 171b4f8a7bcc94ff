"""Adam and its family (Lecture: Adam = RMSProp + momentum; "new optimizers": AMSGrad, AdamW,
NAdam, RAdam)."""
import math

import numpy as np

from .. import kernels as K
from .optimizer import Optimizer, check_range


def _check_adam(name, lr, betas, eps, weight_decay):
    check_range(name, "learning rate", lr)
    check_range(name, "epsilon value", eps)
    check_range(name, "beta parameter at index 0", betas[0], 0.0, 1.0)
    check_range(name, "beta parameter at index 1", betas[1], 0.0, 1.0)
    check_range(name, "weight_decay value", weight_decay)


def _weight_decay(p, g, lr, wd, decoupled):
    """L2 (add λθ to the gradient) or decoupled decay (shrink θ by ηλ first, as in AdamW)."""
    if not wd:
        return g
    if decoupled:
        p *= 1 - lr * wd
        return g
    return g + wd * p


def _moments(p, g, state, b1, b2):
    if "exp_avg" not in state:
        state["step"] = 0
        state["exp_avg"] = np.zeros_like(p)
        state["exp_avg_sq"] = np.zeros_like(p)
    state["step"] += 1
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m *= b1
    m += (1 - b1) * g
    v *= b2
    v += (1 - b2) * g * g
    return m, v, state["step"]


class Adam(Optimizer):
    """m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − η·m̂/(√v̂ + ε) with bias-corrected m̂, v̂.

    amsgrad uses max(v) so far instead of v (AMSGrad: the step size never grows back).
    """

    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, *, maximize=False):
        _check_adam(type(self).__name__, lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    def update(self, p, g, state, group):
        if "exp_avg" not in state:
            state.update(step=0, exp_avg=np.zeros_like(p), exp_avg_sq=np.zeros_like(p))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p)
        state["step"] += 1
        K.adam_step(p, g, state["exp_avg"], state["exp_avg_sq"], state.get("max_exp_avg_sq"), group["lr"],
                    *group["betas"], group["eps"], group["weight_decay"], self.decoupled, state["step"])


class AdamW(Adam):
    """Adam with decoupled weight decay: θ ← θ(1 − ηλ) before the Adam step (SGDW/AdamW)."""

    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)


class Adamax(Optimizer):
    """Adam with the ∞-norm: u ← max(β₂u, |g| + ε), θ ← θ − (η/(1−β₁ᵗ))·m/u."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, *,
                 maximize=False):
        _check_adam("Adamax", lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def update(self, p, g, state, group):
        (b1, b2), eps = group["betas"], group["eps"]
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        if "exp_avg" not in state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p)
            state["exp_inf"] = np.zeros_like(p)
        state["step"] += 1
        m, u = state["exp_avg"], state["exp_inf"]
        m *= b1
        m += (1 - b1) * g
        np.maximum(u * b2, np.abs(g) + eps, out=u)
        p -= (group["lr"] / (1 - b1 ** state["step"])) * m / u


class NAdam(Optimizer):
    """Adam with Nesterov momentum and the momentum schedule μₜ = β₁(1 − ½·0.96^(t·ψ))."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 momentum_decay=4e-3, *, decoupled_weight_decay=False, maximize=False):
        _check_adam("NAdam", lr, betas, eps, weight_decay)
        check_range("NAdam", "momentum_decay", momentum_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, maximize=maximize))

    def update(self, p, g, state, group):
        lr, (b1, b2), psi = group["lr"], group["betas"], group["momentum_decay"]
        if "mu_product" not in state:
            state["mu_product"] = 1.0
        g = _weight_decay(p, g, lr, group["weight_decay"], group["decoupled_weight_decay"])
        m, v, t = _moments(p, g, state, b1, b2)
        bc2 = 1 - b2 ** t
        mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        state["mu_product"] *= mu
        mp = state["mu_product"]
        denom = np.sqrt(v / bc2) + group["eps"]
        p -= lr * (1 - mu) / (1 - mp) * g / denom
        p -= lr * mu_next / (1 - mp * mu_next) * m / denom


class RAdam(Optimizer):
    """Adam whose adaptive step is switched on only once the variance estimate is reliable
    (ρₜ > 5), scaled by the rectification term r; plain momentum SGD before that."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, *,
                 decoupled_weight_decay=False, maximize=False):
        _check_adam("RAdam", lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, maximize=maximize))

    def update(self, p, g, state, group):
        lr, (b1, b2) = group["lr"], group["betas"]
        g = _weight_decay(p, g, lr, group["weight_decay"], group["decoupled_weight_decay"])
        m, v, t = _moments(p, g, state, b1, b2)
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        m_hat = m / bc1
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * t * b2 ** t / bc2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p -= lr * m_hat * rect * math.sqrt(bc2) / (np.sqrt(v) + group["eps"])
        else:
            p -= lr * m_hat
