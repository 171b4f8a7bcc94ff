"""Conversions between PIL images, H×W×C arrays and C×H×W tensors, dtype rescaling and
per-channel normalization (torchvision's ``to_tensor``, ``to_pil_image``, ``convert_image_dtype``,
``normalize``)."""
import numpy as np

from ...autograd.dtype import to_numpy_dtype
from ...autograd.tensor import Tensor, wrap_array
from ._image import Image, _image_array, _max_value, is_pil


def to_tensor(pic):
    """PIL image or H×W×C ndarray → C×H×W tensor; uint8 becomes float32 in [0, 1]."""
    if is_pil(pic):
        depth = {"I": np.int32, "I;16": np.int16, "F": np.float32}.get(pic.mode, np.uint8)
        a = np.array(pic, dtype=depth, copy=True)
        if pic.mode == "1":
            a = a.astype(np.uint8) * 255
        a = a.reshape(pic.height, pic.width, len(pic.getbands()))
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"to_tensor: pic should be 2/3 dimensional, got {pic.ndim} dimensions")
        a = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"to_tensor: pic should be PIL Image or ndarray, got {type(pic).__name__}")
    chw = np.ascontiguousarray(a.transpose(2, 0, 1))
    if chw.dtype == np.uint8:
        return wrap_array(chw.astype(np.float32) / np.float32(255))
    return wrap_array(chw)


def pil_to_tensor(pic):
    """PIL image → C×H×W tensor of its own dtype (uint8 stays uint8)."""
    if not is_pil(pic):
        raise TypeError(f"pil_to_tensor: pic should be PIL Image, got {type(pic).__name__}")
    a = np.array(pic, copy=True).reshape(pic.height, pic.width, len(pic.getbands()))
    return wrap_array(np.ascontiguousarray(a.transpose(2, 0, 1)))


def to_pil_image(pic, mode=None):
    """C×H×W tensor or H×W×C ndarray → PIL image; floats are scaled by 255 (and truncated, as
    torchvision does) unless ``mode='F'``."""
    if isinstance(pic, Tensor):
        a = pic._data
        if a.ndim not in (2, 3):
            raise ValueError(f"to_pil_image: pic should be 2/3 dimensional, got {a.ndim} dimensions")
        a = a[None] if a.ndim == 2 else a
        a = a.transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"to_pil_image: pic should be 2/3 dimensional, got {pic.ndim} dimensions")
        a = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"to_pil_image: pic should be Tensor or ndarray, got {type(pic).__name__}")
    if a.shape[-1] > 4:
        raise ValueError(f"to_pil_image: pic should not have > 4 channels, got {a.shape[-1]}")
    if a.dtype.kind == "f" and mode != "F":
        a = (a * 255).astype(np.uint8)
    c = a.shape[2]
    if c == 1:
        a = a[:, :, 0]
        natural = {"u1": "L", "i2": "I;16", "i4": "I", "f4": "F"}.get(a.dtype.str[1:])
        if mode is not None and mode != natural:
            raise ValueError(f"to_pil_image: incorrect mode ({mode}) for input type {a.dtype}; "
                             f"should be {natural}")
        mode = natural
    elif mode is None and a.dtype == np.uint8:
        mode = {2: "LA", 3: "RGB", 4: "RGBA"}[c]
    if mode is None:
        raise TypeError(f"to_pil_image: input type {a.dtype} is not supported")
    return _from_array(np.ascontiguousarray(a), mode)


def _from_array(a, mode):
    """A PIL image of ``mode`` over the array's bytes (Pillow no longer takes a mode in fromarray)."""
    img = Image.fromarray(a)
    if img.mode == mode:
        return img
    return Image.frombuffer(mode, (a.shape[1], a.shape[0]), a.tobytes(), "raw", mode, 0, 1)


def convert_image_dtype(image, dtype=None):
    """Change the dtype and rescale: uint8 [0, 255] ↔ float [0, 1] (float → int multiplies by
    max + 1 − 0.001, so 1.0 maps to the top value and the bins are even)."""
    a = _image_array(image, "convert_image_dtype")
    dt = np.dtype(np.float32) if dtype is None else to_numpy_dtype(dtype)
    if a.dtype == dt:
        return image
    if a.dtype.kind == "f":
        if dt.kind == "f":
            return wrap_array(a.astype(dt))
        if (a.dtype == np.float32 and dt in (np.int32, np.int64)) or (a.dtype == np.float64 and dt == np.int64):
            raise RuntimeError(f"convert_image_dtype: the cast from {a.dtype} to {dt} cannot be "
                               f"performed safely")
        return wrap_array((a * (_max_value(dt) + 1.0 - 1e-3)).astype(dt))
    top_in = _max_value(a.dtype)
    if dt.kind == "f":
        return wrap_array(a.astype(dt) / dt.type(top_in))
    top_out = _max_value(dt)
    if top_in > top_out:
        return wrap_array((a // int((top_in + 1) // (top_out + 1))).astype(dt))
    return wrap_array(a.astype(dt) * int((top_out + 1) // (top_in + 1)))


def normalize(tensor, mean, std, inplace=False):
    """(x − mean)/std per channel of a float tensor image."""
    a = _image_array(tensor, "normalize")
    if a.dtype.kind != "f":
        raise TypeError(f"normalize: input tensor should be a float tensor, got {a.dtype}")
    if a.ndim < 3:
        raise ValueError(f"normalize: expected a tensor image of size (..., C, H, W), got {a.shape}")
    m = np.asarray(mean, dtype=a.dtype).reshape(-1, 1, 1)
    s = np.asarray(std, dtype=a.dtype).reshape(-1, 1, 1)
    if np.any(s == 0):
        raise ValueError(f"normalize: std evaluated to zero after conversion to {a.dtype}, leading "
                         f"to division by zero")
    out = (a - m) / s
    if inplace:
        a[...] = out
        return tensor
    return wrap_array(out.astype(a.dtype, copy=False))
