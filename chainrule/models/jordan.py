"""The Jordan network (Lecture: RNN): like Elman's, but the *output* of the previous step — not the
hidden state — is fed back:  h_t = σ(W_x x_t + W_y y_{t−1} + b_h),  y_t = W_o h_t + b_o.
Its memory is what it said, which is visible and can be supervised."""
from .. import nn
from ..ops.combine import stack
from ..ops.creation import zeros


class JordanRNN(nn.Module):
    """(L, N, input_size) → (L, N, output_size), batch second as ``nn.RNN``; ``batch_first`` too."""

    def __init__(self, input_size, hidden_size, output_size, batch_first=False, nonlinearity="tanh"):
        super().__init__()
        if nonlinearity not in ("tanh", "sigmoid", "relu"):
            raise ValueError(f"JordanRNN: nonlinearity must be 'tanh', 'sigmoid' or 'relu', got {nonlinearity!r}")
        self.input_size, self.output_size, self.batch_first = input_size, output_size, batch_first
        self.nonlinearity = nonlinearity
        self.w_x = nn.Linear(input_size, hidden_size)
        self.w_y = nn.Linear(output_size, hidden_size, bias=False)
        self.w_o = nn.Linear(hidden_size, output_size)

    def forward(self, x, y0=None):
        if len(x.shape) != 3 or x.shape[-1] != self.input_size:
            raise ValueError(f"JordanRNN: expected input (L, N, {self.input_size}), got {tuple(x.shape)}")
        if self.batch_first:
            x = x.transpose(0, 1)
        y = zeros(x.shape[1], self.output_size, dtype=x.dtype) if y0 is None else y0
        outs = []
        for t in range(x.shape[0]):
            pre = self.w_x(x[t]) + self.w_y(y)
            h = getattr(pre, self.nonlinearity)()
            y = self.w_o(h)
            outs.append(y)
        out = stack(outs, 0)
        return out.transpose(0, 1) if self.batch_first else out
