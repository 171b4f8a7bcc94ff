"""Resampling images: interpolate, the spatial transformer's affine_grid + grid_sample, and
pixel_shuffle (Lecture: CNN — spatial transformer layer).

Nearest and (bi)linear resizing are separable linear maps, one small matrix per spatial dim, so
``interpolate`` is two matrix products. ``grid_sample`` reads the input at arbitrary points by
bilinear interpolation: the four corner reads are gathers (their backward reaches the image) and
the weights are differentiable functions of the grid (their backward reaches θ).
"""
import math

import numpy as np

from ..autograd.tensor import wrap_array
from .arithmetic import clamp
from .indexing import getitem
from .linalg import matmul
from .shape import movedim, permute, reshape, transpose


def _src_scale(n_in, n_out, scale_factor, align_corners):
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return 1.0 / scale_factor if scale_factor else n_in / n_out


def _cubic(x, a):
    """Keys' cubic convolution kernel (a = −0.75 in PyTorch's bicubic, −0.5 when antialiasing)."""
    x = np.abs(x)
    return np.where(x <= 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, ((x - 5) * x + 8) * x * a - 4 * a, 0.0))


def _antialias_matrix(n_in, n_out, mode, scale_factor):
    """Resampling that averages over every input pixel an output pixel covers (PIL's and
    PyTorch's ``antialias=True``): the filter (triangle for bilinear, cubic for bicubic) is
    stretched by the downscale factor, and each row of weights is normalized to sum to 1."""
    scale = 1.0 / scale_factor if scale_factor else n_in / n_out
    radius = 1.0 if mode == "bilinear" else 2.0
    stretch = max(scale, 1.0)
    support = radius * stretch
    a = np.zeros((n_out, n_in), dtype=np.float64)
    for i in range(n_out):
        centre = scale * (i + 0.5)
        lo = max(int(centre - support + 0.5), 0)
        hi = min(int(centre + support + 0.5), n_in)
        x = (np.arange(lo, hi) - centre + 0.5) / stretch
        w = np.maximum(0.0, 1.0 - np.abs(x)) if mode == "bilinear" else _cubic(x, -0.5)
        total = w.sum()
        a[i, lo:hi] = w / total if total else w
    return a


