"""Sequences of different lengths, padded into one batch (Lecture: RNN)."""
import numpy as np

from ...autograd.dtype import int64
from ...autograd.tensor import Tensor
from ...ops.combine import cat, stack
from ...ops.creation import tensor
from ...ops.padding import pad


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


class PackedSequence(tuple):
    """A batch of sequences of different lengths with the padding squeezed out (PyTorch's).

    ``data`` holds, time step by time step, the vectors of the sequences still running at that
    step (sorted longest first); ``batch_sizes[t]`` is how many there are. ``sorted_indices``
    takes the original batch to that order, ``unsorted_indices`` back (both None when the input
    was already sorted)."""

    __slots__ = ()
    _fields = ("data", "batch_sizes", "sorted_indices", "unsorted_indices")

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert(sorted_indices)
        return tuple.__new__(cls, (data, batch_sizes, sorted_indices, unsorted_indices))

    data = property(lambda self: self[0])
    batch_sizes = property(lambda self: self[1])
    sorted_indices = property(lambda self: self[2])
    unsorted_indices = property(lambda self: self[3])

    def to(self, *args, **kwargs):
        return PackedSequence(self.data.to(*args, **kwargs), self.batch_sizes, self.sorted_indices,
                              self.unsorted_indices)

    def __repr__(self):
        return (f"PackedSequence(data={self.data!r}, batch_sizes={self.batch_sizes!r}, "
                f"sorted_indices={self.sorted_indices!r}, unsorted_indices={self.unsorted_indices!r})")


def _invert(perm):
    p = np.asarray(perm.numpy() if isinstance(perm, Tensor) else perm)
    inv = np.empty_like(p)
    inv[p] = np.arange(len(p))
    return tensor(inv)


def _lengths(lengths):
    if isinstance(lengths, Tensor):
        if lengths.dtype != int64 or len(lengths.shape) != 1:
            raise RuntimeError(f"pack_padded_sequence: lengths must be a 1-D int64 tensor, got "
                               f"{lengths.dtype} of shape {tuple(lengths.shape)}")
        return lengths.numpy().astype(np.int64)
    return np.asarray(list(lengths), dtype=np.int64)


def _rows_of(batch_sizes):
    """For a time-major (T, B) grid: the data row of each (t, b) that exists, else −1."""
    bs = np.asarray(batch_sizes)
    offsets = np.concatenate([[0], np.cumsum(bs)[:-1]])
    b = np.arange(bs[0] if len(bs) else 0)
    return np.where(b[None, :] < bs[:, None], offsets[:, None] + b[None, :], -1)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded (T, B, *) batch (B, T, * with ``batch_first``) whose sequence b is
    ``lengths[b]`` long."""
    lens = _lengths(lengths)
    if batch_first:
        input = input.transpose(0, 1)
    if len(lens) != input.shape[1]:
        raise ValueError(f"pack_padded_sequence: {len(lens)} lengths for a batch of {input.shape[1]}")
    if lens.size and lens.min() <= 0:
        raise RuntimeError("pack_padded_sequence: length of all samples has to be greater than 0, but "
                           f"found an element in 'lengths' that is <= 0 ({lens.tolist()})")
    if lens.size and lens.max() > input.shape[0]:
        raise RuntimeError(f"pack_padded_sequence: a length ({lens.max()}) is longer than the padded "
                           f"sequences ({input.shape[0]} steps)")
    if enforce_sorted:
        if np.any(np.diff(lens) > 0):
            raise RuntimeError("pack_padded_sequence: `lengths` array must be sorted in decreasing order "
                               "when `enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                               "pack_padded_sequence and/or pack_sequence to sidestep this requirement "
                               "if you do not need ONNX exportability.")
        sorted_indices = None
    else:
        order = np.argsort(-lens, kind="stable")
        sorted_indices = tensor(order)
        lens = lens[order]
        input = input[:, order]
    batch_sizes = (lens[None, :] > np.arange(int(lens.max()))[:, None]).sum(1)
    t, b = np.nonzero(_rows_of(batch_sizes) >= 0)
    return PackedSequence(input[t, b], tensor(batch_sizes.astype(np.int64)), sorted_indices)


def unpack_sorted(sequence, padding_value=0.0, total_length=None):
    """(T, B, *) padded batch in the packed (longest-first) order, and the lengths, as arrays."""
    bs = np.asarray(sequence.batch_sizes.numpy())
    rows = _rows_of(bs)
    T = len(bs) if total_length is None else total_length
    data = sequence.data
    filler = data[:1] * 0.0 + padding_value
    grid = np.full((T, rows.shape[1]), data.shape[0], np.int64)
    grid[:len(bs)] = np.where(rows >= 0, rows, data.shape[0])
    padded = cat([data, filler], 0)[grid]
    return padded, (rows >= 0).sum(0)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of ``pack_padded_sequence``: (padded batch, lengths as an int64 tensor), in the
    original batch order."""
    T = len(sequence.batch_sizes)
    if total_length is not None and total_length < T:
        raise ValueError(f"Expected total_length to be at least the length of the longest sequence in "
                         f"input, but got total_length={total_length} and max sequence length being {T}")
    padded, lens = unpack_sorted(sequence, padding_value, total_length)
    if sequence.unsorted_indices is not None:
        order = sequence.unsorted_indices.numpy()
        padded, lens = padded[:, order], lens[order]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, tensor(lens.astype(np.int64))


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of (Lᵢ, *) tensors."""
    return pack_padded_sequence(pad_sequence(sequences), [s.shape[0] for s in sequences],
                                enforce_sorted=enforce_sorted)


def pack_like(padded, sequence):
    """Pack a (T, B, *) batch that is in ``sequence``'s sorted order with its batch sizes."""
    t, b = np.nonzero(_rows_of(np.asarray(sequence.batch_sizes.numpy())) >= 0)
    return PackedSequence(padded[t, b], sequence.batch_sizes, sequence.sorted_indices, sequence.unsorted_indices)
