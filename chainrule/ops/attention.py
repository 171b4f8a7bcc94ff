"""Attention (Lecture: self-attention): softmax(QKᵀ/√d + mask)·V, and multi-head attention.

Each query q asks every key k "how relevant are you?" with a dot product; the softmax turns the
scores of one query into weights α that sum to 1; the output is Σ α·v. Multi-head attention runs
this h times on learned projections of size d/h and joins the heads with one more projection.
"""
import math

import numpy as np

from .. import kernels as K
from ..autograd.broadcast import sum_to_shape
from ..autograd.function import Op
from ..autograd.tensor import Tensor
from ..random import numpy_generator
from ._util import promote, recording
from .activation import softmax
from .arithmetic import where
from .combine import cat
from .creation import zeros
from .dropout import _check_p, dropout
from .linear import linear
from .matrix import repeat_interleave
from .padding import pad
from .reduction import sum as _sum
from .shape import transpose


def _scores_softmax(s):
    """Row softmax of a score array (…, L, S) through the row kernel."""
    n = s.shape[-1]
    return K.softmax_rows(np.ascontiguousarray(s).reshape(-1, n), False).reshape(s.shape)


class Attention(Op):
    """O = D ⊙ softmax(s·QKᵀ + M) · V as one graph node (D: the dropout mask over 1 − p, or 1).

    With P the softmax and G = ∂L/∂O, the chain rule gives
        ∂V = (D⊙P)ᵀ G,   ∂P = D ⊙ G Vᵀ,   ∂S = P ⊙ (∂P − Σ_row ∂P ⊙ P),   ∂Q = s·∂S K,   ∂K = s·∂Sᵀ Q.
    Only P is kept — one score matrix per head — not the scores, the masked scores and the dropped
    weights that a graph of separate ops would hold.
    """

    def forward(self, q, k, v, mask, scale, keep):
        q, k = promote(q, k)
        q, v = promote(q, v)
        k = k.astype(q.dtype, copy=False)
        s = np.matmul(q, k.swapaxes(-1, -2))
        s *= scale
        if mask is not None:
            s = s + mask if np.broadcast_shapes(s.shape, mask.shape) != s.shape else np.add(s, mask, out=s)
        p = _scores_softmax(s)
        dead = None
        if mask is not None:  # a query masked from every key attends to nothing: zeros, not NaN
            dead = np.isneginf(s.max(-1, keepdims=True))
            if dead.any():
                p = np.where(dead, 0.0, p).astype(p.dtype, copy=False)
            else:
                dead = None
        self.scale, self.keep, self.mask, self.dead = scale, keep, mask, dead
        self.save_for_backward(q, k, v, p)
        return np.matmul(p if keep is None else p * keep, v)

    def backward(self, go):
        q, k, v, p = self.saved_tensors
        keep = self.keep
        if recording(go):  # a differentiable backward needs P as a function of Q and K again
            p = _weights(q, k, self.mask, self.scale, self.dead)
        n = self.next
        gq = gk = gv = None
        if n[2] is not None:
            gv = sum_to_shape((p if keep is None else p * keep).swapaxes(-1, -2) @ go, v.shape)
        if n[0] is None and n[1] is None:
            return gq, gk, gv, None
        gp = go @ v.swapaxes(-1, -2)
        if keep is not None:
            gp = gp * keep
        if not recording(gp):
            m = p.shape[-1]
            gs = K.softmax_rows_backward(np.ascontiguousarray(gp).reshape(-1, m), p.reshape(-1, m),
                                         False).reshape(p.shape)
        else:
            gs = p * (gp - _sum(gp * p, dim=-1, keepdim=True))
        gs = gs * self.scale
        if n[0] is not None:
            gq = sum_to_shape(gs @ k, q.shape)
        if n[1] is not None:
            gk = sum_to_shape(gs.swapaxes(-1, -2) @ q, k.shape)
        return gq, gk, gv, None


def _weights(q, k, mask, scale, dead=None):
    """α = softmax(s·QKᵀ + M) as ops: each query's weights over the keys, summing to 1 (rows in
    ``dead``, masked from every key, are zeros)."""
    scores = (q @ transpose(k, -2, -1)) * scale
    if mask is not None:
        scores = scores + mask
    p = softmax(scores, -1)
    return p if dead is None else where(dead, 0.0, p)


def additive_mask(blocked, dtype=np.float32):
    """A bool mask (True = may not attend) as the float mask added to the scores: −∞ there, 0
    elsewhere."""
    return np.where(blocked, -np.inf, 0.0).astype(dtype)


