"""The machine under the ops: where tensors live (the CPU), how freed memory is kept for reuse, and
the threads of the row-parallel kernels.

Ops compute on NumPy arrays directly — there is no array-module indirection (an ``xp`` that only
ever held NumPy would promise a GPU port it cannot deliver: a CuPy backend needs every op's NumPy
calls reviewed, and is designed when it is built). Speed-critical loops go through the kernels
seam instead.
"""
import ctypes
import ctypes.util
import itertools
import os
import sys

from . import tunables


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


# ------------------------------------------------------------------------ row-parallel kernels
# NumPy runs one ufunc on one core and releases the GIL while it loops, so a bandwidth-bound fused
# kernel whose rows are independent (layer norm) runs on every core when its row blocks go to a
# small thread pool. BLAS already uses the cores for matrix products; only the elementwise
# kernels written as row blocks use this pool (and do no BLAS calls inside, which would
# oversubscribe the cores).
_threads = {"n": None, "pool": None, "pid": None}


def get_num_threads():
    """Threads the row-parallel kernels use: ``set_num_threads``, else ``OPENBLAS_NUM_THREADS``
    or ``OMP_NUM_THREADS``, else the number of cores (as ``torch.get_num_threads``)."""
    if _threads["n"] is None:
        env = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
        _threads["n"] = max(1, int(env)) if env and env.isdigit() else (os.cpu_count() or 1)
    return _threads["n"]


def set_num_threads(n):
    """Use ``n`` threads everywhere chainrule computes: the compiled kernels (Numba), BLAS
    (OpenBLAS/MKL, through threadpoolctl) and the row blocks of the NumPy kernels — one setting,
    so the pools never oversubscribe the cores."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    if n != _threads["n"] and _threads["pool"] is not None:
        _threads["pool"].shutdown(wait=True)
        _threads["pool"] = None
    _threads["n"] = n
    from .kernels._jit import apply_threads   # here, not at the top: kernels import this module
    apply_threads(n)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=n, user_api="blas")
    except ImportError:   # pragma: no cover - threadpoolctl is a dependency
        pass


def parallel_rows(kernel, rows, elements):
    """Run ``kernel(lo, hi)`` over row blocks covering ``range(rows)``: inline for small work or
    one thread, else one block per thread. ``elements`` is the work's size (rows × row length)."""
    n = min(get_num_threads(), rows)
    if n <= 1 or elements < tunables.PARALLEL_MIN_ROWS:
        kernel(0, rows)
        return
    if _threads["pool"] is None or _threads["pid"] != os.getpid():  # a forked child starts its own
        from concurrent.futures import ThreadPoolExecutor
        _threads["pool"] = ThreadPoolExecutor(get_num_threads(), thread_name_prefix="chainrule")
        _threads["pid"] = os.getpid()
    bounds = [rows * i // n for i in range(n + 1)]
    # Every block goes to the pool and the caller only waits. Running one block in the caller
    # measured slower here: Linux wakes the worker on the caller's busy core (wake-affine), and
    # after an idle spell the blocks then ran one after the other (7.5 ms instead of 4.7).
    futures = [_threads["pool"].submit(kernel, lo, hi) for lo, hi in itertools.pairwise(bounds)]
    for f in futures:
        f.result()  # re-raises a block's exception here
