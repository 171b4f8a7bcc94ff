"""The transform classes of ``torchvision.transforms``: each holds its settings, draws its random
parameters (from chainrule's generator, so ``chainrule.manual_seed`` repeats them) and calls the
function of the same name in ``functional``."""
import math
import numbers

import numpy as np

from ...autograd.tensor import wrap_array
from . import functional as F
from ._base import Compose, Lambda, RandomApply, RandomChoice, _range, _rng, _Transform  # noqa: F401
from ._image import InterpolationMode, _image_array, interpolation_mode, size_pair


class ToTensor(_Transform):
    """PIL image or H×W×C ndarray → C×H×W float tensor in [0, 1] (uint8 is divided by 255)."""

    def __call__(self, pic):
        return F.to_tensor(pic)


class PILToTensor(_Transform):
    """PIL image → C×H×W tensor keeping its dtype."""

    def __call__(self, pic):
        return F.pil_to_tensor(pic)


class ToPILImage(_Transform):
    """C×H×W tensor or H×W×C ndarray → PIL image."""

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        return F.to_pil_image(pic, self.mode)

    def __repr__(self):
        return f"{type(self).__name__}(mode={self.mode})" if self.mode else f"{type(self).__name__}()"


class ConvertImageDtype(_Transform):
    def __init__(self, dtype):
        self.dtype = dtype

    def __call__(self, image):
        return F.convert_image_dtype(image, self.dtype)


class Normalize(_Transform):
    """(x − mean)/std per channel (a float tensor image)."""

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Resize(_Transform):
    """An int resizes the shorter side to it (aspect kept); (h, w) resizes to exactly that."""

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        if not isinstance(size, (int, list, tuple)) or (not isinstance(size, int) and len(size) not in (1, 2)):
            raise TypeError(f"Resize: size should be int or sequence of length 1 or 2, got {size}")
        self.size, self.max_size, self.antialias = size, max_size, antialias
        self.interpolation = interpolation_mode(interpolation, "Resize")

    def __call__(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


class CenterCrop(_Transform):
    def __init__(self, size):
        self.size = size_pair(size, "CenterCrop")

    def __call__(self, img):
        return F.center_crop(img, self.size)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size})"


class Pad(_Transform):
    def __init__(self, padding, fill=0, padding_mode="constant"):
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError(f"Pad: padding_mode should be either constant, edge, reflect or "
                             f"symmetric, got {padding_mode!r}")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self):
        return (f"{type(self).__name__}(padding={self.padding}, fill={self.fill}, "
                f"padding_mode={self.padding_mode})")


