"""Metrics for the fit loop and the lectures: accuracy, top-k, confusion matrix, MSE, MAE, R²."""
import numpy as np

from ..autograd.tensor import Tensor


def _np(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _labels(output):
    o = _np(output)
    if o.ndim >= 2 and o.shape[1] > 1:
        return o.argmax(axis=1)
    o = o.reshape(o.shape[0], -1)[:, 0] if o.ndim > 1 else o
    return (o > 0).astype(np.int64)  # a single logit per example: positive means class 1


def accuracy(output, target):
    """Fraction of examples whose highest score (or positive logit) is the target class."""
    t = _np(target)
    if t.ndim > 1 and t.dtype.kind == "f":
        t = t.argmax(axis=1)
    return float(np.mean(_labels(output) == t))


def top_k_accuracy(output, target, k=5):
    """Fraction of examples whose target is among the k highest scores."""
    o, t = _np(output), _np(target)
    if k > o.shape[1]:
        raise ValueError(f"top_k_accuracy: k={k} is larger than the number of classes {o.shape[1]}")
    top = np.argpartition(-o, k - 1, axis=1)[:, :k]
    return float(np.mean(np.any(top == t[:, None], axis=1)))


def confusion_matrix(pred, target, num_classes=None):
    """M[i, j] = how many examples of true class i were predicted as class j."""
    p, t = _np(pred), _np(target)
    if p.ndim > 1:
        p = _labels(p)
    n = num_classes or int(max(p.max(initial=0), t.max(initial=0))) + 1
    m = np.zeros((n, n), dtype=np.int64)
    np.add.at(m, (t.astype(np.int64), p.astype(np.int64)), 1)
    return m


def mse(output, target):
    return float(np.mean((_np(output).reshape(_np(target).shape) - _np(target)) ** 2))


def mae(output, target):
    return float(np.mean(np.abs(_np(output).reshape(_np(target).shape) - _np(target))))


def r2(output, target):
    """1 − Σ(y − ŷ)²/Σ(y − ȳ)²: the share of the target's variance the model explains."""
    y, yh = _np(target).astype(np.float64), _np(output).reshape(_np(target).shape).astype(np.float64)
    ss_tot = np.sum((y - y.mean()) ** 2)
    return float(1 - np.sum((y - yh) ** 2) / ss_tot) if ss_tot > 0 else 0.0


METRICS = {"accuracy": accuracy, "top5": lambda o, t: top_k_accuracy(o, t, 5), "mse": mse, "mae": mae,
           "r2": r2}


def resolve(metric):
    """A metric given by name or as a function → (name, function)."""
    if isinstance(metric, str):
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; known: {', '.join(sorted(METRICS))}")
        return metric, METRICS[metric]
    return getattr(metric, "__name__", "metric"), metric
