"""MultiheadAttention and the Transformer layers against torch.nn with copied weights: outputs,
attention weights, input and parameter gradients, for every option and mask kind."""
import numpy as np
import pytest
import torch

import chainrule as cr
from layer_oracle import build_pair, run_pair

L, S, N, E = 4, 6, 3, 8


def _mask(lib, array):
    return lib.tensor(array)


def _self(**kw):
    return lambda m, lib, x: m(x[0], x[0], x[0], **kw)


def _qkv(**kw):
    return lambda m, lib, x: m(x[0], x[1], x[2], **kw)


_R = np.random.default_rng(5)
CAUSAL = np.triu(np.ones((L, L), bool), 1)
PAD = np.zeros((N, L), bool)
PAD[0, -1] = PAD[2, -2:] = True
FLOAT3D = _R.standard_normal((N * 2, L, L))
PAD_S = np.zeros((N, S), bool)
PAD_S[1, -3:] = True
MEMORY_MASK = _R.standard_normal((L, S))

MHA = [
    ("self", dict(), _self(), [(L, N, E)]),
    ("no_weights", dict(), _self(need_weights=False), [(L, N, E)]),
    ("per_head_weights", dict(), _self(average_attn_weights=False), [(L, N, E)]),
    ("batch_first", dict(batch_first=True), _self(), [(N, L, E)]),
    ("batch_first_cross", dict(batch_first=True), _qkv(), [(N, L, E), (N, S, E), (N, S, E)]),
    ("unbatched", dict(), _self(), [(L, E)]),
    ("unbatched_mask3d", dict(), lambda m, lib, x: m(x[0], x[0], x[0], attn_mask=_mask(lib, FLOAT3D[:2])),
     [(L, E)]),
    ("cross", dict(), _qkv(), [(L, N, E), (S, N, E), (S, N, E)]),
    ("kdim_vdim", dict(kdim=5, vdim=7), _qkv(), [(L, N, E), (S, N, 5), (S, N, 7)]),
    ("no_bias", dict(bias=False), _self(), [(L, N, E)]),
    ("bias_kv_zero_attn", dict(add_bias_kv=True, add_zero_attn=True),
     lambda m, lib, x: m(x[0], x[1], x[1], key_padding_mask=_mask(lib, PAD_S)), [(L, N, E), (S, N, E)]),
    ("bool_causal", dict(), lambda m, lib, x: m(x[0], x[0], x[0], attn_mask=_mask(lib, CAUSAL)),
     [(L, N, E)]),
    ("is_causal_hint", dict(), lambda m, lib, x: m(x[0], x[0], x[0], attn_mask=_mask(lib, CAUSAL),
                                                    is_causal=True, need_weights=False), [(L, N, E)]),
    ("float_mask_3d", dict(), lambda m, lib, x: m(x[0], x[0], x[0], attn_mask=_mask(lib, FLOAT3D)),
     [(L, N, E)]),
    ("padding", dict(), lambda m, lib, x: m(x[0], x[0], x[0], key_padding_mask=_mask(lib, PAD)),
     [(L, N, E)]),
    ("padding_and_causal_no_weights", dict(),
     lambda m, lib, x: m(x[0], x[0], x[0], key_padding_mask=_mask(lib, PAD), attn_mask=_mask(lib, CAUSAL),
                         need_weights=False), [(L, N, E)]),
    ("float_padding", dict(), lambda m, lib, x: m(x[0], x[0], x[0], key_padding_mask=_mask(lib, PAD * -2.5)),
     [(L, N, E)]),
]


@pytest.mark.parametrize("name,kw,call,shapes", MHA, ids=[c[0] for c in MHA])
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_multihead_attention_matches_torch(name, kw, call, shapes, train):
    run_pair(lambda nn: nn.MultiheadAttention(E, 2, **kw), call, shapes, train=train)


def test_multihead_attention_state_dict_and_init():
    m = cr.nn.MultiheadAttention(E, 2, add_bias_kv=True, kdim=5, vdim=7)
    t = torch.nn.MultiheadAttention(E, 2, add_bias_kv=True, kdim=5, vdim=7)
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    assert m.in_proj_weight is None and not np.any(m.in_proj_bias.detach().numpy()) and not np.any(m.out_proj.bias.detach().numpy())
    bound = np.sqrt(6 / (E + 5))  # Xavier-uniform over (fan_out E, fan_in kdim)
    assert 0.5 * bound < np.abs(m.k_proj_weight.detach().numpy()).max() <= bound


