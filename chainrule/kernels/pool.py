"""Pooling kernels on arrays (NumPy only so far): the strided view of every pooling window, and max
pooling's backward (each window's gradient to its first maximum)."""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from ._registry import numpy_kernel


@numpy_kernel("pool_windows")
def pool_windows(xd, kernel, stride, pad, dil, extra):
    """A (n, c, o…, k…) strided view of the (−∞-padded) input: every pooling window."""
    if any(pad) or any(extra):
        fill = -np.inf if xd.dtype.kind == "f" else np.iinfo(xd.dtype).min
        xd = np.pad(xd, [(0, 0), (0, 0)] + [(p, p + e) for p, e in zip(pad, extra)],
                    constant_values=fill)
    nsp = len(kernel)
    outs = tuple((xd.shape[2 + i] - dil[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(nsp))
    sp = xd.strides[2:]
    return as_strided(xd, shape=xd.shape[:2] + outs + tuple(kernel),
                      strides=xd.strides[:2] + tuple(a * s for a, s in zip(sp, stride)) +
                      tuple(a * d for a, d in zip(sp, dil)), writeable=False)


@numpy_kernel("max_pool_backward")
def max_pool_backward(gy, x, y, kernel, stride, pad, dil, extra, outs):
    """dx of max pooling: gy added at each window's first maximum (as PyTorch picks it), one
    strided pass per kernel offset; disjoint windows write instead of adding."""
    offsets = list(np.ndindex(*kernel))
    nsp = len(kernel)
    spatial = x.shape[2:]
    win = pool_windows(x, kernel, stride, pad, dil, extra)
    if any(pad) or any(extra):
        gx = np.zeros(x.shape[:2] + tuple(spatial[i] + 2 * pad[i] + extra[i] for i in range(nsp)),
                      dtype=gy.dtype)
    else:  # same memory layout as x (channels-last after a convolution): later ops stay fast
        gx = np.zeros_like(x, dtype=gy.dtype)
    disjoint = all(s >= d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dil))
    taken = np.zeros(y.shape, dtype=bool)
    for k in offsets:  # the first offset holding the max wins, as in PyTorch
        hit = np.equal(win[(Ellipsis,) + k], y)
        np.greater(hit, taken, out=hit)
        taken |= hit
        window = (slice(None), slice(None)) + tuple(
            slice(k[j] * dil[j], k[j] * dil[j] + stride[j] * (outs[j] - 1) + 1, stride[j])
            for j in range(nsp))
        if disjoint:
            np.multiply(gy, hit, out=gx[window])
        else:
            gx[window] += gy * hit
    crop = tuple(slice(pad[j], pad[j] + spatial[j]) for j in range(nsp))
    return gx[(slice(None), slice(None)) + crop]
