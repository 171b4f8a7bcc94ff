"""What an image is here: a PIL image or a (…, C, H, W) tensor; the interpolation modes; the
small helpers every image function shares."""
import enum
import numbers

import numpy as np

from ...autograd.tensor import Tensor

try:
    from PIL import Image, ImageEnhance, ImageOps
except ImportError:  # Pillow is a dependency; a broken install still gets tensor transforms
    Image = ImageEnhance = ImageOps = None


class InterpolationMode(enum.Enum):
    """How pixels between samples are made (torchvision's names and values)."""
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PIL_MODES = {"nearest": 0, "nearest-exact": 0, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5, "lanczos": 1}
_FROM_PIL_INT = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC,
                 4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}


def interpolation_mode(value, op):
    if isinstance(value, InterpolationMode):
        return value
    if isinstance(value, int) and value in _FROM_PIL_INT:
        return _FROM_PIL_INT[value]
    if isinstance(value, str):
        return InterpolationMode(value)
    if isinstance(value, enum.Enum) and isinstance(value.value, str):  # torchvision's own enum
        return InterpolationMode(value.value)
    raise TypeError(f"{op}: interpolation should be an InterpolationMode or a Pillow integer "
                    f"constant, got {value!r}")


# ------------------------------------------------------------------------------- image kinds
def is_pil(img):
    return Image is not None and isinstance(img, Image.Image)


def _image_array(img, op):
    """The (…, C, H, W) array of a tensor image (a clear error for anything else)."""
    if isinstance(img, Tensor):
        a = img._data
        if a.ndim < 2:
            raise TypeError(f"{op}: a tensor image needs shape (..., C, H, W) or (H, W), got {a.shape}")
        return a
    kind = "an H×W×C NumPy array (convert it with ToTensor() first)" if isinstance(img, np.ndarray) \
        else type(img).__name__
    raise TypeError(f"{op}: img should be a PIL Image or a Tensor image (C, H, W), got {kind}")


def get_dimensions(img, op="get_dimensions"):
    """[channels, height, width]."""
    if is_pil(img):
        return [len(img.getbands()), img.height, img.width]
    a = _image_array(img, op)
    return [1 if a.ndim == 2 else a.shape[-3], a.shape[-2], a.shape[-1]]


def _float_of(a):
    return a if a.dtype.kind == "f" else a.astype(np.float32)


def _back(out, a):
    """A float result back to the input's dtype: integers round half to even, as torch.round."""
    if a.dtype.kind == "f":
        return out.astype(a.dtype, copy=False)
    return np.round(out).astype(a.dtype)


def _max_value(dtype):
    return 1.0 if dtype.kind == "f" else float(np.iinfo(dtype).max)


def size_pair(size, op):
    """A size given as n, (n,) or (h, w) → (h, w)."""
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    size = tuple(size)
    if len(size) == 1:
        return int(size[0]), int(size[0])
    if len(size) != 2:
        raise ValueError(f"{op}: please provide only two dimensions (h, w) for size, got {size}")
    return int(size[0]), int(size[1])