def test_functional_multi_head_attention_forward():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((L, N, E))
    w, b = rng.standard_normal((3 * E, E)), rng.standard_normal(3 * E)
    wo, bo = rng.standard_normal((E, E)), rng.standard_normal(E)
    outs = []
    for lib in (cr, torch):
        F = lib.nn.functional
        t = [lib.tensor(a) for a in (x, w, b, wo, bo)]
        outs.append(F.multi_head_attention_forward(t[0], t[0], t[0], E, 2, t[1], t[2], None, None, False,
                                                   0.0, t[3], t[4], training=False))
    for c, t in zip(*outs):
        np.testing.assert_allclose(c.data, t.numpy(), atol=1e-9)


ENC = [
    ("post_ln", dict(), [(L, N, E)], lambda m, lib, x: m(x[0])),
    ("pre_ln_gelu", dict(norm_first=True, activation="gelu"), [(L, N, E)], lambda m, lib, x: m(x[0])),
    ("batch_first_masks", dict(batch_first=True), [(N, L, E)],
     lambda m, lib, x: m(x[0], src_mask=_mask(lib, CAUSAL), src_key_padding_mask=_mask(lib, PAD))),
    ("no_bias_callable", dict(bias=False, activation=torch.tanh), [(L, N, E)], lambda m, lib, x: m(x[0])),
    ("unbatched_causal", dict(), [(L, E)],
     lambda m, lib, x: m(x[0], src_mask=_mask(lib, CAUSAL), is_causal=True)),
]


def _act(kw, nn):
    if kw.get("activation") is torch.tanh and nn is cr.nn:
        return dict(kw, activation=cr.tanh)
    return kw


@pytest.mark.parametrize("name,kw,shapes,call", ENC, ids=[c[0] for c in ENC])
def test_encoder_layer_matches_torch(name, kw, shapes, call):
    run_pair(lambda nn: nn.TransformerEncoderLayer(E, 2, 16, dropout=0.0, **_act(kw, nn)), call, shapes)


DEC = [
    ("post_ln", dict(), lambda m, lib, x: m(x[0], x[1])),
    ("pre_ln_masks", dict(norm_first=True),
     lambda m, lib, x: m(x[0], x[1], tgt_mask=_mask(lib, CAUSAL), tgt_key_padding_mask=_mask(lib, PAD),
                         memory_key_padding_mask=_mask(lib, PAD_S), tgt_is_causal=True)),
    ("memory_mask", dict(activation="gelu"),
     lambda m, lib, x: m(x[0], x[1], memory_mask=_mask(lib, MEMORY_MASK))),
]


@pytest.mark.parametrize("name,kw,call", DEC, ids=[c[0] for c in DEC])
def test_decoder_layer_matches_torch(name, kw, call):
    run_pair(lambda nn: nn.TransformerDecoderLayer(E, 2, 16, dropout=0.0, **kw), call, [(L, N, E), (S, N, E)])


def test_encoder_and_decoder_stacks_match_torch():
    def enc(nn):
        return nn.TransformerEncoder(nn.TransformerEncoderLayer(E, 2, 16, dropout=0.0), 2, nn.LayerNorm(E),
                                     enable_nested_tensor=False)
    run_pair(enc, lambda m, lib, x: m(x[0], src_key_padding_mask=_mask(lib, PAD)), [(L, N, E)])

    def dec(nn):
        return nn.TransformerDecoder(nn.TransformerDecoderLayer(E, 2, 16, dropout=0.0, norm_first=True), 2)
    run_pair(dec, lambda m, lib, x: m(x[0], x[1], tgt_mask=_mask(lib, CAUSAL)), [(L, N, E), (S, N, E)])


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(batch_first):
    def make(nn):
        return nn.Transformer(E, 2, 2, 1, 16, dropout=0.0, batch_first=batch_first)

    def call(m, lib, x):
        mask = lib.nn.Transformer.generate_square_subsequent_mask(L, dtype=lib.float64)
        return m(x[0], x[1], tgt_mask=mask, src_key_padding_mask=_mask(lib, PAD_S))
    shapes = [(N, S, E), (N, L, E)] if batch_first else [(S, N, E), (L, N, E)]
    run_pair(make, call, shapes)


def test_square_subsequent_mask_equals_torch():
    c = cr.nn.Transformer.generate_square_subsequent_mask(5)
    t = torch.nn.Transformer.generate_square_subsequent_mask(5)
    assert c.dtype == cr.float32
    np.testing.assert_array_equal(c.data, t.detach().numpy())


