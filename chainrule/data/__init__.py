"""``chainrule.data``: datasets, splits, scaling and image transforms for the lectures."""
from . import datasets, transforms
from .preprocessing import KFold, Standardizer, split_indices, train_val_test_split
