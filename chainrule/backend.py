"""Which array library computes, and how its memory is managed.

Every op in chainrule computes on the arrays of ``xp``. Today that is NumPy; a CuPy backend can be
chosen here later without touching the ops, because they only ever call ``xp``.
"""
import ctypes
import ctypes.util
import os
import sys

import numpy

xp = numpy


def keep_freed_memory(limit=1 << 30):
    """Ask glibc's malloc to reuse freed blocks instead of returning them to the OS.

    A training step frees and reallocates the same large activation and gradient arrays every
    iteration. By default glibc hands big blocks straight back to the kernel, so each new array
    is page-faulted in again on first write — measured here as about a third of a convolution's
    time. Raising the mmap and trim thresholds keeps those blocks for reuse, as PyTorch's caching
    allocator does. Set ``CHAINRULE_MALLOC_TUNING=0`` to leave malloc alone.
    """
    if not sys.platform.startswith("linux") or os.environ.get("CHAINRULE_MALLOC_TUNING") == "0":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(libc.mallopt(m_mmap_threshold, limit // 4) and libc.mallopt(m_trim_threshold, limit))
    except (OSError, AttributeError):
        return False


MALLOC_TUNED = keep_freed_memory()


class device:
    """Where tensors live: only the CPU for now (``chainrule.device("cpu")``), so PyTorch code that
    picks ``"cuda" if torch.cuda.is_available() else "cpu"`` runs unchanged."""

    def __init__(self, type="cpu", index=None):
        name = str(type)
        kind = name.split(":")[0]
        if kind == "cuda":
            raise RuntimeError("chainrule has no CUDA backend yet: tensors live on the CPU "
                               "(chainrule.cuda.is_available() is False)")
        if kind != "cpu":
            raise RuntimeError(f"device: expected 'cpu', got {name!r}")
        self.type, self.index = "cpu", None

    def __repr__(self):
        return "device(type='cpu')"

    def __str__(self):
        return "cpu"

    def __eq__(self, other):
        return str(other) == "cpu"

    def __hash__(self):
        return hash("cpu")


class cuda:
    """``chainrule.cuda.is_available()`` — False: there is no GPU backend yet."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def device_count():
        return 0
