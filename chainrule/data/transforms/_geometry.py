"""Moving pixels: resize, crop, pad, flip, rotate and affine maps (torchvision's functional API).

On PIL images each function makes the Pillow call torchvision makes. On tensors: resizing is one
resampling matrix per axis (the same ``interpolate`` as ``nn.functional``, antialiased like
PIL when shrinking); rotations and affine maps send every output pixel back through the inverse
matrix and read the input there (``grid_sample``), painting ``fill`` where it falls outside.
"""
import math
import numbers

import numpy as np

from ...autograd.tensor import wrap_array
from ...ops.sampling import _resize_matrix, grid_sample
from ._image import (Image, ImageOps, _PIL_MODES, _back, _float_of, _image_array, get_dimensions,
                     interpolation_mode, is_pil, size_pair)


def _output_size(h, w, size, max_size):
    """torchvision's rule: an int (or [int]) sets the shorter side and keeps the aspect ratio
    (the longer side truncated), capped by ``max_size``; (h, w) is taken as it is."""
    if isinstance(size, numbers.Number):
        size = [int(size)]
    size = list(size)
    if len(size) not in (1, 2):
        raise ValueError(f"resize: size must be an int or a 1 or 2 element tuple/list, not a "
                         f"{len(size)} element tuple/list")
    if len(size) == 2:
        if max_size is not None:
            raise ValueError("resize: max_size should only be passed if size specifies the length "
                             "of the smaller edge")
        return int(size[0]), int(size[1])
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size[0], int(size[0] * long / short)
    if max_size is not None:
        if max_size <= size[0]:
            raise ValueError(f"resize: max_size = {max_size} must be strictly greater than the "
                             f"requested size for the smaller edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return (new_long, new_short) if w <= h else (new_short, new_long)


def resize(img, size, interpolation="bilinear", max_size=None, antialias=True):
    mode = interpolation_mode(interpolation, "resize")
    _, h, w = get_dimensions(img, "resize")
    oh, ow = _output_size(h, w, size, max_size)
    if (oh, ow) == (h, w):
        return img
    if is_pil(img):
        return img.resize((ow, oh), _PIL_MODES[mode.value])
    a = _image_array(img, "resize")
    if mode.value not in ("nearest", "nearest-exact", "bilinear", "bicubic"):
        raise ValueError(f"resize: interpolation {mode.value!r} is only available for PIL images")
    dt = a.dtype if a.dtype.kind == "f" else np.dtype(np.float32)
    aa = bool(antialias) and mode.value in ("bilinear", "bicubic")
    rows = _resize_matrix(h, oh, mode.value, False, None, dt, aa)
    cols = _resize_matrix(w, ow, mode.value, False, None, dt, aa)
    out = rows @ _float_of(a) @ cols.T
    if mode.value == "bicubic" and a.dtype == np.uint8:
        out = np.clip(out, 0, 255)
    return wrap_array(_back(out, a))


def crop(img, top, left, height, width):
    """The box whose top-left corner is (top, left); parts outside the image are zeros."""
    if is_pil(img):
        return img.crop((left, top, left + width, top + height))
    a = _image_array(img, "crop")
    h, w = a.shape[-2:]
    bottom, right = top + height, left + width
    if left < 0 or top < 0 or right > w or bottom > h:
        out = np.zeros(a.shape[:-2] + (height, width), dtype=a.dtype)
        y0, x0 = max(top, 0), max(left, 0)
        y1, x1 = min(bottom, h), min(right, w)
        if y1 > y0 and x1 > x0:
            out[..., y0 - top:y1 - top, x0 - left:x1 - left] = a[..., y0:y1, x0:x1]
        return wrap_array(out)
    return wrap_array(a[..., top:bottom, left:right])


def center_crop(img, output_size):
    """The central (h, w) box; an image smaller than the box is zero-padded first."""
    ch, cw = size_pair(output_size, "center_crop")
    _, h, w = get_dimensions(img, "center_crop")
    if cw > w or ch > h:
        img = pad(img, [max(cw - w, 0) // 2, max(ch - h, 0) // 2, max(cw - w + 1, 0) // 2,
                        max(ch - h + 1, 0) // 2], fill=0)
        _, h, w = get_dimensions(img)
        if (ch, cw) == (h, w):
            return img
    return crop(img, int(round((h - ch) / 2.0)), int(round((w - cw) / 2.0)), ch, cw)


def resized_crop(img, top, left, height, width, size, interpolation="bilinear", antialias=True):
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def _ltrb(padding, op):
    if isinstance(padding, numbers.Number):
        return [int(padding)] * 4
    p = [int(v) for v in padding]
    if len(p) == 1:
        return p * 4
    if len(p) == 2:
        return [p[0], p[1], p[0], p[1]]
    if len(p) == 4:
        return p
    raise ValueError(f"{op}: padding must be an int or a 1, 2, or 4 element tuple, not a {len(p)} "
                     f"element tuple")


def _fill_for_pil(fill, img):
    bands = len(img.getbands())
    fill = 0 if fill is None else fill
    if isinstance(fill, (list, tuple)):
        fill = tuple(fill) * bands if len(fill) == 1 else tuple(fill)
        if len(fill) != bands:
            raise ValueError(f"fill: the number of elements in 'fill' does not match the number of "
                             f"channels of the image ({len(fill)} != {bands})")
    elif bands > 1:
        fill = (fill,) * bands
    if img.mode != "F":
        fill = tuple(int(v) for v in fill) if isinstance(fill, tuple) else int(fill)
    return fill


def pad(img, padding, fill=0, padding_mode="constant"):
    """Add borders (left, top, right, bottom): a constant, the edge pixel, a reflection without
    the edge ('reflect') or with it ('symmetric'). Negative padding crops."""
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError(f"pad: padding_mode should be either constant, edge, reflect or symmetric, "
                         f"got {padding_mode!r}")
    left, top, right, bottom = _ltrb(padding, "pad")
    if is_pil(img) and padding_mode == "constant" and min(left, top, right, bottom) >= 0:
        out = ImageOps.expand(img, border=(left, top, right, bottom), fill=_fill_for_pil(fill, img))
        if img.mode == "P":
            out.putpalette(img.getpalette())
        return out
    a = np.asarray(img) if is_pil(img) else _image_array(img, "pad")
    hwc = is_pil(img)
    crop_box = [max(-v, 0) for v in (left, top, right, bottom)]
    ys = slice(crop_box[1], a.shape[0 if hwc else -2] - crop_box[3])
    xs = slice(crop_box[0], a.shape[1 if hwc else -1] - crop_box[2])
    a = a[ys, xs] if hwc else a[..., ys, xs]
    left, top, right, bottom = (max(v, 0) for v in (left, top, right, bottom))
    spec = [(top, bottom), (left, right)]
    spec = spec + [(0, 0)] * (a.ndim - 2) if hwc else [(0, 0)] * (a.ndim - 2) + spec
    if padding_mode == "constant":
        out = np.pad(a, spec, mode="constant", constant_values=fill if fill is not None else 0)
    else:
        out = np.pad(a, spec, mode=padding_mode)
    if hwc:
        result = Image.fromarray(np.ascontiguousarray(out))
        if img.mode == "P":
            result.putpalette(img.getpalette())
        return result
    return wrap_array(out)


def hflip(img):
    if is_pil(img):
        return img.transpose(Image.FLIP_LEFT_RIGHT)
    return wrap_array(np.ascontiguousarray(_image_array(img, "hflip")[..., ::-1]))


def vflip(img):
    if is_pil(img):
        return img.transpose(Image.FLIP_TOP_BOTTOM)
    return wrap_array(np.ascontiguousarray(_image_array(img, "vflip")[..., ::-1, :]))


def inverse_affine_matrix(center, angle, translate, scale, shear):
    """The 2×3 map from output to input pixel coordinates of: rotate by ``angle`` degrees and
    shear about ``center``, scale, then translate — as torchvision builds it (so PIL's
    ``Image.transform`` and the tensor grid read the same places)."""
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [v / scale for v in (d, -b, 0.0, -c, a, 0.0)]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty) + cx
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty) + cy
    return m


def _sample_affine(a, matrix, out_hw, mode, fill):
    """Read a (…, C, H, W) array through the inverse map ``matrix`` (centred pixel coordinates)
    into an (oh, ow) image; points outside get ``fill``."""
    h, w = a.shape[-2:]
    oh, ow = out_hw
    dt = a.dtype if a.dtype.kind == "f" else np.dtype(np.float32)
    xs = np.arange(ow, dtype=np.float64) - ow * 0.5 + 0.5
    ys = np.arange(oh, dtype=np.float64) - oh * 0.5 + 0.5
    gx, gy = np.meshgrid(xs, ys)
    m = np.asarray(matrix, dtype=np.float64).reshape(2, 3)
    grid = np.stack([(m[0, 0] * gx + m[0, 1] * gy + m[0, 2]) / (0.5 * w),
                     (m[1, 0] * gx + m[1, 1] * gy + m[1, 2]) / (0.5 * h)], axis=-1).astype(dt)
    lead = a.shape[:-3]
    x = _float_of(a).reshape((-1,) + a.shape[-3:])
    n, c = x.shape[:2]
    x = np.concatenate([x, np.ones((n, 1, h, w), dtype=x.dtype)], axis=1)  # a mask of "inside"
    out = grid_sample(wrap_array(x), wrap_array(np.broadcast_to(grid, (n, oh, ow, 2)).copy()), mode=mode,
                      padding_mode="zeros", align_corners=False)._data
    img, mask = out[:, :c], out[:, c:]
    if fill is not None:
        f = np.asarray(fill if isinstance(fill, (list, tuple)) else [fill], dtype=img.dtype)
        f = np.broadcast_to(f.reshape(1, -1, 1, 1), img.shape)
        img = np.where(mask < 0.5, f, img) if mode == "nearest" else img * mask + (1 - mask) * f
    return _back(img.reshape(lead + img.shape[1:]), a)


def _tensor_mode(interpolation, op):
    mode = interpolation_mode(interpolation, op).value
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"{op}: tensor images support nearest and bilinear interpolation, got {mode!r}")
    return mode


