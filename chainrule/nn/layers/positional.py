"""Positional encodings (Lecture: self-attention has no notion of order — add it to the input).

Self-attention treats its input as a set: permute the tokens and the outputs permute with them.
A position vector added to each token (sinusoidal, as in the Transformer paper, or learned), or a
rotation of q and k by an angle proportional to the position (rotary), puts order back.
"""
import math

import numpy as np

from ...autograd.tensor import wrap_array
from ...ops.combine import stack
from .. import init
from ..module import Module
from ..parameter import Parameter
from .linear import _float
from .misc import Dropout


def sinusoidal_table(max_len, d_model, dtype=np.float32):
    """PE(pos, 2i) = sin(pos / 10000^(2i/d)),  PE(pos, 2i+1) = cos(pos / 10000^(2i/d))."""
    pos = np.arange(max_len)[:, None]
    freq = np.exp(-math.log(10000.0) * np.arange(0, d_model, 2) / d_model)
    pe = np.zeros((max_len, d_model))
    pe[:, 0::2] = np.sin(pos * freq)
    pe[:, 1::2] = np.cos(pos * freq)[:, :d_model // 2]
    return pe.astype(dtype)


def _check_length(module, x, dim, limit):
    if x.shape[dim] > limit:
        raise ValueError(f"{type(module).__name__}: sequence length {x.shape[dim]} exceeds max_len "
                         f"{limit}")


class SinusoidalPositionalEncoding(Module):
    """x + PE[:L] (fixed, not learned), then dropout; (N, L, E) or, with ``batch_first=False``,
    (L, N, E). The table is the buffer ``pe``."""

    def __init__(self, d_model, max_len=5000, dropout=0.0, batch_first=True, dtype=None):
        super().__init__()
        self.batch_first, self.max_len = batch_first, max_len
        self.dropout = Dropout(dropout)
        self.register_buffer("pe", wrap_array(sinusoidal_table(max_len, d_model, _float(dtype))))

    def forward(self, x):
        dim = 1 if self.batch_first else 0
        _check_length(self, x, dim, self.max_len)
        pe = self.pe[:x.shape[dim]]
        return self.dropout(x + (pe if self.batch_first else pe.unsqueeze(1)))


class LearnedPositionalEncoding(Module):
    """x + P[:L] with P a (max_len, E) parameter (BERT's and GPT's position embeddings)."""

    def __init__(self, max_len, d_model, dropout=0.0, batch_first=True, dtype=None):
        super().__init__()
        self.batch_first, self.max_len = batch_first, max_len
        self.weight = Parameter(np.empty((max_len, d_model), _float(dtype)))
        init.normal_(self.weight, 0.0, 0.02)
        self.dropout = Dropout(dropout)

    def forward(self, x):
        dim = 1 if self.batch_first else 0
        _check_length(self, x, dim, self.max_len)
        p = self.weight[:x.shape[dim]]
        return self.dropout(x + (p if self.batch_first else p.unsqueeze(1)))


class RotaryEmbedding(Module):
    """Rotary position embedding (RoFormer): each pair (x₂ᵢ, x₂ᵢ₊₁) of a query or key at position m
    is rotated by the angle m·θᵢ, θᵢ = base^(−2i/d). Then q_m·k_n depends on m − n only: attention
    sees relative positions. Apply to (…, L, d) queries and keys before the scores."""

    def __init__(self, dim, base=10000.0):
        super().__init__()
        if dim % 2:
            raise ValueError(f"RotaryEmbedding: dim must be even, got {dim}")
        self.dim, self.base = dim, base

    def forward(self, x, offset=0):
        L, d = x.shape[-2], x.shape[-1]
        if d != self.dim:
            raise ValueError(f"RotaryEmbedding: expected the last dim to be {self.dim}, got {d}")
        theta = self.base ** (-np.arange(0, d, 2) / d)
        angle = (np.arange(offset, offset + L)[:, None] * theta).astype(x._data.dtype)  # (L, d/2)
        cos, sin = np.cos(angle), np.sin(angle)
        pairs = x.reshape(tuple(x.shape[:-1]) + (d // 2, 2))
        a, b = pairs[..., 0], pairs[..., 1]
        return stack([a * cos - b * sin, a * sin + b * cos], -1).reshape(tuple(x.shape))

    def extra_repr(self):
        return f"dim={self.dim}, base={self.base}"
