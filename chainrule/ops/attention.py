"""Scaled dot-product attention (Lecture: self-attention): softmax(QKᵀ/√d + mask)·V."""
import math

import numpy as np

from ..autograd.tensor import Tensor
from .activation import softmax
from .dropout import dropout
from .matrix import repeat_interleave
from .shape import masked_fill, transpose


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                                 scale=None, enable_gqa=False):
    """Attention over the last two dims: (…, L, E) queries, (…, S, E) keys, (…, S, Ev) values.

    A bool mask keeps positions where it is True; a float mask is added to the scores.
    """
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(f"scaled_dot_product_attention: query and key must share the embedding "
                           f"dim, got {tuple(query.shape)} and {tuple(key.shape)}")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: key and value must have the same "
                           f"length, got {tuple(key.shape)} and {tuple(value.shape)}")
    if enable_gqa and len(query.shape) >= 3 and key.shape[-3] != query.shape[-3]:
        hq, hk = query.shape[-3], key.shape[-3]
        if hk == 0 or hq % hk or value.shape[-3] != hk:
            raise RuntimeError(f"scaled_dot_product_attention: with enable_gqa the query heads ({hq}) "
                               f"must be a multiple of the key/value heads ({hk}, {value.shape[-3]})")
        # grouped-query attention: each key/value head serves hq/hk consecutive query heads
        key = repeat_interleave(key, hq // hk, dim=-3)
        value = repeat_interleave(value, hq // hk, dim=-3)
    L, S = query.shape[-2], key.shape[-2]
    s = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ transpose(key, -2, -1)) * s
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("scaled_dot_product_attention: pass either attn_mask or is_causal")
        scores = masked_fill(scores, ~np.tril(np.ones((L, S), dtype=bool)), float("-inf"))
    if attn_mask is not None:
        m = attn_mask._data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
        if m.dtype == np.bool_:
            scores = masked_fill(scores, ~m, float("-inf"))
        else:
            scores = scores + attn_mask
    weights = softmax(scores, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    return weights @ value
