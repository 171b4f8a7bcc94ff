"""Datasets: scikit-learn's bundled sets, MNIST/Fashion-MNIST/CIFAR-10 from their standard files,
and generators for the lectures' data."""
from .bundled import load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine
from .cifar import CIFAR10, read_cifar_batch
from .folder import (IMG_EXTENSIONS, DatasetFolder, ImageFolder, default_loader, find_classes,
                     has_file_allowed_extension, is_image_file, make_dataset, pil_loader)
from .idx import MNIST, FashionMNIST, read_idx
from .shapes import SHAPE_CLASSES, make_shapes
from .vision import StandardTransform, VisionDataset
from .text import TINY_PLAYS, kjv, play_text, shakespeare, shakespeare_plays, toy_language
from .synthetic import (daily_views, gaussian_classes, moons, polynomial_with_categories,
                        two_spirals, windows, xor)
