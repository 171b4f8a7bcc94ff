"""What the attention experiments share: token tasks with known answers, a one-layer attention
model and attention-matrix figures."""
import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.nn.layers.positional import sinusoidal_table

from ..common import figure

BOS = 1


def seen_before(rng, n, length, vocab):
    """"I saw a saw": random words (2..vocab−1) after a BOS; a word's label is 1 when the same
    word already appeared earlier in the sentence (the second "saw" is the noun)."""
    x = rng.integers(2, vocab, (n, length))
    y = np.zeros((n, length), np.int64)
    for i in range(1, length):
        y[:, i] = (x[:, :i] == x[:, i:i + 1]).any(1)
    return np.concatenate([np.full((n, 1), BOS), x], 1), y


def earlier_only(length):
    """Bool mask, True = may not attend: each word sees the words strictly before it, and every
    word may fall back on the BOS at position 0 (so no row is empty)."""
    blocked = ~np.tril(np.ones((length, length), bool), -1)
    blocked[:, 0] = False
    return blocked


class OneLayer(nn.Module):
    """Embedding (+ positions) → one multi-head self-attention → a small MLP per position, which
    reads the word's own vector and what attention brought it: [a_i, b_i] (``use_self=False``:
    b_i only)."""

    def __init__(self, vocab, d, classes, heads=1, positions=None, max_len=64, mask=None, use_self=True):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.positions, self.mask, self.use_self = positions, mask, use_self
        if positions == "learned":
            self.pos = nn.Embedding(max_len, d)
        self.register_buffer("table", cr.tensor(sinusoidal_table(max_len, d)), persistent=False)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.out = nn.Sequential(nn.Linear((2 if use_self else 1) * d, 64), nn.ReLU(), nn.Linear(64, classes))

    def forward(self, x):
        T = x.shape[1]
        a = self.emb(cr.as_tensor(x))
        if self.positions == "learned":
            a = a + self.pos.weight[:T]
        elif self.positions == "sinusoidal":
            a = a + self.table[:T]
        mask = None if self.mask is None else cr.tensor(self.mask(T))
        b, w = self.attn(a, a, a, attn_mask=mask, average_attn_weights=False)
        self.weights = w.detach().numpy()                     # (N, heads, T, T)
        return self.out(cr.cat([a, b], -1) if self.use_self else b)


def attention_figure(weights, row_labels, col_labels, title):
    """Heat map of one attention matrix (rows: queries, columns: keys)."""
    fig, ax = figure(5.2, 4.6)
    im = ax.imshow(weights, cmap="viridis", vmin=0, vmax=1)
    ax.set_xticks(range(len(col_labels)), col_labels, rotation=90, fontsize=8)
    ax.set_yticks(range(len(row_labels)), row_labels, fontsize=8)
    ax.set(title=title, xlabel="key (attended to)", ylabel="query (attending)")
    fig.colorbar(im, ax=ax, fraction=0.046, label="α′")
    fig.tight_layout()
    return fig
