"""Sequences of different lengths, padded into one batch (Lecture: RNN)."""
from ...ops.padding import pad
from ...ops.combine import stack


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack (Lᵢ, *) tensors into (L_max, B, *) (or (B, L_max, *)), padding with padding_value."""
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got {padding_side!r}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        extra = longest - s.shape[0]
        spec = [0, 0] * (len(s.shape) - 1) + ([0, extra] if padding_side == "right" else [extra, 0])
        padded.append(pad(s, spec, value=padding_value) if extra else s)
    return stack(padded, 0 if batch_first else 1)
