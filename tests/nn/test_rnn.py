"""RNN, LSTM, GRU, their cells and packed sequences against torch.nn with copied weights: outputs,
final states, input and every parameter gradient, for every option."""
import numpy as np
import pytest
import torch

import chainrule as cr
from layer_oracle import build_pair, run_pair

L, N, I, H = 5, 3, 4, 6
LENGTHS = [5, 2, 4]


def _seq(**kw):
    return lambda m, lib, x: m(x[0], **kw)


def _with_state(lstm=False):
    def call(m, lib, x):
        return m(x[0], (x[1], x[2]) if lstm else x[1])
    return call


MODULES = [
    ("rnn_tanh", lambda nn: nn.RNN(I, H), _seq(), [(L, N, I)]),
    ("rnn_relu_2layers", lambda nn: nn.RNN(I, H, 2, nonlinearity="relu"), _seq(), [(L, N, I)]),
    ("rnn_bidir_batch_first", lambda nn: nn.RNN(I, H, bidirectional=True, batch_first=True), _seq(), [(N, L, I)]),
    ("rnn_h0", lambda nn: nn.RNN(I, H, 2), _with_state(), [(L, N, I), (2, N, H)]),
    ("rnn_unbatched", lambda nn: nn.RNN(I, H, bias=False), _seq(), [(L, I)]),
    ("lstm", lambda nn: nn.LSTM(I, H), _seq(), [(L, N, I)]),
    ("lstm_states", lambda nn: nn.LSTM(I, H, 2), _with_state(True), [(L, N, I), (2, N, H), (2, N, H)]),
    ("lstm_bidir_2layers", lambda nn: nn.LSTM(I, H, 2, bidirectional=True), _seq(), [(L, N, I)]),
    ("lstm_proj", lambda nn: nn.LSTM(I, H, 2, proj_size=3, bidirectional=True), _with_state(True),
     [(L, N, I), (4, N, 3), (4, N, H)]),
    ("lstm_unbatched_nobias", lambda nn: nn.LSTM(I, H, bias=False, batch_first=True), _seq(), [(L, I)]),
    ("gru", lambda nn: nn.GRU(I, H), _seq(), [(L, N, I)]),
    ("gru_bidir_batch_first", lambda nn: nn.GRU(I, H, 2, batch_first=True, bidirectional=True), _seq(),
     [(N, L, I)]),
    ("gru_h0_nobias", lambda nn: nn.GRU(I, H, bias=False), _with_state(), [(L, N, I), (1, N, H)]),
]


@pytest.mark.parametrize("name,make,call,shapes", MODULES, ids=[m[0] for m in MODULES])
def test_recurrent_modules_match_torch(name, make, call, shapes):
    run_pair(make, call, shapes)


def _packed(enforce_sorted, lengths=LENGTHS, with_state=False):
    def call(m, lib, x):
        packed = lib.nn.utils.rnn.pack_padded_sequence(x[0], lengths, enforce_sorted=enforce_sorted)
        if not with_state:
            return m(packed)
        return m(packed, (x[1], x[2]) if isinstance(m, (cr.nn.LSTM, torch.nn.LSTM)) else x[1])
    return call


@pytest.mark.parametrize("make", [lambda nn: nn.RNN(I, H, 2, bidirectional=True),
                                  lambda nn: nn.LSTM(I, H, bidirectional=True),
                                  lambda nn: nn.LSTM(I, H, proj_size=2),
                                  lambda nn: nn.GRU(I, H, 2, bidirectional=True)],
                         ids=["rnn", "lstm", "lstm_proj", "gru"])
@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_packed_sequences_match_torch(make, enforce_sorted):
    lengths = LENGTHS if not enforce_sorted else sorted(LENGTHS, reverse=True)
    run_pair(make, _packed(enforce_sorted, lengths), [(L, N, I)])


def test_packed_with_initial_states_in_the_users_order():
    run_pair(lambda nn: nn.LSTM(I, H, bidirectional=True), _packed(False, with_state=True),
             [(L, N, I), (2, N, H), (2, N, H)])
    run_pair(lambda nn: nn.GRU(I, H), _packed(False, with_state=True), [(L, N, I), (1, N, H)])


CELLS = [
    ("rnn_cell", lambda nn: nn.RNNCell(I, H), lambda m, lib, x: m(x[0], x[1]), [(N, I), (N, H)]),
    ("rnn_cell_relu_nobias", lambda nn: nn.RNNCell(I, H, bias=False, nonlinearity="relu"),
     lambda m, lib, x: m(x[0]), [(N, I)]),
    ("lstm_cell", lambda nn: nn.LSTMCell(I, H), lambda m, lib, x: m(x[0], (x[1], x[2])), [(N, I), (N, H), (N, H)]),
    ("lstm_cell_unbatched", lambda nn: nn.LSTMCell(I, H), lambda m, lib, x: m(x[0]), [(I,)]),
    ("gru_cell", lambda nn: nn.GRUCell(I, H), lambda m, lib, x: m(x[0], x[1]), [(N, I), (N, H)]),
    ("gru_cell_unbatched", lambda nn: nn.GRUCell(I, H), lambda m, lib, x: m(x[0], x[1]), [(I,), (H,)]),
]