def rotate(img, angle, interpolation="nearest", expand=False, center=None, fill=None):
    """Turn counter-clockwise by ``angle`` degrees about ``center`` (the image centre by default);
    ``expand`` grows the canvas to hold the whole turned image."""
    mode = interpolation_mode(interpolation, "rotate")
    if is_pil(img):
        return img.rotate(angle, _PIL_MODES[mode.value], expand, center, fillcolor=_fill_for_pil(fill, img))
    a = _image_array(img, "rotate")
    h, w = a.shape[-2:]
    c = [0.0, 0.0] if center is None else [center[0] - w * 0.5, center[1] - h * 0.5]
    m = inverse_affine_matrix(c, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    oh, ow = (h, w)
    if expand:
        corners = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                            [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]])
        moved = corners @ np.asarray(m, dtype=np.float32).reshape(2, 3).T.astype(np.float64)
        lo, hi = moved.min(0) + (w * 0.5, h * 0.5), moved.max(0) + (w * 0.5, h * 0.5)
        tol = 1e-4
        size = np.ceil(np.trunc(hi / tol) * tol) - np.floor(np.trunc(lo / tol) * tol)
        ow, oh = int(size[0]), int(size[1])
    return wrap_array(_sample_affine(a, m, (oh, ow), _tensor_mode(mode, "rotate"), fill))


