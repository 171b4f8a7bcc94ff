"""Efficient attention (Lecture: the many variants of self-attention).

Full attention computes an L × L matrix; for long sequences (speech, images) that is the cost.
The notes' list of ways around it, each as a function on (…, L, d) queries, keys and values:

- ``local_attention``: each query sees only its neighbours within ``window`` (truncated attention),
  computed on blocks of w positions that meet their neighbour blocks — O(L·w).
- ``strided_attention``: each query sees the positions a multiple of ``stride`` away — O(L²/s).
- ``global_local_attention``: Longformer's mix: a local window, plus global tokens that see
  everything and are seen by everyone.
- ``bucket_attention``: Reformer's clustering: shared query/key vectors hashed by random rotations
  into buckets; attention only inside a bucket.
- ``linformer_attention``: project the L keys and values down to k summaries (E·K, F·V).
- ``linear_attention``: softmax(QKᵀ)V with the softmax replaced by a feature map φ, so the
  product can be taken in the other order: φ(Q)(φ(K)ᵀV) — O(L·d²) instead of O(L²·d).
- ``synthesizer_attention``: an attention matrix that is not computed from q·k at all.

Each is checked in the tests against full attention with the matching mask (or its formula).
"""
import math

import numpy as np

from ._util import data_of
from .activation import elu, softmax
from .attention import additive_mask
from .combine import cat
from .linalg import matmul
from .padding import pad
from .reduction import cumsum
from .shape import transpose


def _scale(q, scale):
    return 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale


