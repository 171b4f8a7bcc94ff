"""Image transforms for arrays (C, H, W) and tensors, and data augmentation (Lecture: CNN —
flips, crops, rotations and scaling make new training images from old ones)."""
import math
import numbers

import numpy as np

from ..autograd.tensor import Tensor, _wrap
from ..ops.sampling import _resize_matrix
from ..random import numpy_generator


def _arr(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _like(result, x):
    return _wrap(np.ascontiguousarray(result)) if isinstance(x, Tensor) else result


def _pair(v, name):
    if isinstance(v, numbers.Number):
        return int(v), int(v)
    v = tuple(v)
    if len(v) != 2:
        raise ValueError(f"{name}: expected an int or a (height, width) pair, got {v}")
    return int(v[0]), int(v[1])


def _check_image(a, name):
    if a.ndim < 2:
        raise ValueError(f"{name}: expected an image of shape (C, H, W) or (H, W), got {a.shape}")


class Compose:
    """Apply transforms one after another."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self):
        return "Compose(" + ", ".join(repr(t) for t in self.transforms) + ")"


class ToTensor:
    """(H, W, C) or (H, W) uint8 in [0, 255] → float32 tensor (C, H, W) in [0, 1]; float arrays
    keep their values."""

    def __call__(self, x):
        a = _arr(x)
        if a.ndim == 2:
            a = a[None]
        elif a.ndim == 3 and isinstance(x, np.ndarray):
            a = a.transpose(2, 0, 1)
        if a.dtype == np.uint8:
            return _wrap(a.astype(np.float32) / 255.0)
        return _wrap(np.ascontiguousarray(a, dtype=np.float32 if a.dtype.kind != "f" else a.dtype))

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """(x − mean)/std per channel."""

    def __init__(self, mean, std):
        self.mean = np.asarray(mean, dtype=np.float32).reshape(-1, 1, 1)
        self.std = np.asarray(std, dtype=np.float32).reshape(-1, 1, 1)
        if np.any(self.std == 0):
            raise ValueError("Normalize: std evaluated to zero, leading to division by zero")

    def __call__(self, x):
        a = _arr(x)
        _check_image(a, "Normalize")
        if a.ndim >= 3 and self.mean.shape[0] not in (1, a.shape[-3]):
            raise ValueError(f"Normalize: {self.mean.shape[0]} channel means for an image with "
                             f"{a.shape[-3]} channels")
        return _like(((a - self.mean) / self.std).astype(a.dtype if a.dtype.kind == "f" else np.float32), x)

    def __repr__(self):
        return f"Normalize(mean={self.mean.ravel().tolist()}, std={self.std.ravel().tolist()})"


class RandomHorizontalFlip:
    """Mirror left-right with probability p."""

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, x):
        if numpy_generator().random() < self.p:
            return _like(np.flip(_arr(x), -1), x)
        return x


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top-bottom with probability p."""

    def __call__(self, x):
        if numpy_generator().random() < self.p:
            return _like(np.flip(_arr(x), -2), x)
        return x


class CenterCrop:
    def __init__(self, size):
        self.size = _pair(size, "CenterCrop")

    def __call__(self, x):
        a = _arr(x)
        _check_image(a, "CenterCrop")
        h, w = a.shape[-2:]
        th, tw = self.size
        if th > h or tw > w:
            raise ValueError(f"CenterCrop: crop size {self.size} is larger than the image ({h}, {w})")
        top, left = (h - th) // 2, (w - tw) // 2
        return _like(a[..., top:top + th, left:left + tw], x)


class RandomCrop:
    """A random size×size crop, after zero-padding each border by ``padding``."""

    def __init__(self, size, padding=None, fill=0):
        self.size, self.padding, self.fill = _pair(size, "RandomCrop"), padding, fill

    def __call__(self, x):
        a = _arr(x)
        _check_image(a, "RandomCrop")
        if self.padding:
            p = self.padding
            a = np.pad(a, [(0, 0)] * (a.ndim - 2) + [(p, p), (p, p)], constant_values=self.fill)
        h, w = a.shape[-2:]
        th, tw = self.size
        if th > h or tw > w:
            raise ValueError(f"RandomCrop: crop size {self.size} is larger than the (padded) image ({h}, {w})")
        g = numpy_generator()
        top, left = int(g.integers(0, h - th + 1)), int(g.integers(0, w - tw + 1))
        return _like(a[..., top:top + th, left:left + tw], x)


def _affine_sample(a, matrix, out_hw=None):
    """Resample image(s) a (…, H, W) through a 2×3 matrix mapping output → input pixel coordinates
    (bilinear, zero outside)."""
    h, w = a.shape[-2:]
    oh, ow = out_hw or (h, w)
    ys, xs = np.meshgrid(np.arange(oh, dtype=np.float64), np.arange(ow, dtype=np.float64), indexing="ij")
    src_x = matrix[0, 0] * xs + matrix[0, 1] * ys + matrix[0, 2]
    src_y = matrix[1, 0] * xs + matrix[1, 1] * ys + matrix[1, 2]
    x0, y0 = np.floor(src_x).astype(int), np.floor(src_y).astype(int)
    fx, fy = src_x - x0, src_y - y0
    out = np.zeros(a.shape[:-2] + (oh, ow), dtype=np.float64)
    for dy, dx, wgt in ((0, 0, (1 - fy) * (1 - fx)), (0, 1, (1 - fy) * fx), (1, 0, fy * (1 - fx)), (1, 1, fy * fx)):
        yy, xx = y0 + dy, x0 + dx
        ok = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        vals = a[..., np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)]
        out += vals * (wgt * ok)
    return out.astype(a.dtype if a.dtype.kind == "f" else np.float32)


