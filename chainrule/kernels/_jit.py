"""Numba, loaded on first use: its on-disk cache in the user's cache folder (so an installed,
read-only chainrule still caches its compiled kernels), and its threads set with chainrule's."""
import os
import tempfile
import threading
import types

_state = {"numba": None, "threads": None}
# fastmath flags that let LLVM vectorize sums (reassociation) and fuse multiply-adds; never
# 'nnan'/'ninf', so NaN and inf propagate as in PyTorch.
FASTMATH = {"reassoc", "contract", "nsz"}


def cache_dir():
    """``$NUMBA_CACHE_DIR``, else ``$XDG_CACHE_HOME/chainrule/numba`` (~/.cache/…), else a
    temporary folder when the home folder cannot be written."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.environ["NUMBA_CACHE_DIR"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    for folder in (os.path.join(base, "chainrule", "numba"),
                   os.path.join(tempfile.gettempdir(), f"chainrule-numba-{os.getuid() if hasattr(os, 'getuid') else 0}")):
        try:
            os.makedirs(folder, exist_ok=True)
            if os.access(folder, os.W_OK):
                return folder
        except OSError:
            continue
    return None


def numba():
    """The numba module, configured (raises ImportError when it is not installed)."""
    nb = _state["numba"]
    if nb is None:
        folder = cache_dir()
        if folder and not os.environ.get("NUMBA_CACHE_DIR"):
            os.environ["NUMBA_CACHE_DIR"] = folder
        import numba as nb
        if folder:
            nb.config.CACHE_DIR = folder
        if not os.environ.get("NUMBA_THREADING_LAYER"):
            # OpenMP's layer kills a forked child (DataLoader workers fork); the work queue does not
            nb.config.THREADING_LAYER = "workqueue"
        _state["numba"] = nb
        from ..backend import get_num_threads
        apply_threads(get_num_threads())
    return nb


def apply_threads(n):
    """Give Numba's parallel loops ``n`` threads (when Numba is loaded)."""
    _state["threads"] = int(n)
    nb = _state["numba"]
    if nb is not None:
        nb.set_num_threads(max(1, min(int(n), nb.config.NUMBA_NUM_THREADS)))


_parallel_lock = threading.Lock()


def compiled(loop, fastmath=None):
    """``run(big, *args)``: ``loop`` compiled twice — a parallel version for big work and a serial
    one for small work, or for any work with one thread (a parallel region on one thread only costs
    its start, and its compilation). The work queue runs one parallel region at a time, so a call
    that finds another thread inside one runs the serial version instead (nogil, so still
    concurrent)."""
    serial, parallel = jit(loop, fastmath=fastmath), jit(loop, parallel=True, fastmath=fastmath)

    def run(big, *args):
        if big and _state["threads"] != 1 and _parallel_lock.acquire(blocking=False):
            try:
                return parallel(*args)
            finally:
                _parallel_lock.release()
        return serial(*args)
    run.serial, run.parallel = serial, parallel
    return run


def jit(fn, parallel=False, fastmath=None):
    """``fn`` compiled with the house settings (cached on disk, fastmath as above unless given:
    loops that inline ``expf``'s functions pass ``expf.FLAGS``, which leave out reassociation).

    The parallel compilation is made from a renamed copy of ``fn``: Numba names its cache files
    after the function, not the compile options, so the serial and the parallel versions of one
    loop would otherwise share a cache entry and a later process would load whichever was saved
    last for both (measured: the serial SGD step then ran the parallel code, 110 µs instead of 6)."""
    nb = numba()
    fn.__globals__["prange"] = nb.prange     # the loops' module says prange = range until now
    if parallel:
        copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + "_parallel", fn.__defaults__,
                                  fn.__closure__)
        copy.__qualname__ = fn.__qualname__ + "_parallel"
        copy.__module__ = fn.__module__
        fn = copy
    return nb.njit(cache=True, parallel=parallel, fastmath=FASTMATH if fastmath is None else fastmath, nogil=True,
                   error_model="numpy")(fn)
