"""Positional encodings against their formulas; the efficient self-attention layers against full
attention where their pattern covers every pair, and full attention against torch's."""
import math

import numpy as np
import pytest
import torch

import chainrule as cr

N, L, E = 2, 7, 8


def test_sinusoidal_table_is_the_papers_formula():
    pe = cr.nn.SinusoidalPositionalEncoding(6, max_len=10).pe.numpy()
    for pos in (0, 3, 9):
        for i in range(3):
            assert math.isclose(pe[pos, 2 * i], math.sin(pos / 10000 ** (2 * i / 6)), abs_tol=1e-6)
            assert math.isclose(pe[pos, 2 * i + 1], math.cos(pos / 10000 ** (2 * i / 6)), abs_tol=1e-6)
    odd = cr.nn.SinusoidalPositionalEncoding(5, max_len=4).pe
    assert tuple(odd.shape) == (4, 5)


@pytest.mark.parametrize("cls", ["SinusoidalPositionalEncoding", "LearnedPositionalEncoding"])
@pytest.mark.parametrize("batch_first", [True, False])
def test_positional_encodings_add_one_vector_per_position(cls, batch_first):
    m = cr.nn.SinusoidalPositionalEncoding(E, 16, batch_first=batch_first) if cls.startswith("S") else \
        cr.nn.LearnedPositionalEncoding(16, E, batch_first=batch_first)
    x = cr.zeros(N, L, E) if batch_first else cr.zeros(L, N, E)
    out = m(x).detach().numpy()
    table = (m.pe if cls.startswith("S") else m.weight).detach().numpy()[:L]
    np.testing.assert_allclose(out[0] if batch_first else out[:, 0], table, rtol=1e-6)
    with pytest.raises(ValueError, match="exceeds max_len 16"):
        m(cr.zeros(1, 17, E) if batch_first else cr.zeros(17, 1, E))
    if cls.startswith("L"):
        m(x).sum().backward()
        assert m.weight.grad.numpy()[:L].any() and not m.weight.grad.numpy()[L:].any()


def test_rotary_scores_depend_on_relative_position_only():
    rope = cr.nn.RotaryEmbedding(E)
    rng = np.random.default_rng(0)
    q, k = rng.standard_normal(E), rng.standard_normal(E)
    seq = lambda v, n: cr.tensor(np.tile(v, (n, 1)))
    rq, rk = rope(seq(q, 12)).numpy(), rope(seq(k, 12)).numpy()
    assert math.isclose(rq[5] @ rk[3], rq[9] @ rk[7], rel_tol=1e-9)        # m − n = 2 both times
    np.testing.assert_allclose(np.linalg.norm(rq, axis=1), np.linalg.norm(q), rtol=1e-9)  # a rotation
    z = (q[0::2] + 1j * q[1::2]) * np.exp(1j * 4 * 10000.0 ** (-np.arange(0, E, 2) / E))
    np.testing.assert_allclose(rq[4], np.stack([z.real, z.imag], -1).reshape(-1), rtol=1e-9)
    np.testing.assert_allclose(rope(seq(q, 3), offset=4).numpy()[0], rq[4], rtol=1e-9)


def test_full_self_attention_is_torchs_multihead_attention():
    t = torch.nn.MultiheadAttention(E, 2, batch_first=True).double()
    m = cr.nn.FullSelfAttention(E, 2).to(cr.float64)
    m.load_state_dict({"in_proj.weight": t.in_proj_weight.detach().numpy(),
                       "in_proj.bias": t.in_proj_bias.detach().numpy(),
                       "out_proj.weight": t.out_proj.weight.detach().numpy(),
                       "out_proj.bias": t.out_proj.bias.detach().numpy()})
    x = np.random.default_rng(0).standard_normal((N, L, E))
    xt = torch.tensor(x)
    np.testing.assert_allclose(m(cr.tensor(x)).detach().numpy(), t(xt, xt, xt)[0].detach().numpy(), atol=1e-12)


def _same_as_full(make):
    torch_free = cr.nn.FullSelfAttention(E, 2).to(cr.float64)
    m = make().to(cr.float64)
    m.load_state_dict({**torch_free.state_dict(), **{k: v for k, v in m.state_dict().items()
                                                     if not k.startswith(("in_proj", "out_proj"))}})
    x = cr.tensor(np.random.default_rng(1).standard_normal((N, L, E)), requires_grad=True)
    np.testing.assert_allclose(m(x).detach().numpy(), torch_free(x).detach().numpy(), atol=1e-12)
    return m, x


@pytest.mark.parametrize("make", [
    lambda: cr.nn.LocalSelfAttention(E, 2, window=L),
    lambda: cr.nn.StridedSelfAttention(E, 2, stride=1),
    lambda: cr.nn.LongformerSelfAttention(E, 2, window=L, global_tokens=(0, 3)),
    lambda: cr.nn.LongformerSelfAttention(E, 2, window=1, global_tokens=range(L)),
], ids=["local", "strided", "longformer_wide", "longformer_all_global"])
def test_patterns_that_cover_every_pair_are_full_attention(make):
    m, x = _same_as_full(make)
    m(x).sum().backward()
    assert all(p.grad is not None and p.grad.numpy().any() for p in m.parameters())


def test_linformer_with_identity_projections_is_full_attention():
    def make():
        m = cr.nn.LinformerSelfAttention(E, seq_len=L, k=L, num_heads=2)
        m.e_proj.data.copy_(cr.eye(L))
        m.f_proj.data.copy_(cr.eye(L))
        return m
    _same_as_full(make)


@pytest.mark.parametrize("make", [
    lambda: cr.nn.ReformerSelfAttention(E, 2, n_buckets=4),
    lambda: cr.nn.LinearSelfAttention(E, 2, causal=True),
    lambda: cr.nn.SynthesizerSelfAttention(E, 16, 2, mode="dense"),
    lambda: cr.nn.SynthesizerSelfAttention(E, 16, 2, mode="random"),
], ids=["reformer", "linear", "synth_dense", "synth_random"])
def test_every_layer_trains(make):
    m = make()
    x = cr.randn(N, L, E)
    target = cr.randn(N, L, E)
    opt = cr.optim.Adam(m.parameters(), lr=0.01)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = ((m(x) - target) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]


def test_causal_linear_attention_does_not_look_ahead():
    m = cr.nn.LinearSelfAttention(E, 2, causal=True)
    x = np.random.default_rng(0).standard_normal((1, L, E)).astype(np.float32)
    y = x.copy()
    y[0, -1] += 5.0
    a, b = m(cr.tensor(x)).detach().numpy(), m(cr.tensor(y)).detach().numpy()
    np.testing.assert_allclose(a[0, :-1], b[0, :-1], atol=1e-5)
    assert not np.allclose(a[0, -1], b[0, -1])


def test_layer_errors():
    with pytest.raises(ValueError, match="not divisible"):
        cr.nn.LocalSelfAttention(E, 3)
    with pytest.raises(ValueError, match="expected input"):
        cr.nn.LocalSelfAttention(E, 2)(cr.randn(L, E))
    with pytest.raises(ValueError, match="exceeds seq_len"):
        cr.nn.LinformerSelfAttention(E, seq_len=4)(cr.randn(1, 5, E))
    with pytest.raises(ValueError, match="n_buckets"):
        cr.nn.ReformerSelfAttention(E, n_buckets=3)
    with pytest.raises(ValueError, match="dim must be even"):
        cr.nn.RotaryEmbedding(5)
