"""``chainrule.nn.parallel``: data-parallel training across processes (PyTorch's path)."""
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
