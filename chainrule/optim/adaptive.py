"""Per-parameter learning rates (Lecture: adaptive learning rate — Adagrad, RMSProp, Adadelta)."""
import numpy as np

from .optimizer import Optimizer, check_form, check_range


class Adagrad(Optimizer):
    """θ ← θ − η_t·g/(√Σg² + ε), η_t = η/(1 + (t−1)·lr_decay) (PyTorch).

    The notes write it as θᵗ⁺¹ ← θᵗ − (η/√(t+1))/σᵗ · gᵗ with σᵗ = √(1/(t+1) Σᵢ₌₀ᵗ (gⁱ)²), the root
    mean square of all past gradients. The √(t+1) cancels, leaving η·g/√Σg²: the same update as
    PyTorch's (up to ε). ``form="notes"`` computes it literally, with σ as written.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10, *, maximize=False, form="pytorch"):
        check_range("Adagrad", "learning rate", lr)
        check_range("Adagrad", "lr_decay value", lr_decay)
        check_range("Adagrad", "weight_decay value", weight_decay)
        check_range("Adagrad", "initial_accumulator_value", initial_accumulator_value)
        check_range("Adagrad", "epsilon value", eps)
        check_form("Adagrad", form)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      maximize=maximize, form=form))

    def update(self, p, g, state, group):
        if "sum" not in state:
            state["step"] = 0
            state["sum"] = np.full_like(p, group["initial_accumulator_value"])
        state["step"] += 1
        t = state["step"]
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        state["sum"] += g * g
        if group["form"] == "notes":  # σᵗ = RMS of g⁰…gᵗ, step η/√(t+1) with t counted from 0
            sigma = np.sqrt(state["sum"] / t)
            p -= (group["lr"] / np.sqrt(t)) * g / (sigma + group["eps"])
            return
        clr = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        p -= clr * g / (np.sqrt(state["sum"]) + group["eps"])


class RMSprop(Optimizer):
    """v ← αv + (1−α)g², θ ← θ − η·g/(√v + ε) (centered and momentum variants as in PyTorch).

    PyTorch starts v at 0. The notes start σ⁰ = |g⁰| (so v⁰ = (g⁰)²) and then
    σᵗ = √(α(σᵗ⁻¹)² + (1−α)(gᵗ)²): ``form="notes"``. The first step then moves −η·sign(g),
    where PyTorch's moves −η·g/(√(1−α)|g| + ε), about 10× further for α = 0.99; later steps agree
    more and more as v forgets its start.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False, *, maximize=False, form="pytorch"):
        check_range("RMSprop", "learning rate", lr)
        check_range("RMSprop", "epsilon value", eps)
        check_range("RMSprop", "momentum value", momentum)
        check_range("RMSprop", "weight_decay value", weight_decay)
        check_range("RMSprop", "alpha value", alpha)
        check_form("RMSprop", form)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize,
                                      form=form))

    def update(self, p, g, state, group):
        alpha = group["alpha"]
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        if "square_avg" not in state:
            state["step"] = 0
            first = group["form"] == "notes"
            state["square_avg"] = g * g if first else np.zeros_like(p)
            if group["momentum"]:
                state["momentum_buffer"] = np.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p)
            if first:
                state["step"] = 1
                avg = np.sqrt(state["square_avg"]) + group["eps"]
                self._move(p, g, avg, state, group)
                return
        state["step"] += 1
        sq = state["square_avg"]
        sq *= alpha
        sq += (1 - alpha) * g * g
        if group["centered"]:
            ga = state["grad_avg"]
            ga *= alpha
            ga += (1 - alpha) * g
            avg = np.sqrt(sq - ga * ga) + group["eps"]
        else:
            avg = np.sqrt(sq) + group["eps"]
        self._move(p, g, avg, state, group)

    @staticmethod
    def _move(p, g, avg, state, group):
        if group["momentum"]:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += g / avg
            p -= group["lr"] * buf
        else:
            p -= group["lr"] * g / avg


class Adadelta(Optimizer):
    """v ← ρv + (1−ρ)g², Δ = √(u + ε)/√(v + ε)·g, u ← ρu + (1−ρ)Δ², θ ← θ − η·Δ (no η needed)."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, *, maximize=False):
        check_range("Adadelta", "learning rate", lr)
        check_range("Adadelta", "rho value", rho, 0.0, 1.0, high_open=False)
        check_range("Adadelta", "epsilon value", eps)
        check_range("Adadelta", "weight_decay value", weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def update(self, p, g, state, group):
        rho, eps = group["rho"], group["eps"]
        if "square_avg" not in state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p)
            state["acc_delta"] = np.zeros_like(p)
        state["step"] += 1
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        sq, acc = state["square_avg"], state["acc_delta"]
        sq *= rho
        sq += (1 - rho) * g * g
        delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * g
        acc *= rho
        acc += (1 - rho) * delta * delta
        p -= group["lr"] * delta
