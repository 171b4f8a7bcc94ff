"""Lecture 2 — Classification: the probabilistic generative model (Gaussians per class), logistic
regression, softmax, and the limits that lead to neural networks (``generative``: Gaussian classes,
shared covariance, naive Bayes, generative against discriminative; ``logistic``: cross-entropy
against square error, XOR, softmax, the perceptron and the hinge loss)."""
TITLE = "Lecture 2 — Classification: generative models and logistic regression"
ORDER = 2

from . import generative, logistic  # noqa: E402,F401  (register the experiments)
