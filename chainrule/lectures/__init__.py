"""The lectures as experiments (``chainrule list`` / ``chainrule run NAME``).

One module or package per course lecture — ``regression/``, ``classification/``, ``transformer.py``,
``training/`` … — declares ``TITLE`` and ``ORDER`` and registers its experiments with
``@experiment("<lecture>.<name>", …)``; the registry finds it on this package's path.
Shared helpers live in ``common.py``.
"""
from .registry import REGISTRY, Experiment, Result, all_experiments, experiment, get, lectures, make_config

TOUR = ["regression.error_surface", "regression.overfitting", "classification.shared_covariance",
        "classification.xor", "training.critical_points", "training.optimizers"]