@pytest.mark.parametrize("name,make,call,shapes", CELLS, ids=[c[0] for c in CELLS])
def test_cells_match_torch(name, make, call, shapes):
    run_pair(make, call, shapes)


def test_pack_and_pad_match_torch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((L, N, 2))
    c = cr.nn.utils.rnn.pack_padded_sequence(cr.tensor(x), LENGTHS, enforce_sorted=False)
    t = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), LENGTHS, enforce_sorted=False)
    for a, b in zip(c, t):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for batch_first in (False, True):
        (cp, cl), (tp, tl) = (cr.nn.utils.rnn.pad_packed_sequence(c, batch_first, padding_value=-1.0, total_length=7),
                              torch.nn.utils.rnn.pad_packed_sequence(t, batch_first, padding_value=-1.0, total_length=7))
        np.testing.assert_array_equal(cp.numpy(), tp.numpy())
        np.testing.assert_array_equal(cl.numpy(), tl.numpy())
    seqs = [rng.standard_normal((n, 2)) for n in (3, 5, 1)]
    cs = cr.nn.utils.rnn.pack_sequence([cr.tensor(s) for s in seqs], enforce_sorted=False)
    ts = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    for a, b in zip(cs, ts):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert cs.batch_sizes.tolist() == [3, 2, 2, 1, 1]


def test_pack_errors():
    x = cr.randn(L, N, 2)
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        cr.nn.utils.rnn.pack_padded_sequence(x, LENGTHS)
    with pytest.raises(RuntimeError, match="greater than 0"):
        cr.nn.utils.rnn.pack_padded_sequence(x, [5, 0, 2], enforce_sorted=False)
    packed = cr.nn.utils.rnn.pack_padded_sequence(x, LENGTHS, enforce_sorted=False)
    with pytest.raises(ValueError, match="total_length"):
        cr.nn.utils.rnn.pad_packed_sequence(packed, total_length=3)


@pytest.mark.parametrize("make", [lambda nn: nn.LSTM(I, H, proj_size=2), lambda nn: nn.GRU(I, H),
                                  lambda nn: nn.RNN(I, H)], ids=["lstm", "gru", "rnn"])
def test_double_backward_matches_torch(make):
    c, t = build_pair(make)
    x = np.random.default_rng(3).standard_normal((L, N, I))
    grads = []
    for lib, m in ((cr, c), (torch, t)):
        xt = lib.tensor(x, requires_grad=True)
        out, _ = m(xt)
        gx, = lib.autograd.grad((out ** 2).sum(), xt, create_graph=True)
        params = [p for _, p in m.named_parameters()]
        gs = lib.autograd.grad((gx ** 2).sum(), [xt] + params, allow_unused=True)
        grads.append([0.0 if g is None else g.detach().numpy() for g in gs])
    for i, (cg, tg) in enumerate(zip(*grads)):
        np.testing.assert_allclose(cg, tg, atol=1e-8, rtol=1e-6, err_msg=f"second derivative {i}")


def test_dropout_between_layers_in_training_only():
    m = cr.nn.LSTM(I, H, 3, dropout=0.5)
    x = cr.randn(L, N, I)
    assert not np.allclose(m(x)[0].detach().numpy(), m(x)[0].detach().numpy())
    m.eval()
    np.testing.assert_array_equal(m(x)[0].detach().numpy(), m(x)[0].detach().numpy())


def test_float32_training_matches_torch():
    c, t = build_pair(lambda nn: nn.LSTM(I, H, 2), dtype=torch.float32)
    x = np.random.default_rng(0).standard_normal((L, N, I)).astype(np.float32)
    co, to = c(cr.tensor(x))[0], t(torch.tensor(x))[0]
    assert co.dtype == cr.float32
    np.testing.assert_allclose(co.detach().numpy(), to.detach().numpy(), atol=1e-5)


@pytest.mark.parametrize("make,call,error,message", [
    (lambda: cr.nn.LSTM(I, H), lambda m: m(cr.randn(L, N, I + 1)), RuntimeError, "input_size"),
    (lambda: cr.nn.LSTM(I, H), lambda m: m(cr.randn(L, N, I), (cr.randn(1, N, H), cr.randn(2, N, H))),
     RuntimeError, "Expected cell size"),
    (lambda: cr.nn.GRU(I, H), lambda m: m(cr.randn(L, N, I), cr.randn(1, N + 1, H)), RuntimeError,
     "Expected hidden size"),
    (lambda: cr.nn.GRU(I, H), lambda m: m(cr.randn(2, L, N, I)), ValueError, "2D or 3D"),
    (lambda: cr.nn.GRU(I, H, proj_size=2), None, ValueError, "only supported for LSTM"),
    (lambda: cr.nn.LSTM(I, H, proj_size=H), None, ValueError, "smaller than hidden_size"),
    (lambda: cr.nn.RNN(I, H, nonlinearity="sigmoid"), None, ValueError, "Unknown nonlinearity"),
    (lambda: cr.nn.LSTM(I, H, dropout=1.5), None, ValueError, "dropout"),
    (lambda: cr.nn.LSTM(I, 0), None, ValueError, "hidden_size"),
])
def test_errors_name_the_problem(make, call, error, message):
    with pytest.raises(error, match=message):
        call(make())
