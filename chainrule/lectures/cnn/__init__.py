"""Lecture 4 — convolutional networks: why images need them, how far a neuron sees, and the family
tree from LeNet-5 to ResNet and MobileNet (``basics``: the convolution itself; ``architectures``:
the models)."""
TITLE = "Lecture 4 — Convolutional networks: receptive fields, parameter sharing, the CNN family"
ORDER = 4

from . import architectures, basics, inside  # noqa: E402,F401  (register the experiments)
