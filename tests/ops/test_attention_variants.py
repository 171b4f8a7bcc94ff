"""Each efficient attention against its reference: full attention (in torch) with the mask that
describes which keys a query may see, or the variant's formula; outputs and every gradient."""
import math

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.ops import attention_variants as V

B, L, D = 2, 9, 4


def _inputs(seed=0, shapes=((B, L, D),) * 3):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    return ([cr.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def _dense(q, k, v, allowed):
    """Full attention in torch where only ``allowed`` (L, L) (or (…, L, L)) pairs may attend."""
    s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    s = s.masked_fill(~torch.as_tensor(allowed), float("-inf"))
    return torch.softmax(s, -1) @ v


def _compare(c_out, t_out, c_in, t_in, atol=1e-9):
    np.testing.assert_allclose(c_out.detach().numpy(), t_out.detach().numpy(), atol=atol, err_msg="forward")
    w = np.random.default_rng(9).standard_normal(tuple(t_out.shape))
    (c_out * cr.tensor(w)).sum().backward()
    (t_out * torch.tensor(w)).sum().backward()
    for i, (c, t) in enumerate(zip(c_in, t_in)):
        if t.grad is not None:
            np.testing.assert_allclose(c.grad.numpy(), t.grad.numpy(), atol=atol, err_msg=f"gradient {i}")


def _band(w, causal=False):
    i, j = np.arange(L)[:, None], np.arange(L)[None]
    return (np.abs(i - j) <= w) & ((j <= i) if causal else True)


@pytest.mark.parametrize("window,causal", [(0, False), (2, False), (2, True), (20, False)])
def test_local_attention_is_full_attention_with_a_band(window, causal):
    c, t = _inputs()
    _compare(V.local_attention(*c, window, causal=causal), _dense(*t, _band(window, causal)), c, t)


@pytest.mark.parametrize("stride,causal", [(1, False), (3, False), (4, False), (4, True), (12, False)])
def test_strided_attention_sees_every_stride_th_position(stride, causal):
    c, t = _inputs()
    i, j = np.arange(L)[:, None], np.arange(L)[None]
    allowed = ((i - j) % stride == 0) & ((j <= i) if causal else True)
    _compare(V.strided_attention(*c, stride, causal=causal), _dense(*t, allowed), c, t)


@pytest.mark.parametrize("global_idx", [[0], [0, 5], []])
def test_global_local_attention_is_longformers_mask(global_idx):
    c, t = _inputs()
    allowed = _band(1)
    allowed[global_idx, :] = True
    allowed[:, global_idx] = True
    _compare(V.global_local_attention(*c, 1, global_idx), _dense(*t, allowed), c, t)


def test_bucket_attention_attends_within_a_bucket_only():
    c, t = _inputs(shapes=((B, L, D), (B, L, D)))
    rotations = np.random.default_rng(1).standard_normal((D, 2))
    buckets = V.lsh_buckets(c[0], rotations)
    assert buckets.shape == (B, L) and set(np.unique(buckets)) <= {0, 1, 2, 3}
    allowed = buckets[:, :, None] == buckets[:, None, :]
    _compare(V.bucket_attention(c[0], c[1], buckets), _dense(t[0], t[0], t[1], allowed), c, t)


def test_lsh_puts_nearby_vectors_in_one_bucket():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 16))
    near = x + 0.01 * rng.standard_normal(x.shape)
    far = rng.standard_normal(x.shape)
    r = rng.standard_normal((16, 4))
    same = lambda a, b: np.mean(V.lsh_buckets(a, r) == V.lsh_buckets(b, r))
    assert same(x, near) > 0.95 and same(x, far) < 0.4


def test_linformer_is_attention_over_projected_keys_and_values():
    c, t = _inputs()
    rng = np.random.default_rng(2)
    e, f = rng.standard_normal((3, L)), rng.standard_normal((3, L))
    out = V.linformer_attention(*c, cr.tensor(e), cr.tensor(f))
    te, tf = torch.tensor(e), torch.tensor(f)
    _compare(out, _dense(t[0], te @ t[1], tf @ t[2], np.ones((L, 3), bool)), c, t)
    assert tuple(out.shape) == (B, L, D)


@pytest.mark.parametrize("causal", [False, True])
def test_linear_attention_equals_the_quadratic_form(causal):
    """φ(Q)(φ(K)ᵀV) in the cheap order equals the row-normalized (φ(Q)φ(K)ᵀ)V."""
    c, t = _inputs()
    phi = lambda x: torch.nn.functional.elu(x) + 1
    a = phi(t[0]) @ phi(t[1]).transpose(-1, -2)
    if causal:
        a = a * torch.tril(torch.ones(L, L, dtype=a.dtype))
    ref = (a @ t[2]) / (a.sum(-1, keepdim=True) + 1e-6)
    _compare(V.linear_attention(*c, causal=causal), ref, c, t)


def test_synthesizer_ignores_the_keys():
    c, t = _inputs(shapes=((B, L, L), (B, L, D)))
    _compare(V.synthesizer_attention(*c), torch.softmax(t[0], -1) @ t[1], c, t)


def test_bad_settings_are_errors():
    q = cr.randn(1, 4, 2)
    with pytest.raises(ValueError, match="window must be"):
        V.local_attention(q, q, q, -1)
    with pytest.raises(ValueError, match="stride must be"):
        V.strided_attention(q, q, q, 0)
    with pytest.raises(IndexError, match="global token indices"):
        V.global_local_attention(q, q, q, 1, [4])
    with pytest.raises(RuntimeError, match="as long as the queries"):
        V.local_attention(q, cr.randn(1, 5, 2), cr.randn(1, 5, 2), 1)
