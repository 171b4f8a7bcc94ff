"""Efficient self-attention layers (Lecture: the variants of self-attention), batch-first.

Each layer projects x (N, L, E) to per-head queries, keys and values as multi-head attention does,
applies one of the attention patterns of ``chainrule.ops.attention_variants`` inside each head,
joins the heads and projects back. Only the pattern differs between them.
"""
import math

import numpy as np

from ...autograd.tensor import wrap_array
from ...ops import attention_variants as AV
from ...ops.attention import scaled_dot_product_attention
from .. import init
from ..module import Module
from ..parameter import Parameter
from .linear import Linear, _float


class _HeadsSelfAttention(Module):
    """x → q, k, v (N, h, L, E/h) → ``attend`` → (N, L, E) → out_proj."""

    def __init__(self, embed_dim, num_heads=1, bias=True, dtype=None):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"{type(self).__name__}: embed_dim {embed_dim} is not divisible by "
                             f"num_heads {num_heads}")
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.in_proj = Linear(embed_dim, 3 * embed_dim, bias=bias, dtype=dtype)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)

    def _heads(self, t):
        n, L, _ = t.shape
        return t.reshape(n, L, self.num_heads, -1).transpose(1, 2)

    def forward(self, x):
        if len(x.shape) != 3 or x.shape[-1] != self.embed_dim:
            raise ValueError(f"{type(self).__name__}: expected input (N, L, {self.embed_dim}), got "
                             f"{tuple(x.shape)}")
        q, k, v = (self._heads(t) for t in self.in_proj(x).chunk(3, -1))
        o = self.attend(q, k, v)                                    # (N, h, L, E/h)
        n, _, L, _ = o.shape
        return self.out_proj(o.transpose(1, 2).reshape(n, L, self.embed_dim))

    def attend(self, q, k, v):
        return scaled_dot_product_attention(q, k, v)


class FullSelfAttention(_HeadsSelfAttention):
    """Every query attends to every key: the L × L baseline the others approximate."""


class LocalSelfAttention(_HeadsSelfAttention):
    """Truncated attention: neighbours within ``window`` positions only."""

    def __init__(self, embed_dim, num_heads=1, window=4, causal=False, **kw):
        super().__init__(embed_dim, num_heads, **kw)
        self.window, self.causal = window, causal

    def attend(self, q, k, v):
        return AV.local_attention(q, k, v, self.window, self.causal)


class StridedSelfAttention(_HeadsSelfAttention):
    """Positions ``stride`` apart only (a dilated pattern)."""

    def __init__(self, embed_dim, num_heads=1, stride=4, causal=False, **kw):
        super().__init__(embed_dim, num_heads, **kw)
        self.stride, self.causal = stride, causal

    def attend(self, q, k, v):
        return AV.strided_attention(q, k, v, self.stride, self.causal)


class LongformerSelfAttention(_HeadsSelfAttention):
    """A local window plus global tokens (e.g. a [CLS] at position 0) that see and are seen by all."""

    def __init__(self, embed_dim, num_heads=1, window=4, global_tokens=(0,), **kw):
        super().__init__(embed_dim, num_heads, **kw)
        self.window, self.global_tokens = window, tuple(global_tokens)

    def attend(self, q, k, v):
        return AV.global_local_attention(q, k, v, self.window, self.global_tokens)


class ReformerSelfAttention(_HeadsSelfAttention):
    """Clustering by locality-sensitive hashing: queries double as keys, are hashed by a fixed
    random rotation into ``n_buckets`` buckets, and attend within their bucket."""

    def __init__(self, embed_dim, num_heads=1, n_buckets=4, seed=0, **kw):
        super().__init__(embed_dim, num_heads, **kw)
        if n_buckets < 2 or n_buckets % 2:
            raise ValueError(f"ReformerSelfAttention: n_buckets must be even and ≥ 2, got {n_buckets}")
        self.n_buckets = n_buckets
        rot = np.random.default_rng(seed).standard_normal((embed_dim // num_heads, n_buckets // 2))
        self.register_buffer("rotations", wrap_array(rot.astype(_float(kw.get("dtype")))))

    def attend(self, q, k, v):
        return AV.bucket_attention(q, v, AV.lsh_buckets(q, self.rotations.numpy()))


class LinformerSelfAttention(_HeadsSelfAttention):
    """Keys and values projected from ``seq_len`` down to ``k`` rows by learned E and F."""

    def __init__(self, embed_dim, seq_len, k=16, num_heads=1, **kw):
        super().__init__(embed_dim, num_heads, **kw)
        self.seq_len, self.k = seq_len, k
        dt = _float(kw.get("dtype"))
        self.e_proj = Parameter(np.empty((k, seq_len), dt))
        self.f_proj = Parameter(np.empty((k, seq_len), dt))
        for p in (self.e_proj, self.f_proj):
            init.normal_(p, 0.0, 1.0 / math.sqrt(k))

    def attend(self, q, k, v):
        L = q.shape[-2]
        if L > self.seq_len:
            raise ValueError(f"LinformerSelfAttention: sequence length {L} exceeds seq_len {self.seq_len}")
        return AV.linformer_attention(q, k, v, self.e_proj[:, :L], self.f_proj[:, :L])


class LinearSelfAttention(_HeadsSelfAttention):
    """Kernelized attention φ(Q)(φ(K)ᵀV): linear in the sequence length."""

    def __init__(self, embed_dim, num_heads=1, causal=False, **kw):
        super().__init__(embed_dim, num_heads, **kw)
        self.causal = causal

    def attend(self, q, k, v):
        return AV.linear_attention(q, k, v, causal=self.causal)


class SynthesizerSelfAttention(_HeadsSelfAttention):
    """Synthesizer: the attention matrix comes from each token alone (``mode='dense'``: a two-layer
    net maps x_i to its row of scores) or is a learned matrix shared by all inputs (``'random'``)."""

    def __init__(self, embed_dim, seq_len, num_heads=1, mode="dense", **kw):
        super().__init__(embed_dim, num_heads, **kw)
        if mode not in ("dense", "random"):
            raise ValueError(f"SynthesizerSelfAttention: mode must be 'dense' or 'random', got {mode!r}")
        self.seq_len, self.mode = seq_len, mode
        dt = kw.get("dtype")
        if mode == "dense":
            self.synth1 = Linear(embed_dim // num_heads, embed_dim // num_heads, dtype=dt)
            self.synth2 = Linear(embed_dim // num_heads, seq_len, dtype=dt)
        else:
            self.scores = Parameter(np.empty((num_heads, seq_len, seq_len), _float(dt)))
            init.normal_(self.scores, 0.0, 1.0)

    def attend(self, q, k, v):
        L = q.shape[-2]
        if L > self.seq_len:
            raise ValueError(f"SynthesizerSelfAttention: sequence length {L} exceeds seq_len {self.seq_len}")
        if self.mode == "dense":
            b = self.synth2(self.synth1(q).relu())[..., :L]
        else:
            b = self.scores[:, :L, :L]
        return AV.synthesizer_attention(b, v)