def _banded(q, k, v, w):
    """Cut the sequence into blocks of B = max(w, 1) positions; block b's queries meet the keys of
    blocks b−1, b, b+1 — every key within w of them, and only 3B keys instead of L. Returns the
    query blocks (…, nb, B, d), the neighbouring keys and values (…, nb, 3B, d), the (nb, B, 3B)
    positions of each query and key, and L."""
    L = q.shape[-2]
    B = max(w, 1)
    nb = -(-L // B)
    lead = tuple(q.shape[:-2])

    def blocks(x, before, after):
        x = pad(x, (0, 0, before, nb * B - L + after))
        return x.reshape(lead + (nb + (before + after) // B, B, x.shape[-1]))
    qb = blocks(q, 0, 0)
    kb, vb = blocks(k, B, B), blocks(v, B, B)
    kn = cat([kb[..., :-2, :, :], kb[..., 1:-1, :, :], kb[..., 2:, :, :]], -2)
    vn = cat([vb[..., :-2, :, :], vb[..., 1:-1, :, :], vb[..., 2:, :, :]], -2)
    b = np.arange(nb)[:, None, None]
    i = b * B + np.arange(B)[None, :, None]                  # query positions
    j = (b - 1) * B + np.arange(3 * B)[None, None, :]        # key positions
    return qb, kn, vn, i, j, L


def _unblock(out, L):
    """(…, nb, B, dv) → (…, L, dv)."""
    nb, B, dv = out.shape[-3:]
    return out.reshape(tuple(out.shape[:-3]) + (nb * B, dv))[..., :L, :]


def local_attention(q, k, v, window, causal=False, scale=None):
    """Query i attends to keys j with |i − j| ≤ window (j ≤ i too when ``causal``), computed on
    blocks so the scores take O(L·window) memory."""
    L = q.shape[-2]
    if k.shape[-2] != L or v.shape[-2] != L:
        raise RuntimeError(f"local_attention: self-attention needs keys and values as long as the "
                           f"queries ({L}), got {k.shape[-2]} and {v.shape[-2]}")
    if window < 0:
        raise ValueError(f"local_attention: window must be ≥ 0, got {window}")
    qb, kn, vn, i, j, L = _banded(q, k, v, window)
    blocked = (np.abs(i - j) > window) | (j < 0) | (j >= L) | ((j > i) if causal else False)
    scores = matmul(qb, transpose(kn, -1, -2)) * _scale(q, scale)            # (…, nb, B, 3B)
    p = softmax(scores + additive_mask(blocked, scores._data.dtype), -1)
    return _unblock(matmul(p, vn), L)


def strided_attention(q, k, v, stride, causal=False, scale=None):
    """Query i attends to keys j with (i − j) divisible by ``stride`` (Sparse Transformer's
    strided pattern): the sequence is cut into ``stride`` interleaved groups attending inside."""
    L, dv = q.shape[-2], v.shape[-1]
    if stride < 1:
        raise ValueError(f"strided_attention: stride must be ≥ 1, got {stride}")
    rows = -(-L // stride)
    extra = rows * stride - L

    def groups(x):                                      # (…, L, d) → (…, stride, rows, d)
        x = pad(x, (0, 0, 0, extra)) if extra else x
        return transpose(x.reshape(tuple(x.shape[:-2]) + (rows, stride, x.shape[-1])), -3, -2)
    r = np.arange(rows)
    blocked = np.zeros((stride, rows, rows), bool)
    blocked |= (r[None, None, :] * stride + np.arange(stride)[:, None, None]) >= L   # padding keys
    if causal:
        blocked |= r[None, None, :] > r[None, :, None]
    scores = matmul(groups(q), transpose(groups(k), -1, -2)) * _scale(q, scale)
    p = softmax(scores + additive_mask(blocked, scores._data.dtype), -1)
    out = transpose(matmul(p, groups(v)), -3, -2).reshape(tuple(q.shape[:-2]) + (rows * stride, dv))
    return out[..., :L, :] if extra else out


def global_local_attention(q, k, v, window, global_idx, scale=None):
    """Longformer: query i attends to its window and to the global tokens; a global token's query
    attends to every key. Global keys are counted once (taken out of the windows)."""
    L = q.shape[-2]
    g = np.unique(np.asarray(global_idx, dtype=np.int64))
    if g.size and (g[0] < 0 or g[-1] >= L):
        raise IndexError(f"global_local_attention: global token indices must be in [0, {L}), got {g}")
    s = _scale(q, scale)
    is_global = np.zeros(L, bool)
    is_global[g] = True
    qb, kn, vn, i, j, L = _banded(q, k, v, window)
    B = qb.shape[-2]
    blocked = (np.abs(i - j) > window) | (j < 0) | (j >= L) | is_global[np.clip(j, 0, L - 1)]
    local = matmul(qb, transpose(kn, -1, -2)) * s                            # (…, nb, B, 3B)
    local = local + additive_mask(blocked, local._data.dtype)
    kg, vg = k[..., g, :], v[..., g, :]
    to_global = matmul(qb, transpose(kg, -1, -2).unsqueeze(-3)) * s           # (…, nb, B, G)
    p = softmax(cat([local, to_global], -1), -1)                             # one softmax over both
    out = _unblock(matmul(p[..., :3 * B], vn) + matmul(p[..., 3 * B:], vg.unsqueeze(-3)), L)
    if not g.size:
        return out
    full = matmul(softmax(matmul(q[..., g, :], transpose(k, -1, -2)) * s, -1), v)   # (…, G, dv)
    place = np.zeros((L, g.size), out._data.dtype)
    place[g, np.arange(g.size)] = 1.0                    # puts row r of ``full`` at position g[r]
    return out * (~is_global).astype(out._data.dtype)[:, None] + matmul(place, full)


def lsh_buckets(x, rotations):
    """Reformer's hash: bucket = argmax([xR; −xR]) for a random (d, b/2) rotation R — vectors at a
    small angle land in the same bucket with high probability."""
    xr = np.matmul(data_of(x), rotations)
    return np.argmax(np.concatenate([xr, -xr], -1), -1)


def bucket_attention(qk, v, buckets, scale=None):
    """Attention among the positions of one bucket only (``buckets``: (…, L) ints, e.g. from
    ``lsh_buckets``); queries and keys are the same vectors, as in the Reformer."""
    lead = tuple(qk.shape[:-2])
    L, d, dv = qk.shape[-2], qk.shape[-1], v.shape[-1]
    b = np.asarray(buckets).reshape(-1, L)
    qf, vf = qk.reshape(-1, L, d), v.reshape(-1, L, dv)
    s = _scale(qk, scale)
    pieces, where = [], []
    for n in range(b.shape[0]):
        for u in np.unique(b[n]):
            idx = np.flatnonzero(b[n] == u)             # this bucket's positions
            x, vv = qf[n, idx], vf[n, idx]
            pieces.append(matmul(softmax(matmul(x, transpose(x, 0, 1)) * s, -1), vv))
            where.append(n * L + idx)
    order = np.argsort(np.concatenate(where))           # back to (batch, position) order
    return cat(pieces, 0)[order].reshape(lead + (L, dv))


def linformer_attention(q, k, v, e_proj, f_proj, scale=None):
    """softmax(Q (E K)ᵀ / √d) (F V): the L keys and values are mixed down to k ≪ L rows by the
    learned (k, L) matrices E and F, so the score matrix is L × k."""
    return matmul(softmax(matmul(q, transpose(matmul(e_proj, k), -1, -2)) * _scale(q, scale), -1),
                  matmul(f_proj, v))


def elu_feature_map(x):
    """φ(x) = elu(x) + 1 > 0 (Katharopoulos et al.)."""
    return elu(x) + 1.0


def linear_attention(q, k, v, feature_map=elu_feature_map, causal=False, eps=1e-6):
    """out_i = φ(q_i)ᵀ Σ_j φ(k_j)v_jᵀ / φ(q_i)ᵀ Σ_j φ(k_j): the quadratic φ(Q)φ(K)ᵀ V computed as
    φ(Q)(φ(K)ᵀ V) — no L × L matrix. With ``causal`` the sums run over j ≤ i (prefix sums)."""
    fq, fk = feature_map(q), feature_map(k)
    if not causal:
        kv = matmul(transpose(fk, -1, -2), v)                          # (…, d, dv)
        z = fk.sum(-2, keepdim=True)                                  # (…, 1, d)
        return matmul(fq, kv) / ((fq * z).sum(-1, keepdim=True) + eps)
    kv = cumsum(fk.unsqueeze(-1) * v.unsqueeze(-2), -3)               # (…, L, d, dv)
    z = cumsum(fk, -2)                                                # (…, L, d)
    return matmul(fq.unsqueeze(-2), kv).squeeze(-2) / ((fq * z).sum(-1, keepdim=True) + eps)


def synthesizer_attention(scores, v):
    """softmax(B) V for synthesized scores B (…, L, L): from each token alone (dense) or learned
    outright (random), never from q·k."""
    return matmul(softmax(scores, -1), v)
