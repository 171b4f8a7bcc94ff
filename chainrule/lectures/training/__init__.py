"""Lecture 3 — the art of training: critical points, batches, momentum and adaptive learning rates,
schedules and batch normalization (``optimization``), and generalization (``generalization``)."""
TITLE = "Lecture 3 — The art of training: critical points, batches, optimizers, overfitting"
ORDER = 3

from . import generalization, optimization, parallel  # noqa: E402,F401  (register the experiments)
