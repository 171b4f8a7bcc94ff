"""Lookahead ("new optimizers" lecture): k fast steps, then pull the slow weights toward them.

Every k steps of the inner optimizer: φ ← φ + α(θ − φ), θ ← φ.
"""
import numpy as np

from ..autograd.tensor import wrap_array


class Lookahead:
    """Wraps any optimizer: ``Lookahead(Adam(params), k=5, alpha=0.5)``."""

    def __init__(self, optimizer, k=5, alpha=0.5):
        if k < 1:
            raise ValueError(f"Lookahead: invalid k: {k} (expected >= 1)")
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"Lookahead: invalid alpha: {alpha} (expected [0, 1])")
        self.optimizer, self.k, self.alpha = optimizer, k, alpha
        self.steps = 0
        self.slow = {id(p): p._data.copy() for g in optimizer.param_groups for p in g["params"]}

    @property
    def param_groups(self):
        return self.optimizer.param_groups

    @property
    def state(self):
        return self.optimizer.state

    @property
    def defaults(self):
        return self.optimizer.defaults

    def zero_grad(self, set_to_none=True):
        self.optimizer.zero_grad(set_to_none)

    def step(self, closure=None):
        loss = self.optimizer.step(closure)
        self.steps += 1
        if self.steps % self.k == 0:
            for g in self.optimizer.param_groups:
                for p in g["params"]:
                    slow = self.slow[id(p)]
                    slow += self.alpha * (p._data - slow)
                    np.copyto(p._data, slow)
        return loss

    def state_dict(self):
        params = [p for g in self.optimizer.param_groups for p in g["params"]]
        return {"optimizer": self.optimizer.state_dict(), "steps": self.steps, "k": self.k,
                "alpha": self.alpha, "slow": [wrap_array(self.slow[id(p)].copy()) for p in params]}

    def load_state_dict(self, state_dict):
        self.optimizer.load_state_dict(state_dict["optimizer"])
        self.steps, self.k, self.alpha = state_dict["steps"], state_dict["k"], state_dict["alpha"]
        params = [p for g in self.optimizer.param_groups for p in g["params"]]
        for p, s in zip(params, state_dict["slow"]):
            self.slow[id(p)] = np.array(s, dtype=p._data.dtype)