def test_transformer_initialization_is_xavier_everywhere():
    m = cr.nn.Transformer(16, 2, 1, 1, 32)
    w = m.encoder.layers[0].linear1.weight.detach().numpy()
    bound = np.sqrt(6 / (16 + 32))
    assert 0.8 * bound < np.abs(w).max() <= bound


def test_encoder_layer_double_backward_matches_torch():
    c, t = build_pair(lambda nn: nn.TransformerEncoderLayer(E, 2, 16, dropout=0.0, activation="gelu"))
    x = np.random.default_rng(3).standard_normal((L, N, E))
    v = np.random.default_rng(4).standard_normal((L, N, E))
    grads = []
    from torch.nn.attention import SDPBackend, sdpa_kernel
    for lib, m in ((cr, c), (torch, t)):
        xt = lib.tensor(x, requires_grad=True)
        with sdpa_kernel(SDPBackend.MATH):  # torch's fused CPU kernel has no second derivative
            out = m(xt, src_mask=lib.tensor(CAUSAL))
        gx, = lib.autograd.grad((out * lib.tensor(v)).sum(), xt, create_graph=True)
        penalty = (gx ** 2).sum()                 # a gradient penalty, as WGAN-GP uses
        params = [p for _, p in m.named_parameters()]
        grads.append([0.0 if g is None else g.detach().numpy()
                      for g in lib.autograd.grad(penalty, [xt] + params, allow_unused=True)])
    for i, (cg, tg) in enumerate(zip(*grads)):
        np.testing.assert_allclose(cg, tg, atol=1e-8, rtol=1e-6, err_msg=f"second derivative {i}")


def test_dropout_in_training_only():
    m = cr.nn.MultiheadAttention(E, 2, dropout=0.5)
    x = cr.randn(L, N, E)
    a, wa = m(x, x, x)
    b, wb = m(x, x, x)
    assert not np.allclose(wa.detach().numpy(), wb.detach().numpy())
    m.eval()
    (a, wa), (b, wb) = m(x, x, x), m(x, x, x)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_allclose(wa.detach().numpy().sum(-1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("make,call,message", [
    (lambda: cr.nn.MultiheadAttention(10, 3), None, "divisible by num_heads"),
    (lambda: cr.nn.MultiheadAttention(E, 2), lambda m, x: m(x, x, x, attn_mask=cr.ones(3, 3, dtype=cr.bool)),
     "2D attn_mask"),
    (lambda: cr.nn.MultiheadAttention(E, 2), lambda m, x: m(x, x, x, attn_mask=cr.ones(L, L, dtype=cr.int64)),
     "bool and floating"),
    (lambda: cr.nn.MultiheadAttention(E, 2), lambda m, x: m(x, x, x, key_padding_mask=cr.ones(N, 2, dtype=cr.bool)),
     "key_padding_mask shape"),
    (lambda: cr.nn.MultiheadAttention(E, 2), lambda m, x: m(x[..., :4], x[..., :4], x[..., :4]),
     "embedding dimension of 8, but got 4"),
    (lambda: cr.nn.MultiheadAttention(E, 2), lambda m, x: m(x, x, x, is_causal=True), "need attn_mask"),
    (lambda: cr.nn.TransformerEncoderLayer(E, 2, activation="tanh"), None, "relu/gelu"),
])
def test_errors_name_the_problem(make, call, message):
    with pytest.raises((AssertionError, RuntimeError, ValueError)) as e:
        m = make()
        call(m, cr.randn(L, N, E))
    assert message in str(e.value)


def test_transformer_batch_mismatch_is_an_error():
    m = cr.nn.Transformer(E, 2, 1, 1, 16)
    with pytest.raises(RuntimeError, match="batch number"):
        m(cr.randn(S, 2, E), cr.randn(L, 3, E))


@pytest.mark.parametrize("need_weights", [True, False])
def test_a_query_masked_from_every_key_is_treated_as_torch_does(need_weights):
    pad = np.zeros((N, L), bool)
    pad[1] = True  # sample 1: every key is padding
    keep = [0, 2] if need_weights else [0, 1, 2]  # softmax over no keys: NaN with weights, else 0
    run_pair(lambda nn: nn.MultiheadAttention(E, 2), lambda m, lib, x: m(
        x[0], x[0], x[0], key_padding_mask=_mask(lib, pad), need_weights=need_weights)[0][:, keep],
        [(L, N, E)])
