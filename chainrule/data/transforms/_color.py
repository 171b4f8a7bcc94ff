"""Changing colours: grayscale, brightness, contrast, saturation, hue, blur and erasing
(torchvision's functional API; PIL images go through Pillow's ImageEnhance as in torchvision).

On tensors, brightness, contrast and saturation are all one blend, ratio·img + (1 − ratio)·other,
with a black image, the mean gray level, or the image's own grayscale as ``other``; hue is a turn
of the colour wheel in HSV space.
"""
import numpy as np

from ...autograd.tensor import Tensor, wrap_array
from ...ops.conv import conv2d
from ...ops.padding import pad as pad_tensor
from ._image import Image, ImageEnhance, _back, _float_of, _image_array, _max_value, is_pil

_LUMA = (0.2989, 0.587, 0.114)   # ITU-R 601-2 weights, as torchvision's tensor path


def _channels(a, op, allowed=(1, 3)):
    if a.ndim < 3 or a.shape[-3] not in allowed:
        raise TypeError(f"{op}: expected a tensor image (..., C, H, W) with C in {allowed}, got "
                        f"shape {a.shape}")


def _gray_of(a):
    r, g, b = a[..., 0, :, :], a[..., 1, :, :], a[..., 2, :, :]
    return (_LUMA[0] * r + _LUMA[1] * g + _LUMA[2] * b)[..., None, :, :]


def rgb_to_grayscale(img, num_output_channels=1):
    """L = 0.2989 R + 0.587 G + 0.114 B (PIL's 'L' conversion on PIL images)."""
    if num_output_channels not in (1, 3):
        raise ValueError(f"rgb_to_grayscale: num_output_channels should be either 1 or 3, got "
                         f"{num_output_channels}")
    if is_pil(img):
        gray = img.convert("L")
        return gray if num_output_channels == 1 else Image.merge("RGB", (gray, gray, gray))
    a = _image_array(img, "rgb_to_grayscale")
    _channels(a, "rgb_to_grayscale")
    gray = _gray_of(a).astype(a.dtype) if a.shape[-3] == 3 else a.copy()
    if num_output_channels == 3:
        gray = np.broadcast_to(gray, a.shape[:-3] + (3,) + a.shape[-2:]).copy()
    return wrap_array(gray)


to_grayscale = rgb_to_grayscale


def _blend(a, other, ratio):
    out = ratio * _float_of(a) + (1.0 - ratio) * other
    out = np.clip(out, 0, _max_value(a.dtype))
    return out.astype(a.dtype) if a.dtype.kind == "f" else out.astype(a.dtype)  # truncates, as .to()


def _check_factor(value, name):
    if value < 0:
        raise ValueError(f"adjust_{name}: {name}_factor ({value}) is not non-negative")


def _enhance(img, factor, name, pil_enhancer, other):
    """Blend the image with ``other(a)`` by ``factor`` (1 = the image), as PIL's ImageEnhance does:
    on PIL images PIL itself, on tensors the same blend clipped to the value range."""
    _check_factor(factor, name)
    if is_pil(img):
        return pil_enhancer(img).enhance(factor)
    a = _image_array(img, f"adjust_{name}")
    _channels(a, f"adjust_{name}")
    return wrap_array(_blend(a, other(a), factor))


def _mean_gray(a):
    gray = _gray_of(a).astype(a.dtype) if a.shape[-3] == 3 else a
    return _float_of(gray).mean(axis=(-3, -2, -1), keepdims=True)


def adjust_brightness(img, brightness_factor):
    """0 gives black, 1 the original, 2 twice as bright."""
    return _enhance(img, brightness_factor, "brightness", ImageEnhance.Brightness, lambda a: 0.0)


def adjust_contrast(img, contrast_factor):
    """0 gives a flat gray at the image's mean luminance, 1 the original."""
    return _enhance(img, contrast_factor, "contrast", ImageEnhance.Contrast, _mean_gray)


def adjust_saturation(img, saturation_factor):
    """0 gives the grayscale image, 1 the original, 2 doubly saturated colours."""
    if not is_pil(img) and _image_array(img, "adjust_saturation").shape[-3] == 1:
        _check_factor(saturation_factor, "saturation")
        return img
    return _enhance(img, saturation_factor, "saturation", ImageEnhance.Color,
                    lambda a: _gray_of(a).astype(a.dtype))


def _rgb_to_hsv(a):
    r, g, b = a[..., 0, :, :], a[..., 1, :, :], a[..., 2, :, :]
    maxc, minc = a.max(axis=-3), a.min(axis=-3)
    same = maxc == minc
    span = maxc - minc
    s = span / np.where(same, 1.0, maxc)
    div = np.where(same, 1.0, span)
    rc, gc, bc = (maxc - r) / div, (maxc - g) / div, (maxc - b) / div
    h = np.where(maxc == r, bc - gc, 0.0)
    h = h + np.where((maxc == g) & (maxc != r), 2.0 + rc - bc, 0.0)
    h = h + np.where((maxc != g) & (maxc != r), 4.0 + gc - rc, 0.0)
    h = np.mod(h / 6.0 + 1.0, 1.0)
    return np.stack([h, s, maxc], axis=-3)


