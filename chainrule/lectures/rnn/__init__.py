"""Lecture 6 — Recurrent networks: slot filling, memory, bidirectional and gated cells, why
training is hard (vanishing gradients, the rugged surface and clipping), CTC and the HMM."""
TITLE = "Lecture 6 — Recurrent networks: memory, LSTM and GRU, clipping, CTC, HMM"
ORDER = 6

from . import labeling, language, sequences  # noqa: E402,F401  (register the experiments)