def _causal(L, S, dtype):
    """−∞ above the diagonal: position i may attend to positions ≤ i only."""
    m = np.zeros((L, S), dtype)
    m[np.triu_indices(L, 1, S)] = -np.inf
    return m


def _attend(q, k, v, mask, scale, dropout_p, training, need_weights=False):
    """The attention core shared by every caller: ``mask`` is None, an additive float array or a
    float Tensor. Returns (output, weights or None). The fused node runs unless the weights are
    wanted or the mask itself needs a gradient; then the same formula runs as separate ops."""
    _check_p(dropout_p, "attention")
    drop = training and dropout_p > 0.0
    if not need_weights and not (isinstance(mask, Tensor) and mask.requires_grad):
        m = mask._data if isinstance(mask, Tensor) else mask
        keep = None
        if drop:
            L, S = q.shape[-2], k.shape[-2]
            shape = np.broadcast_shapes(tuple(q.shape[:-2]), tuple(k.shape[:-2])) + (L, S)
            dt = np.result_type(q._data.dtype, k._data.dtype)
            keep = ((numpy_generator().random(shape) >= dropout_p) / (1.0 - dropout_p)).astype(dt)
        return Attention.apply(q, k, v, m, scale=scale, keep=keep), None
    weights = _weights(q, k, mask, scale)
    if drop:
        weights = dropout(weights, dropout_p, True)
    return weights @ v, weights


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
    dt = np.result_type(query._data.dtype, np.float32)
    mask = None
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("scaled_dot_product_attention: pass either attn_mask or is_causal")
        mask = _causal(L, S, dt)
    if attn_mask is not None:
        m = attn_mask._data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
        if m.dtype == np.bool_:
            mask = additive_mask(~m, dt)
        else:
            mask = attn_mask if isinstance(attn_mask, Tensor) else m
    return _attend(query, key, value, mask, s, dropout_p, True)[0]


def _check(ok, message):
    if not ok:  # PyTorch's type for these shape contracts; raised even under python -O
        raise AssertionError(f"multi_head_attention_forward: {message}")


def canonical_mask(mask, name, dtype):
    """A bool mask (True = may not attend) becomes an additive float array (−∞ there, 0 elsewhere);
    a float mask is kept (added to the scores as given); anything else is an error."""
    if mask is None:
        return None
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype == np.bool_:
        return additive_mask(m, dtype)
    if m.dtype.kind != "f":
        raise AssertionError(f"only bool and floating types of {name} are supported, got {m.dtype}")
    return mask if isinstance(mask, Tensor) and mask.requires_grad else m.astype(dtype, copy=False)


def _project(x, w, b):
    return linear(x, w, b)


