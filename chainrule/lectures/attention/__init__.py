"""Lecture 7 — Self-attention: a vector set in, a vector set out; q, k, v and the attention
matrix; many heads; positions; masks; the efficient variants; and how it compares with an RNN."""
TITLE = "Lecture 7 — Self-attention: vector sets, q·k·v, heads, positions, masks, efficient variants"
ORDER = 7

from . import basics, variants  # noqa: E402,F401  (register the experiments)
