"""Recurrent layers (Lecture: RNN) — PyTorch's ``nn.RNN``, ``nn.LSTM``, ``nn.GRU`` and their cells.

Parameters as PyTorch names them, per layer k and direction (``_reverse`` for the backward one):
``weight_ih_l{k}`` (gates·H, input), ``weight_hh_l{k}`` (gates·H, H), ``bias_ih_l{k}``,
``bias_hh_l{k}``, and for an LSTM with ``proj_size`` > 0 ``weight_hr_l{k}`` (proj, H). Every one is
initialized uniform in ±1/√H. Each layer and direction runs as one graph node
(``chainrule.ops.recurrent``).
"""
import math

import numpy as np

from ...ops import recurrent as R
from ...ops.combine import cat, stack
from ...ops.creation import zeros
from ...ops.dropout import dropout as _dropout
from ...ops.linear import linear
from .. import init
from ..module import Module
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, pack_like, unpack_sorted
from .linear import _float


class RNNBase(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        for what, v in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"{name}: {what} must be a positive integer, got {v!r}")
        if not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"{name}: dropout should be a number in range [0, 1] representing the "
                             f"probability of an element being zeroed, got {dropout}")
        if proj_size < 0:
            raise ValueError(f"{name}: proj_size should be a positive integer or zero to disable projections")
        if proj_size and mode != "LSTM":
            raise ValueError(f"{name}: proj_size argument is only supported for LSTM, not RNN or GRU")
        if proj_size >= hidden_size:
            raise ValueError(f"{name}: proj_size has to be smaller than hidden_size ({proj_size} >= {hidden_size})")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        gates = R.MODES[mode] * hidden_size
        real = proj_size or hidden_size
        dirs = 2 if bidirectional else 1
        dt = _float(dtype)
        self._flat_weights_names = []
        for layer in range(num_layers):
            for d in range(dirs):
                size_in = input_size if layer == 0 else real * dirs
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                shapes = [("weight_ih", (gates, size_in)), ("weight_hh", (gates, real))]
                if bias:
                    shapes += [("bias_ih", (gates,)), ("bias_hh", (gates,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for base, shape in shapes:
                    setattr(self, base + sfx, Parameter(np.empty(shape, dt)))
                    self._flat_weights_names.append(base + sfx)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def _layer_params(self, layer, d):
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        get = lambda base: getattr(self, base + sfx, None)
        return (get("weight_ih"), get("weight_hh"), get("bias_ih") if self.bias else None,
                get("bias_hh") if self.bias else None, get("weight_hr") if self.proj_size else None)

    def _states(self, hx, N, dtype):
        dirs = 2 if self.bidirectional else 1
        real = self.proj_size or self.hidden_size
        want = (self.num_layers * dirs, N, real)
        if self.mode == "LSTM":
            if hx is None:
                return zeros(want, dtype=dtype), zeros((want[0], N, self.hidden_size), dtype=dtype)
            h, c = hx
            self._check_state(h, want, "hidden")
            self._check_state(c, (want[0], N, self.hidden_size), "cell")
            return h, c
        if hx is None:
            return zeros(want, dtype=dtype), None
        self._check_state(hx, want, "hidden")
        return hx, None

    def _check_state(self, t, want, what):
        if tuple(t.shape) != want:
            raise RuntimeError(f"{type(self).__name__}: Expected {what} size {want}, got {list(t.shape)}")

    def forward(self, input, hx=None):
        name = type(self).__name__
        packed = isinstance(input, PackedSequence)
        lengths = None
        if packed:
            x, lengths = unpack_sorted(input)
            batched = True
            if hx is not None and input.sorted_indices is not None:   # the user's order → sorted
                order = input.sorted_indices.numpy()
                hx = tuple(h[:, order] for h in hx) if self.mode == "LSTM" else hx[:, order]
        else:
            if len(input.shape) not in (2, 3):
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {len(input.shape)}D instead")
            batched = len(input.shape) == 3
            x = input if batched else input.unsqueeze(1)
            if batched and self.batch_first:
                x = x.transpose(0, 1)
            if not batched and hx is not None:
                hx = tuple(h.unsqueeze(1) for h in hx) if self.mode == "LSTM" else hx.unsqueeze(1)
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {x.shape[-1]}")
        h0, c0 = self._states(hx, x.shape[1], x.dtype)
        dirs = 2 if self.bidirectional else 1
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                i = layer * dirs + d
                out, h, c = R.recurrence(self.mode, x, h0[i], None if c0 is None else c0[i],
                                         *self._layer_params(layer, d), reverse=bool(d), lengths=lengths)
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            x = outs[0] if dirs == 1 else cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout, True)
        h_n = stack(h_n, 0)
        c_n = stack(c_n, 0) if self.mode == "LSTM" else None
        if packed:
            if input.unsorted_indices is not None:                    # sorted → the user's order
                order = input.unsorted_indices.numpy()
                h_n = h_n[:, order]
                c_n = None if c_n is None else c_n[:, order]
            out = pack_like(x, input)
        else:
            out = x
            if batched and self.batch_first:
                out = out.transpose(0, 1)
            if not batched:
                out, h_n = out.squeeze(1), h_n.squeeze(1)
                c_n = None if c_n is None else c_n.squeeze(1)
        return out, ((h_n, c_n) if self.mode == "LSTM" else h_n)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh) (``nonlinearity='relu'``: ReLU)."""

    def __init__(self, *args, **kwargs):
        nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if len(args) > 3:                       # PyTorch's positional order puts it 4th
            nonlinearity, args = args[3], args[:3] + args[4:]
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory: input, forget and output gates around a cell state c."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit: reset and update gates, no separate cell state."""

    def __init__(self, *args, **kwargs):
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    def __init__(self, input_size, hidden_size, bias, gates, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        dt = _float(dtype)
        self.weight_ih = Parameter(np.empty((gates * hidden_size, input_size), dt))
        self.weight_hh = Parameter(np.empty((gates * hidden_size, hidden_size), dt))
        if bias:
            self.bias_ih = Parameter(np.empty(gates * hidden_size, dt))
            self.bias_hh = Parameter(np.empty(gates * hidden_size, dt))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters

    def _run(self, mode, input, hx, cell=False):
        name = type(self).__name__
        if len(input.shape) not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {len(input.shape)}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input has inconsistent input_size: got {input.shape[-1]} expected "
                               f"{self.input_size}")
        batched = len(input.shape) == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            z = zeros((x.shape[0], self.hidden_size), dtype=x.dtype)
            hx = (z, z) if cell else z
        elif not batched:
            hx = tuple(h.unsqueeze(0) for h in hx) if cell else hx.unsqueeze(0)
        h, c = hx if cell else (hx, None)
        xp = linear(x, self.weight_ih, self.bias_ih)
        h, c = R.cell_step(mode, xp, h, c, self.weight_hh, self.bias_hh)
        if not batched:
            h, c = h.squeeze(0), (None if c is None else c.squeeze(0))
        return (h, c) if cell else h


class RNNCell(RNNCellBase):
    """One Elman step: h' = tanh(W_ih x + b_ih + W_hh h + b_hh)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, dtype=dtype)

    def forward(self, input, hx=None):
        return self._run("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", input, hx)


class LSTMCell(RNNCellBase):
    """One LSTM step; ``hx`` = (h, c), returns (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, dtype=dtype)

    def forward(self, input, hx=None):
        return self._run("LSTM", input, hx, cell=True)


class GRUCell(RNNCellBase):
    """One GRU step."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, dtype=dtype)

    def forward(self, input, hx=None):
        return self._run("GRU", input, hx)
