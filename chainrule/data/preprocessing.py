"""Splitting and scaling (Lecture: train/validation/test, N-fold cross validation, feature
normalization). The statistics are fitted on the training split only — using the test split's
would leak it into training."""
import numpy as np

from ..autograd.tensor import Tensor, wrap_array
from ..random import numpy_generator


def _array(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


class Standardizer:
    """x̃ = (x − μ)/σ per feature, with μ, σ fitted on the training data (σ = 1 for a feature
    that is constant there)."""

    def __init__(self, eps=1e-8):
        self.eps, self.mean, self.std = eps, None, None

    def fit(self, x, axis=0):
        a = _array(x)
        if a.shape[0] == 0:
            raise ValueError("Standardizer.fit: cannot fit on an empty array")
        self.mean = a.mean(axis=axis, keepdims=True)
        std = a.std(axis=axis, keepdims=True)
        self.std = np.where(std > 0, std, 1.0)  # a constant feature is only centred, not blown up
        return self

    def _check(self):
        if self.mean is None:
            raise RuntimeError("Standardizer: call fit() on the training data first")

    def transform(self, x):
        self._check()
        out = (_array(x) - self.mean) / (self.std + self.eps)
        out = out.astype(_array(x).dtype if _array(x).dtype.kind == "f" else np.float32)
        return wrap_array(out) if isinstance(x, Tensor) else out

    def fit_transform(self, x, axis=0):
        return self.fit(x, axis).transform(x)

    def inverse_transform(self, x):
        self._check()
        out = _array(x) * (self.std + self.eps) + self.mean
        return wrap_array(out.astype(_array(x).dtype)) if isinstance(x, Tensor) else out

    def state_dict(self):
        return {"mean": self.mean, "std": self.std, "eps": self.eps}

    def load_state_dict(self, state):
        self.mean, self.std, self.eps = _array(state["mean"]), _array(state["std"]), state["eps"]


def split_indices(n, fractions=(0.8, 0.1, 0.1), shuffle=True, generator=None):
    """Index arrays for consecutive splits of n items (fractions of n; the last takes the rest)."""
    fractions = list(fractions)
    if any(f < 0 for f in fractions) or sum(fractions) > 1 + 1e-9:
        raise ValueError(f"split_indices: fractions must be non-negative and sum to at most 1, got {fractions}")
    if n <= 0:
        raise ValueError(f"split_indices: nothing to split (n = {n})")
    order = numpy_generator(generator).permutation(n) if shuffle else np.arange(n)
    sizes = [int(round(f * n)) for f in fractions]
    sizes[-1] = n - sum(sizes[:-1]) if abs(sum(fractions) - 1) < 1e-9 else sizes[-1]
    out, start = [], 0
    for k in sizes:
        out.append(order[start:start + k])
        start += k
    return out


def train_val_test_split(*arrays, fractions=(0.8, 0.1, 0.1), shuffle=True, generator=None):
    """Split equally long arrays together: returns (a_train, a_val, a_test, b_train, …)."""
    if not arrays:
        raise ValueError("train_val_test_split: give at least one array")
    n = len(arrays[0])
    for a in arrays:
        if len(a) != n:
            raise ValueError(f"train_val_test_split: arrays have different lengths ({n} and {len(a)})")
    parts = split_indices(n, fractions, shuffle, generator)
    return tuple(a[p] for a in arrays for p in parts)


class KFold:
    """N-fold cross validation: each fold is the validation set once, the rest trains."""

    def __init__(self, n_splits=5, shuffle=False, generator=None):
        if not isinstance(n_splits, int) or n_splits < 2:
            raise ValueError(f"KFold: n_splits must be an integer >= 2, got {n_splits}")
        self.n_splits, self.shuffle, self.generator = n_splits, shuffle, generator

    def split(self, n):
        n = n if isinstance(n, int) else len(n)
        if n < self.n_splits:
            raise ValueError(f"KFold: cannot split {n} samples into {self.n_splits} folds")
        order = numpy_generator(self.generator).permutation(n) if self.shuffle else np.arange(n)
        folds = np.array_split(order, self.n_splits)
        for i in range(self.n_splits):
            val = folds[i]
            train = np.concatenate([f for j, f in enumerate(folds) if j != i])
            yield train, val
