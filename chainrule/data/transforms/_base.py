"""What every transform class shares: the random source, argument checks, the base class, and the
containers that combine transforms (Compose, Lambda, RandomApply, RandomChoice)."""
import numbers

import numpy as np

from ...random import numpy_generator


def _rng():
    return numpy_generator()


def _range(value, name, center=1.0, bound=(0, float("inf")), clip_first=True):
    """A number v means [center − v, center + v] (clipped at bound[0]); a pair is taken as it is."""
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"{name}: if it is a single number, it must be non negative, got {value}")
        value = [center - float(value), center + float(value)]
        if clip_first:
            value[0] = max(value[0], 0.0)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        value = [float(value[0]), float(value[1])]
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f"{name} values should be between {bound}, got {value}")
    else:
        raise TypeError(f"{name} should be a single number or a list/tuple with length 2, got {value}")
    return None if value[0] == value[1] == center else value


class _Transform:
    def __repr__(self):
        return f"{type(self).__name__}()"


class Compose(_Transform):
    """Apply transforms one after another."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class Lambda(_Transform):
    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda: argument lambd should be callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)


class RandomApply(_Transform):
    """All of ``transforms`` with probability p, else none."""

    def __init__(self, transforms, p=0.5):
        self.transforms, self.p = list(transforms), p

    def __call__(self, img):
        if self.p < _rng().random():
            return img
        for t in self.transforms:
            img = t(img)
        return img


class RandomChoice(_Transform):
    """One of ``transforms``, picked with probabilities ``p`` (uniform by default)."""

    def __init__(self, transforms, p=None):
        self.transforms = list(transforms)
        if p is not None and len(p) != len(self.transforms):
            raise ValueError(f"RandomChoice: got {len(p)} probabilities for {len(self.transforms)} transforms")
        self.p = p

    def __call__(self, *args):
        w = np.ones(len(self.transforms)) if self.p is None else np.asarray(self.p, dtype=np.float64)
        k = int(_rng().choice(len(self.transforms), p=w / w.sum()))
        return self.transforms[k](*args)