class RandomCrop(_Transform):
    """A random (h, w) box, after optional padding (``pad_if_needed`` pads a too-small image)."""

    @staticmethod
    def get_params(img, output_size):
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"RandomCrop: required crop size {(th, tw)} is larger than input "
                             f"image size {(h, w)}")
        if (h, w) == (th, tw):
            return 0, 0, h, w
        g = _rng()
        return int(g.integers(0, h - th + 1)), int(g.integers(0, w - tw + 1)), th, tw

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        self.size = size_pair(size, "RandomCrop")
        self.padding, self.pad_if_needed = padding, pad_if_needed
        self.fill, self.padding_mode = fill, padding_mode

    def __call__(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, h, w = F.get_dimensions(img)
        th, tw = self.size
        if self.pad_if_needed and w < tw:
            img = F.pad(img, [tw - w, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and h < th:
            img = F.pad(img, [0, th - h], self.fill, self.padding_mode)
        return F.crop(img, *self.get_params(img, self.size))

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


def _random_boxes(g, area, scale, ratio, tries=10):
    """Up to ``tries`` random boxes as (√(A·r), √(A/r)), rounded: an area A drawn uniformly from
    ``scale`` × area and an aspect r log-uniformly from ``ratio`` (torchvision's draws, in order)."""
    lo, hi = math.log(ratio[0]), math.log(ratio[1])
    for _ in range(tries):
        target = area * g.uniform(scale[0], scale[1])
        aspect = math.exp(g.uniform(lo, hi))
        yield int(round(math.sqrt(target * aspect))), int(round(math.sqrt(target / aspect)))


class RandomResizedCrop(_Transform):
    """A box of random area (``scale`` of the image) and aspect ``ratio``, resized to ``size``."""

    @staticmethod
    def get_params(img, scale, ratio):
        _, height, width = F.get_dimensions(img)
        g = _rng()
        for w, h in _random_boxes(g, height * width, scale, ratio):
            if 0 < w <= width and 0 < h <= height:
                return int(g.integers(0, height - h + 1)), int(g.integers(0, width - w + 1)), h, w
        in_ratio = width / height     # fall back to a central crop
        if in_ratio < min(ratio):
            w, h = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            h, w = height, int(round(height * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        self.size = size_pair(size, "RandomResizedCrop")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError("RandomResizedCrop: scale and ratio should be of kind (min, max)")
        self.scale, self.ratio, self.antialias = tuple(scale), tuple(ratio), antialias
        self.interpolation = interpolation_mode(interpolation, "RandomResizedCrop")

    def __call__(self, img):
        i, j, h, w = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, i, j, h, w, self.size, self.interpolation, self.antialias)

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, scale={self.scale}, ratio={self.ratio}, "
                f"interpolation={self.interpolation.value}, antialias={self.antialias})")


class _RandomFlip(_Transform):
    flip = None

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        return type(self).flip(img) if _rng().random() < self.p else img

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class RandomHorizontalFlip(_RandomFlip):
    """Mirror left–right with probability p."""
    flip = staticmethod(F.hflip)


class RandomVerticalFlip(_RandomFlip):
    """Mirror top–bottom with probability p."""
    flip = staticmethod(F.vflip)


def _degrees(degrees, name):
    if isinstance(degrees, numbers.Number):
        if degrees < 0:
            raise ValueError(f"{name}: if degrees is a single number, it must be positive, got {degrees}")
        return [-float(degrees), float(degrees)]
    if len(degrees) != 2:
        raise ValueError(f"{name}: degrees should be a sequence of length 2, got {degrees}")
    return [float(d) for d in degrees]


def _tensor_fill(img, fill):
    """Tensor images take one fill value per channel (PIL images take fill as given)."""
    if F.is_pil(img) or fill is None:
        return fill
    c = F.get_dimensions(img)[0]
    return [float(fill)] * c if isinstance(fill, numbers.Number) else [float(f) for f in fill]


class RandomRotation(_Transform):
    """Rotate by an angle drawn uniformly from ``degrees`` (a number d means [−d, d])."""

    @staticmethod
    def get_params(degrees):
        return float(_rng().uniform(float(degrees[0]), float(degrees[1])))

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None,
                 fill=0):
        self.degrees = _degrees(degrees, "RandomRotation")
        self.interpolation = interpolation_mode(interpolation, "RandomRotation")
        self.expand, self.center, self.fill = expand, center, fill

    def __call__(self, img):
        angle = self.get_params(self.degrees)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, _tensor_fill(img, self.fill))

    def __repr__(self):
        return (f"{type(self).__name__}(degrees={self.degrees}, interpolation={self.interpolation.value}, "
                f"expand={self.expand}, fill={self.fill})")


class RandomAffine(_Transform):
    """A random rotation, translation (fractions of the size), scale and shear."""

    @staticmethod
    def get_params(degrees, translate, scale_ranges, shears, img_size):
        g = _rng()
        angle = float(g.uniform(float(degrees[0]), float(degrees[1])))
        if translate is not None:
            max_dx, max_dy = float(translate[0] * img_size[0]), float(translate[1] * img_size[1])
            tx, ty = int(round(g.uniform(-max_dx, max_dx))), int(round(g.uniform(-max_dy, max_dy)))
        else:
            tx = ty = 0
        scale = float(g.uniform(scale_ranges[0], scale_ranges[1])) if scale_ranges is not None else 1.0
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = float(g.uniform(shears[0], shears[1]))
            if len(shears) == 4:
                shear_y = float(g.uniform(shears[2], shears[3]))
        return angle, (tx, ty), scale, (shear_x, shear_y)

    def __init__(self, degrees, translate=None, scale=None, shear=None,
                 interpolation=InterpolationMode.NEAREST, fill=0, center=None):
        self.degrees = _degrees(degrees, "RandomAffine")
        if translate is not None and not all(0.0 <= t <= 1.0 for t in translate):
            raise ValueError(f"RandomAffine: translation values should be between 0 and 1, got {translate}")
        if scale is not None and any(s <= 0 for s in scale):
            raise ValueError(f"RandomAffine: scale values should be positive, got {scale}")
        if shear is not None:
            shear = [-float(shear), float(shear)] if isinstance(shear, numbers.Number) else [float(s) for s in shear]
        self.translate, self.scale, self.shear = translate, scale, shear
        self.interpolation = interpolation_mode(interpolation, "RandomAffine")
        self.fill, self.center = fill, center

    def __call__(self, img):
        _, h, w = F.get_dimensions(img)
        angle, t, s, sh = self.get_params(self.degrees, self.translate, self.scale, self.shear, [w, h])
        return F.affine(img, angle, list(t), s, list(sh), self.interpolation, _tensor_fill(img, self.fill),
                        self.center)

    def __repr__(self):
        return f"{type(self).__name__}(degrees={self.degrees})"


class ColorJitter(_Transform):
    """Random brightness, contrast, saturation and hue changes, applied in a random order."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        self.brightness = _range(brightness, "brightness")
        self.contrast = _range(contrast, "contrast")
        self.saturation = _range(saturation, "saturation")
        self.hue = _range(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first=False)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        g = _rng()
        order = g.permutation(4)
        draw = lambda r: None if r is None else float(g.uniform(r[0], r[1]))  # noqa: E731
        return order, draw(brightness), draw(contrast), draw(saturation), draw(hue)

    def __call__(self, img):
        order, b, c, s, h = self.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        steps = [(F.adjust_brightness, b), (F.adjust_contrast, c), (F.adjust_saturation, s), (F.adjust_hue, h)]
        for k in order:
            fn, factor = steps[k]
            if factor is not None:
                img = fn(img, factor)
        return img

    def __repr__(self):
        return (f"{type(self).__name__}(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class Grayscale(_Transform):
    def __init__(self, num_output_channels=1):
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        return F.rgb_to_grayscale(img, self.num_output_channels)

    def __repr__(self):
        return f"{type(self).__name__}(num_output_channels={self.num_output_channels})"


class RandomGrayscale(_Transform):
    """Grayscale (as many channels as the input) with probability p."""

    def __init__(self, p=0.1):
        self.p = p

    def __call__(self, img):
        c = F.get_dimensions(img)[0]
        return F.rgb_to_grayscale(img, c) if _rng().random() < self.p else img

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class GaussianBlur(_Transform):
    """Blur with σ drawn uniformly from ``sigma`` (a number means exactly that σ)."""

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        self.kernel_size = size_pair(kernel_size, "GaussianBlur")
        if any(k <= 0 or k % 2 == 0 for k in self.kernel_size):
            raise ValueError("GaussianBlur: kernel size value should be an odd and positive number")
        if isinstance(sigma, numbers.Number):
            if sigma <= 0:
                raise ValueError("GaussianBlur: if sigma is a single number, it must be positive")
            sigma = (float(sigma), float(sigma))
        elif not 0 < sigma[0] <= sigma[1]:
            raise ValueError("GaussianBlur: sigma values should be positive and of the form (min, max)")
        self.sigma = tuple(sigma)

    @staticmethod
    def get_params(sigma_min, sigma_max):
        return float(_rng().uniform(sigma_min, sigma_max))

    def __call__(self, img):
        s = self.get_params(*self.sigma)
        return F.gaussian_blur(img, self.kernel_size, [s, s])

    def __repr__(self):
        return f"{type(self).__name__}(kernel_size={self.kernel_size}, sigma={self.sigma})"


class RandomErasing(_Transform):
    """With probability p, overwrite a random box of a tensor image (Cutout-style augmentation);
    ``value='random'`` fills it with standard normal noise."""

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False):
        if not isinstance(value, (numbers.Number, str, tuple, list)) or (isinstance(value, str) and value != "random"):
            raise ValueError("RandomErasing: value should be a number, a sequence or 'random'")
        if scale[0] > scale[1] or ratio[0] > ratio[1] or not 0 <= scale[0] <= scale[1] <= 1 or not 0 <= p <= 1:
            raise ValueError("RandomErasing: scale and ratio should be (min, max), scale within [0, 1], p within [0, 1]")
        self.p, self.scale, self.ratio, self.value, self.inplace = p, scale, ratio, value, inplace

    @staticmethod
    def get_params(img, scale, ratio, value=None):
        c, ih, iw = F.get_dimensions(img)
        g = _rng()
        for h, w in _random_boxes(g, ih * iw, scale, ratio):
            if not (h < ih and w < iw):
                continue
            if value is None:
                v = g.standard_normal((c, h, w)).astype(np.float32)
            else:
                v = np.asarray(value, dtype=np.float32).reshape(-1, 1, 1)
            return int(g.integers(0, ih - h + 1)), int(g.integers(0, iw - w + 1)), h, w, v
        return 0, 0, ih, iw, img

    def __call__(self, img):
        if _rng().random() >= self.p:
            return img
        value = None if self.value == "random" else (
            [self.value] if isinstance(self.value, numbers.Number) else list(self.value))
        c = F.get_dimensions(img)[0]
        if value is not None and len(value) not in (1, c):
            raise ValueError(f"RandomErasing: if value is a sequence, it should have either a "
                             f"single value or {c} (number of input channels)")
        i, j, h, w, v = self.get_params(img, self.scale, self.ratio, value)
        return F.erase(img, i, j, h, w, v, self.inplace)

    def __repr__(self):
        return (f"{type(self).__name__}(p={self.p}, scale={self.scale}, ratio={self.ratio}, "
                f"value={self.value}, inplace={self.inplace})")


class GaussianNoise(_Transform):
    """x + N(mean, σ²) noise on a float tensor image, clipped to [0, 1] when ``clip`` (torchvision
    v2's GaussianNoise; the denoising auto-encoder's corruption)."""

    def __init__(self, mean=0.0, sigma=0.1, clip=True):
        if sigma < 0:
            raise ValueError(f"GaussianNoise: sigma must be non-negative, got {sigma}")
        self.mean, self.sigma, self.clip = mean, sigma, clip

    def __call__(self, img):
        a = _image_array(img, "GaussianNoise")
        if a.dtype.kind != "f":
            raise ValueError(f"GaussianNoise: input should be a float tensor image, got {a.dtype}")
        out = a + _rng().normal(self.mean, self.sigma, a.shape).astype(a.dtype)
        return wrap_array(np.clip(out, 0, 1) if self.clip else out)
