"""``chainrule.data.transforms`` — what ``import torchvision.transforms as transforms`` gives course
code, for PIL images and C×H×W tensors (Lecture: CNN — data augmentation)."""
from . import functional
from ._image import InterpolationMode
from .transforms import (CenterCrop, ColorJitter, Compose, ConvertImageDtype, GaussianBlur,
                         GaussianNoise, Grayscale, Lambda, Normalize, Pad, PILToTensor,
                         RandomAffine, RandomApply, RandomChoice, RandomCrop, RandomErasing,
                         RandomGrayscale, RandomHorizontalFlip, RandomResizedCrop, RandomRotation,
                         RandomVerticalFlip, Resize, ToPILImage, ToTensor)

__all__ = ["functional", "InterpolationMode", "Compose", "ToTensor", "PILToTensor", "ToPILImage",
           "ConvertImageDtype", "Normalize", "Resize", "CenterCrop", "Pad", "RandomCrop",
           "RandomResizedCrop", "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation",
           "RandomAffine", "ColorJitter", "Grayscale", "RandomGrayscale", "GaussianBlur",
           "RandomErasing", "Lambda", "RandomApply", "RandomChoice", "GaussianNoise"]