class RandomRotation:
    """Rotate by an angle drawn uniformly from [−degrees, degrees] about the centre."""

    def __init__(self, degrees):
        self.degrees = (-degrees, degrees) if isinstance(degrees, numbers.Number) else tuple(degrees)

    def __call__(self, x):
        a = _arr(x)
        _check_image(a, "RandomRotation")
        angle = math.radians(numpy_generator().uniform(*self.degrees))
        h, w = a.shape[-2:]
        cy, cx = (h - 1) / 2, (w - 1) / 2
        c, s = math.cos(angle), math.sin(angle)
        m = np.array([[c, -s, cx - c * cx + s * cy], [s, c, cy - s * cx - c * cy]])
        return _like(_affine_sample(a, m), x)


class Resize:
    """Bilinear resize to (height, width), or the shorter side to ``size`` keeping the aspect."""

    def __init__(self, size):
        self.size = size

    def __call__(self, x):
        a = _arr(x)
        _check_image(a, "Resize")
        h, w = a.shape[-2:]
        if isinstance(self.size, numbers.Number):
            s = int(self.size)
            oh, ow = (s, max(1, round(w * s / h))) if h <= w else (max(1, round(h * s / w)), s)
        else:
            oh, ow = _pair(self.size, "Resize")
        dt = a.dtype if a.dtype.kind == "f" else np.float32
        rows = _resize_matrix(h, oh, "bilinear", False, None, np.float64)
        cols = _resize_matrix(w, ow, "bilinear", False, None, np.float64)
        return _like((rows @ a @ cols.T).astype(dt), x)


class RandomResizedCrop:
    """Crop a random area (scale) and aspect ratio (ratio), then resize to size."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
        self.size, self.scale, self.ratio = _pair(size, "RandomResizedCrop"), scale, ratio

    def __call__(self, x):
        a = _arr(x)
        _check_image(a, "RandomResizedCrop")
        h, w = a.shape[-2:]
        g = numpy_generator()
        for _ in range(10):
            area = h * w * g.uniform(*self.scale)
            aspect = math.exp(g.uniform(math.log(self.ratio[0]), math.log(self.ratio[1])))
            cw, ch = int(round(math.sqrt(area * aspect))), int(round(math.sqrt(area / aspect)))
            if 0 < cw <= w and 0 < ch <= h:
                top, left = int(g.integers(0, h - ch + 1)), int(g.integers(0, w - cw + 1))
                break
        else:
            ch, cw, top, left = h, w, 0, 0
        crop = a[..., top:top + ch, left:left + cw]
        return _like(Resize(self.size)(crop), x)


class Grayscale:
    """RGB → luminance 0.299R + 0.587G + 0.114B, repeated to num_output_channels."""

    def __init__(self, num_output_channels=1):
        self.n = num_output_channels

    def __call__(self, x):
        a = _arr(x)
        if a.ndim < 3 or a.shape[-3] not in (1, 3):
            raise ValueError(f"Grayscale: expected an image (C, H, W) with 1 or 3 channels, got {a.shape}")
        gray = a[..., :1, :, :] if a.shape[-3] == 1 else (
            0.299 * a[..., 0:1, :, :] + 0.587 * a[..., 1:2, :, :] + 0.114 * a[..., 2:3, :, :])
        return _like(np.repeat(gray, self.n, axis=-3).astype(a.dtype if a.dtype.kind == "f" else np.float32), x)


class GaussianNoise:
    """x + N(mean, σ²) noise."""

    def __init__(self, mean=0.0, sigma=0.1):
        if sigma < 0:
            raise ValueError(f"GaussianNoise: sigma must be non-negative, got {sigma}")
        self.mean, self.sigma = mean, sigma

    def __call__(self, x):
        a = _arr(x)
        noise = numpy_generator().normal(self.mean, self.sigma, a.shape)
        return _like((a + noise).astype(a.dtype if a.dtype.kind == "f" else np.float32), x)
