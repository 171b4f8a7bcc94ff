"""Embeddings (Lecture: word embedding vs one-hot): a lookup table read by index.

Reading row i of W for each token is indexing, so W's gradient adds each token's gradient into the
row it read (rows read twice get both). The padding row gets no gradient.
"""
import numpy as np

from ..autograd.function import Op
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor, wrap_array
from .indexing import IndexAdd


class Embedding(Op):
    """y[..., :] = W[idx[...], :]; dW[i] = Σ of y's gradient over the positions that read row i."""

    def forward(self, w, idx, padding_idx):
        self.idx, self.padding_idx, self.shape = idx, padding_idx, w.shape
        return w[idx]

    def backward(self, g):
        gw = IndexAdd.apply(g, key=(self.idx,), shape=self.shape)
        if self.padding_idx is not None:
            keep = np.ones((self.shape[0], 1), dtype=bool)
            keep[self.padding_idx] = False
            gw = gw * keep
        return gw


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"embedding: expected indices of an integer dtype (int64), got {idx.dtype}")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx.max() if idx.max() >= n else idx.min()
        raise IndexError(f"embedding: index {int(bad)} is out of range for an embedding table of "
                         f"{n} rows (valid: 0 to {n - 1})")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    if max_norm is not None:  # renormalize the rows being read, in place (as PyTorch does)
        with no_grad():
            rows = np.unique(idx)
            w = weight._data[rows]
            norms = np.linalg.norm(w, ord=norm_type, axis=1, keepdims=True)
            scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
            weight._data[rows] = (w * scale).astype(weight._data.dtype)
    return Embedding.apply(weight, idx=idx, padding_idx=padding_idx)


def one_hot(tensor, num_classes=-1):
    """Class indices → int64 one-hot vectors along a new last dim."""
    idx = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot: is only applicable to index tensors (int64), got {idx.dtype}")
    if num_classes < 0:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes}), got "
                           f"{int(idx.min())}..{int(idx.max())}")
    return wrap_array((idx[..., None] == np.arange(num_classes)).astype(np.int64))
