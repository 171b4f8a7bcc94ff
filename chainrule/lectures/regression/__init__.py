"""Lecture 1 — Regression: a function y = f(x) found in three steps (a set of functions, a loss,
gradient descent), tried on a daily-views series and on noisy curves (``gradient_descent``: the
loss surface, the learning rate, the closed form, feature scaling and sigmoid pieces;
``polynomials``: model complexity, a hidden factor and regularization)."""
TITLE = "Lecture 1 — Regression: find a function by gradient descent"
ORDER = 1

from . import gradient_descent, polynomials  # noqa: E402,F401  (register the experiments)
