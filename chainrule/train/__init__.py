"""``chainrule.train``: the fit loop, callbacks, metrics and checkpoints."""
from . import metrics
from .checkpoint import checkpoint_paths, read_latest_checkpoint, write_checkpoint
from .callbacks import EarlyStopping
from .loop import Trainer, fit
from .metrics import accuracy, confusion_matrix, mae, mse, r2, top_k_accuracy