def _resize_matrix(n_in, n_out, mode, align_corners, scale_factor, dtype, antialias=False):
    """The (n_out × n_in) matrix that resizes one dim, PyTorch's sampling positions."""
    if antialias and mode in ("bilinear", "bicubic") and not align_corners:
        return _antialias_matrix(n_in, n_out, mode, scale_factor).astype(dtype)
    a = np.zeros((n_out, n_in), dtype=np.float64)
    dst = np.arange(n_out)
    scale = _src_scale(n_in, n_out, scale_factor, align_corners and "nearest" not in mode)
    if mode == "bicubic":
        src = dst * scale if align_corners else (dst + 0.5) * scale - 0.5
        i0 = np.floor(src).astype(np.int64)
        t = src - i0
        for k in range(-1, 3):
            np.add.at(a, (dst, np.clip(i0 + k, 0, n_in - 1)), _cubic(t - k, -0.75))
    elif mode in ("nearest", "nearest-exact"):
        step = 1.0 / scale_factor if scale_factor else n_in / n_out
        offset = 0.5 if mode == "nearest-exact" else 0.0  # pixel centres, as PIL and OpenCV
        src = np.minimum(np.floor((dst + offset) * step), n_in - 1).astype(np.int64)
        a[dst, src] = 1.0
    else:
        src = dst * scale if align_corners else np.maximum((dst + 0.5) * scale - 0.5, 0.0)
        i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        i1 = np.minimum(i0 + 1, n_in - 1)
        lam = src - i0
        np.add.at(a, (dst, i0), 1.0 - lam)
        np.add.at(a, (dst, i1), lam)
    return a.astype(dtype)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, L), (N, C, H, W) or (N, C, D, H, W) by 'nearest',
    'nearest-exact' or (bi/tri)linear interpolation: one small resampling matrix per dim."""
    nsp = len(input.shape) - 2
    if nsp not in (1, 2, 3):
        raise ValueError(f"interpolate: expected a 3-D (N, C, L), 4-D (N, C, H, W) or 5-D "
                         f"(N, C, D, H, W) input, got shape {tuple(input.shape)}")
    allowed = ("nearest", "nearest-exact", {1: "linear", 2: "bilinear", 3: "trilinear"}[nsp])
    if nsp == 2:
        allowed += ("bicubic",)
    if mode not in allowed:
        raise ValueError(f"interpolate: mode {mode!r} is not available for a {nsp + 2}-D input; "
                         f"use one of {allowed}")
    if "nearest" in mode and align_corners is not None:
        raise ValueError("interpolate: align_corners option can only be set with the interpolating "
                         "modes: linear | bilinear")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    spatial = input.shape[2:]
    if size is not None:
        out = (size,) * nsp if isinstance(size, int) else tuple(size)
        factors = (None,) * nsp
    else:
        factors = (scale_factor,) * nsp if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
        out = tuple(int(math.floor(n * f)) for n, f in zip(spatial, factors))
        if recompute_scale_factor:
            factors = (None,) * nsp
    dt = input._data.dtype
    if antialias and mode not in ("bilinear", "bicubic"):
        raise ValueError(f"interpolate: anti-alias option is only supported for bilinear and "
                         f"bicubic modes, got {mode!r}")
    mats = [_resize_matrix(n, o, mode, bool(align_corners), f, dt, antialias)
            for n, o, f in zip(spatial, out, factors)]
    y = matmul(input, wrap_array(mats[-1].T))
    if nsp == 2:
        y = matmul(wrap_array(mats[0]), y)
    elif nsp == 3:
        for i in (0, 1):
            y = movedim(matmul(movedim(y, 2 + i, -1), wrap_array(mats[i].T)), -1, 2 + i)
    return y


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


def _base_coords(n, align_corners):
    if align_corners:
        return np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1)
    return (np.arange(n) * 2.0 + 1.0) / n - 1.0


def affine_grid(theta, size, align_corners=False):
    """The sampling grid (N, H, W, 2) of normalized (x, y) positions θ·(x, y, 1)."""
    if len(size) != 4:
        raise ValueError(f"affine_grid: only 2-D sizes (N, C, H, W) are supported, got {tuple(size)}")
    n, _, h, w = size
    if tuple(theta.shape) != (n, 2, 3):
        raise ValueError(f"affine_grid: expected theta of shape ({n}, 2, 3) for size {tuple(size)}, "
                         f"got {tuple(theta.shape)}")
    xs, ys = _base_coords(w, align_corners), _base_coords(h, align_corners)
    base = np.stack(np.broadcast_arrays(xs[None, :], ys[:, None], np.ones((1, 1))), axis=-1)
    base = wrap_array(base.reshape(1, h * w, 3).astype(theta._data.dtype))
    grid = matmul(base, transpose(theta, 1, 2))        # (N, H·W, 2)
    return reshape(grid, (n, h, w, 2))


def _unnormalize(coord, n, align_corners):
    if align_corners:
        return (coord + 1.0) * ((n - 1) / 2.0)
    return ((coord + 1.0) * n - 1.0) / 2.0


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Read input (N, C, H, W) at the grid's normalized points (N, Ho, Wo, 2) → (N, C, Ho, Wo)."""
    if mode not in ("bilinear", "nearest"):
        raise ValueError(f"grid_sample: mode must be 'bilinear' or 'nearest', got {mode!r}")
    if padding_mode not in ("zeros", "border"):
        raise ValueError(f"grid_sample: padding_mode must be 'zeros' or 'border', got {padding_mode!r}")
    if len(input.shape) != 4 or len(grid.shape) != 4 or grid.shape[-1] != 2 or \
            grid.shape[0] != input.shape[0]:
        raise ValueError(f"grid_sample: expected input (N, C, H, W) and grid (N, Ho, Wo, 2), got "
                         f"{tuple(input.shape)} and {tuple(grid.shape)}")
    align = bool(align_corners)
    n, c, h, w = input.shape
    ix = _unnormalize(getitem(grid, (Ellipsis, 0)), w, align)
    iy = _unnormalize(getitem(grid, (Ellipsis, 1)), h, align)
    if padding_mode == "border":
        ix, iy = clamp(ix, 0.0, w - 1.0), clamp(iy, 0.0, h - 1.0)
    nb = np.arange(n).reshape(n, 1, 1, 1)
    cb = np.arange(c).reshape(1, c, 1, 1)

    def read(yy, xx):
        valid = ((xx >= 0) & (xx < w) & (yy >= 0) & (yy < h))[:, None]
        key = (nb, cb, np.clip(yy, 0, h - 1)[:, None], np.clip(xx, 0, w - 1)[:, None])
        return getitem(input, key) * valid

    if mode == "nearest":
        return read(np.rint(iy._data).astype(np.int64), np.rint(ix._data).astype(np.int64))
    x0 = np.floor(ix._data)
    y0 = np.floor(iy._data)
    wx1, wy1 = ix - x0, iy - y0
    wx0, wy0 = 1.0 - wx1, 1.0 - wy1
    x0i, y0i = x0.astype(np.int64), y0.astype(np.int64)
    out = 0.0
    for yy, wy in ((y0i, wy0), (y0i + 1, wy1)):
        for xx, wx in ((x0i, wx0), (x0i + 1, wx1)):
            out = out + read(yy, xx) * reshape(wy * wx, (n, 1) + tuple(grid.shape[1:3]))
    return out


def pixel_shuffle(input, upscale_factor):
    """(N, C·r², H, W) → (N, C, H·r, W·r): sub-pixel convolution's rearrangement."""
    r = upscale_factor
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle: the channel count {c} must be divisible by the square "
                           f"of the upscale factor ({r}² = {r * r})")
    x = reshape(input, tuple(lead) + (c // (r * r), r, r, h, w))
    k = len(lead)
    x = permute(x, tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
    return reshape(x, tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    """(N, C, H·r, W·r) → (N, C·r², H, W), the inverse of pixel_shuffle."""
    r = downscale_factor
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle: height {h} and width {w} must be divisible by {r}")
    x = reshape(input, tuple(lead) + (c, h // r, r, w // r, r))
    k = len(lead)
    x = permute(x, tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
    return reshape(x, tuple(lead) + (c * r * r, h // r, w // r))