def _in_projection(query, key, value, e, in_proj_weight, in_proj_bias, separate):
    """q, k, v = x_q W_qᵀ + b_q, x_k W_kᵀ + b_k, x_v W_vᵀ + b_v; self-attention projects once."""
    if separate:
        ws = separate
    else:
        if query is key and key is value:  # self-attention: one (L·N, E) × (E, 3E) product
            qkv = _project(query, in_proj_weight, in_proj_bias)
            return qkv[..., :e], qkv[..., e:2 * e], qkv[..., 2 * e:]
        ws = (in_proj_weight[:e], in_proj_weight[e:2 * e], in_proj_weight[2 * e:])
    bs = (None, None, None) if in_proj_bias is None else \
        (in_proj_bias[:e], in_proj_bias[e:2 * e], in_proj_bias[2 * e:])
    return tuple(_project(x, w, b) for x, w, b in zip((query, key, value), ws, bs))


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
                                 in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p,
                                 out_proj_weight, out_proj_bias, training=True, key_padding_mask=None,
                                 need_weights=True, attn_mask=None, use_separate_proj_weight=False,
                                 q_proj_weight=None, k_proj_weight=None, v_proj_weight=None,
                                 static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """PyTorch's functional multi-head attention: inputs (L, N, E) — or (L, E) unbatched — queries,
    (S, N, E_k) keys and (S, N, E_v) values; returns (L, N, E) and the (N, L, S) weights (averaged
    over heads, or (N, h, L, S)) or None."""
    batched = len(query.shape) == 3
    _check(len(query.shape) in (2, 3), f"query should be 2-D (unbatched) or 3-D (batched), got "
                                       f"{len(query.shape)}-D")
    _check(len(key.shape) == len(query.shape) == len(value.shape),
           f"query, key and value must all be {len(query.shape)}-D, got shapes {tuple(query.shape)}, "
           f"{tuple(key.shape)} and {tuple(value.shape)}")
    if key_padding_mask is not None:
        want = 2 if batched else 1
        _check(len(key_padding_mask.shape) == want, f"key_padding_mask should be {want}-D for "
               f"{len(query.shape)}-D query, got shape {tuple(key_padding_mask.shape)}")
    if attn_mask is not None:
        _check(len(attn_mask.shape) in (2, 3), f"attn_mask should be 2-D or 3-D, got shape "
                                               f"{tuple(attn_mask.shape)}")
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0) if isinstance(key_padding_mask, Tensor) \
                else np.asarray(key_padding_mask)[None]
    tgt_len, bsz, embed_dim = query.shape
    _check(embed_dim == embed_dim_to_check, f"was expecting embedding dimension of "
                                            f"{embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    _check(head_dim * num_heads == embed_dim, f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        _check(tuple(key.shape[:2]) == tuple(value.shape[:2]), f"key's sequence and batch dims "
               f"{tuple(key.shape[:2])} do not match value's {tuple(value.shape[:2])}")
    else:
        _check(tuple(key.shape) == tuple(value.shape), f"key shape {tuple(key.shape)} does not "
                                                       f"match value shape {tuple(value.shape)}")
    if is_causal and attn_mask is None:
        raise RuntimeError("multi_head_attention_forward: need attn_mask if specifying the is_causal "
                           "hint (nn.Transformer.generate_square_subsequent_mask makes one)")
    dt = np.result_type(query._data.dtype, np.float32)
    key_padding_mask = canonical_mask(key_padding_mask, "key_padding_mask", dt)
    attn_mask = canonical_mask(attn_mask, "attn_mask", dt)

    separate = (q_proj_weight, k_proj_weight, v_proj_weight) if use_separate_proj_weight else None
    q, k, v = _in_projection(query, key, value, embed_dim, in_proj_weight, in_proj_bias, separate)

    if attn_mask is not None:
        if len(attn_mask.shape) == 2:
            _check(tuple(attn_mask.shape) == (tgt_len, k.shape[0]), f"the shape of the 2D attn_mask "
                   f"is {tuple(attn_mask.shape)}, but should be {(tgt_len, k.shape[0])}")
            attn_mask = attn_mask[None]
        else:
            want = (bsz * num_heads, tgt_len, k.shape[0])
            _check(tuple(attn_mask.shape) == want, f"the shape of the 3D attn_mask is "
                   f"{tuple(attn_mask.shape)}, but should be {want}")
    if bias_k is not None and bias_v is not None:
        _check(static_k is None and static_v is None, "bias cannot be added to static key/value")
        k = cat([k, bias_k.repeat(1, bsz, 1)])      # one more key every query may attend to
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask = _pad_last(attn_mask, pad)
        key_padding_mask = _pad_last(key_padding_mask, pad)
    else:
        _check(bias_k is None and bias_v is None, "bias_k and bias_v must be given together")

    # (L, N, E) → (N·h, L, E/h): the heads become batch entries
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None else static_k
    v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None else static_v
    if add_zero_attn:                               # a zero key/value: attending to "nothing"
        k = cat([k, zeros((bsz * num_heads, 1, head_dim), dtype=k.dtype)], dim=1)
        v = cat([v, zeros((bsz * num_heads, 1, head_dim), dtype=v.dtype)], dim=1)
        attn_mask = _pad_last(attn_mask, pad)
        key_padding_mask = _pad_last(key_padding_mask, pad)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        _check(tuple(key_padding_mask.shape) == (bsz, src_len), f"expecting key_padding_mask shape "
               f"of {(bsz, src_len)}, but got {tuple(key_padding_mask.shape)}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len)
        kpm = (kpm + np.zeros((1, num_heads, 1, 1), dt)).reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm

    out, weights = _attend(q, k, v, attn_mask, 1.0 / math.sqrt(head_dim), dropout_p, training,
                           need_weights)
    out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = _project(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if weights is not None:
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            weights = weights.squeeze(0)
    if not batched:
        out = out.squeeze(1)
    return out, weights


def _pad_last(mask, pad):
    """One more key column (a bias or zero key) that no mask forbids."""
    if mask is None:
        return None
    if isinstance(mask, Tensor):
        return pad(mask, (0, 1))
    return np.concatenate([mask, np.zeros(mask.shape[:-1] + (1,), mask.dtype)], -1)