def affine(img, angle, translate, scale, shear, interpolation="nearest", fill=None, center=None):
    """Rotate by ``angle``, translate by (tx, ty) pixels, scale and shear (degrees) about the
    centre, in one resampling."""
    if not isinstance(angle, (int, float)):
        raise TypeError(f"affine: argument angle should be int or float, got {type(angle).__name__}")
    if len(translate) != 2:
        raise ValueError(f"affine: argument translate should be a sequence of length 2, got {translate}")
    if scale <= 0.0:
        raise ValueError(f"affine: argument scale should be positive, got {scale}")
    shear = [shear, 0.0] if isinstance(shear, numbers.Number) else list(shear)
    shear = shear * 2 if len(shear) == 1 else shear
    mode = interpolation_mode(interpolation, "affine")
    _, h, w = get_dimensions(img, "affine")
    if is_pil(img):
        c = [w * 0.5, h * 0.5] if center is None else list(center)
        m = inverse_affine_matrix(c, angle, list(translate), scale, shear)
        return img.transform((w, h), Image.AFFINE, m, _PIL_MODES[mode.value],
                             fillcolor=_fill_for_pil(fill, img))
    a = _image_array(img, "affine")
    c = [0.0, 0.0] if center is None else [center[0] - w * 0.5, center[1] - h * 0.5]
    m = inverse_affine_matrix(c, angle, [float(t) for t in translate], scale, shear)
    return wrap_array(_sample_affine(a, m, (h, w), _tensor_mode(mode, "affine"), fill))
