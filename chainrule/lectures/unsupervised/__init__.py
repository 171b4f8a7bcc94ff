"""Lecture 10 — learning without labels: k-means and PCA (``clustering``), and the auto-encoder as
dimension reduction, denoiser, discrete code and anomaly detector (``autoencoders``)."""
TITLE = "Lecture 10 — Unsupervised learning: k-means, PCA, auto-encoders, anomaly detection"
ORDER = 10

from . import autoencoders, clustering  # noqa: E402,F401  (register the experiments)
