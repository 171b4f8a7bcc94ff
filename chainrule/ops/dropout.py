"""Dropout (Lecture: tips for training — a remedy for overfitting).

In training each unit is zeroed with probability p and the survivors are scaled by 1/(1−p), so the
expected activation is unchanged and evaluation needs no rescaling. dropout1d/2d drop whole
channels (feature maps) instead of single numbers.
"""
from ..random import numpy_generator


def _check_p(p, op):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")


def _drop(input, p, training, mask_shape, op):
    _check_p(p, op)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = numpy_generator().random(mask_shape) >= p
    scale = (keep / (1.0 - p)).astype(input._data.dtype)
    return input * scale


def dropout(input, p=0.5, training=True, inplace=False):
    return _drop(input, p, training, tuple(input.shape), "dropout")


def _channel_dropout(input, p, training, spatial, op):
    nd = len(input.shape)
    if nd not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{op}: expected a {spatial + 1}-D or {spatial + 2}-D input, got "
                           f"shape {tuple(input.shape)}")
    lead = tuple(input.shape[:nd - spatial])
    return _drop(input, p, training, lead + (1,) * spatial, op)


def dropout1d(input, p=0.5, training=True, inplace=False):
    return _channel_dropout(input, p, training, 1, "dropout1d")


def dropout2d(input, p=0.5, training=True, inplace=False):
    return _channel_dropout(input, p, training, 2, "dropout2d")
