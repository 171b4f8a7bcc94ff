"""The lectures as experiments (``chainrule list`` / ``chainrule run NAME``)."""
from .registry import LECTURES, REGISTRY, Experiment, Result, all_experiments, experiment, get, make_config

TOUR = ["regression.error_surface", "regression.overfitting", "classification.shared_covariance",
        "classification.xor", "training.critical_points", "training.optimizers"]