def _hsv_to_rgb(hsv):
    h, s, v = hsv[..., 0, :, :], hsv[..., 1, :, :], hsv[..., 2, :, :]
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int32) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    table = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = np.zeros(hsv.shape, dtype=hsv.dtype)
    for k, (r, g, b) in enumerate(table):
        sel = i == k
        out[..., 0, :, :] += np.where(sel, r, 0)
        out[..., 1, :, :] += np.where(sel, g, 0)
        out[..., 2, :, :] += np.where(sel, b, 0)
    return out


def adjust_hue(img, hue_factor):
    """Turn every colour around the hue circle by ``hue_factor`` of a full turn (in [−0.5, 0.5])."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"adjust_hue: hue_factor ({hue_factor}) is not in [-0.5, 0.5]")
    if is_pil(img):
        if img.mode in ("L", "1", "I", "F"):
            return img
        h, s, v = img.convert("HSV").split()
        hue = np.array(h, dtype=np.uint8)
        hue += np.uint8(np.int32(hue_factor * 255) % 256)   # wraps around, as uint8 does
        return Image.merge("HSV", (Image.fromarray(hue), s, v)).convert(img.mode)
    a = _image_array(img, "adjust_hue")
    _channels(a, "adjust_hue")
    if a.shape[-3] == 1:
        return img
    x = a.astype(np.float32) / np.float32(_max_value(a.dtype)) if a.dtype.kind != "f" else a
    hsv = _rgb_to_hsv(x)
    hsv[..., 0, :, :] = np.mod(hsv[..., 0, :, :] + hue_factor, 1.0)
    rgb = _hsv_to_rgb(hsv).astype(x.dtype)
    if a.dtype.kind != "f":
        rgb = (rgb * (_max_value(a.dtype) + 1.0 - 1e-3)).astype(a.dtype)
    return wrap_array(rgb)


def _gaussian_kernel(size, sigma):
    half = (size - 1) * 0.5
    x = np.linspace(-half, half, size)
    pdf = np.exp(-0.5 * (x / sigma) ** 2)
    return pdf / pdf.sum()


def gaussian_blur(img, kernel_size, sigma=None):
    """Convolve each channel with a Gaussian (odd kernel sizes; σ = 0.3·((k − 1)·0.5 − 1) + 0.8
    when not given), reflecting at the borders."""
    ks = [kernel_size, kernel_size] if isinstance(kernel_size, int) else list(kernel_size)
    ks = ks * 2 if len(ks) == 1 else ks
    if len(ks) != 2 or any(k <= 0 or k % 2 == 0 for k in ks):
        raise ValueError(f"gaussian_blur: kernel_size should have odd and positive integers, got {kernel_size}")
    if sigma is None:
        sig = [k * 0.15 + 0.35 for k in ks]
    else:
        sig = [float(sigma)] * 2 if isinstance(sigma, (int, float)) else [float(s) for s in sigma]
        sig = sig * 2 if len(sig) == 1 else sig
    if any(s <= 0 for s in sig):
        raise ValueError(f"gaussian_blur: sigma should have positive values, got {sigma}")
    if is_pil(img):
        from ._convert import pil_to_tensor, to_pil_image
        return to_pil_image(gaussian_blur(pil_to_tensor(img), ks, sig), mode=img.mode)
    a = _image_array(img, "gaussian_blur")
    dt = a.dtype if a.dtype.kind == "f" else np.dtype(np.float32)
    kernel = np.outer(_gaussian_kernel(ks[1], sig[1]), _gaussian_kernel(ks[0], sig[0])).astype(dt)
    x = _float_of(a).reshape((-1,) + a.shape[-3:]).astype(dt, copy=False)
    c = x.shape[1]
    padded = pad_tensor(wrap_array(x), (ks[0] // 2, ks[0] // 2, ks[1] // 2, ks[1] // 2), mode="reflect")
    w = wrap_array(np.broadcast_to(kernel, (c, 1) + kernel.shape).copy())
    out = conv2d(padded, w, groups=c)._data
    return wrap_array(_back(out.reshape(a.shape), a))


def erase(img, i, j, h, w, v, inplace=False):
    """Overwrite the box at (i, j) of size (h, w) with ``v`` (a value or a tensor that fits)."""
    a = _image_array(img, "erase")
    out = a if inplace else a.copy()
    out[..., i:i + h, j:j + w] = v._data if isinstance(v, Tensor) else v
    return img if inplace else wrap_array(out)
