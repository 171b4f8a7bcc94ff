"""Padding: constant, reflect, replicate and circular (``F.pad``).

Constant padding surrounds the input with a value; its backward crops the gradient. The other
modes read input positions again (mirrored, clamped or wrapped), so they are indexing along each
padded dim, and indexing's backward adds up the gradients of the positions read twice.
"""
import numpy as np

from ..autograd.function import Op
from .indexing import getitem


class ConstantPad(Op):
    """y = x surrounded by ``value``; the gradient is y's gradient with the border cut off."""

    def forward(self, x, pads, value):
        self.crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(pads, x.shape))
        return np.pad(x, pads, constant_values=value)

    def backward(self, gy):
        return getitem(gy, self.crop)


def _source_index(mode, lo, hi, n):
    i = np.arange(-lo, n + hi)
    if mode == "reflect":
        period = 2 * (n - 1) if n > 1 else 1
        i = np.abs(i) % period
        return np.where(i >= n, period - i, i)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    return i % n  # circular


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad)//2 dims: pad = (left, right, top, bottom, ...), last dim first."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise ValueError(f"pad: padding length must be divisible by 2, got {len(pad)} ({pad})")
    nd = len(input.shape)
    npad = len(pad) // 2
    if npad > nd:
        raise ValueError(f"pad: padding {pad} pads {npad} dims but the input has only {nd}")
    pairs = [(0, 0)] * nd
    for i in range(npad):
        pairs[nd - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    x = input
    if any(lo < 0 or hi < 0 for lo, hi in pairs):  # negative padding crops
        crop = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(pairs, x.shape))
        x = getitem(x, crop)
        pairs = [(max(lo, 0), max(hi, 0)) for lo, hi in pairs]
    if mode == "constant":
        if not any(lo or hi for lo, hi in pairs):
            return x
        return ConstantPad.apply(x, pads=tuple(pairs), value=0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(f"pad: unknown padding mode {mode!r}; expected 'constant', "
                                  f"'reflect', 'replicate' or 'circular'")
    if value not in (None, 0):
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in a value argument")
    for dim, (lo, hi) in enumerate(pairs):
        if not (lo or hi):
            continue
        n = x.shape[dim]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"pad: padding size should be less than the corresponding input "
                               f"dimension, but got padding ({lo}, {hi}) at dimension {dim} of "
                               f"input {tuple(x.shape)}")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError(f"pad: padding value causes wrapping around more than once "
                               f"(padding ({lo}, {hi}), size {n})")
        idx = _source_index(mode, lo, hi, n)
        x = getitem(x, (slice(None),) * dim + (idx,))
    return x
