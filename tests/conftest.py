import os
import sys

if os.environ.get("PYTEST_XDIST_WORKER"):
    # `pytest -n auto` (README): one worker per core, each computing on one thread, so BLAS, torch
    # and Numba pools never oversubscribe the cores (and no idle BLAS thread spins beside Python)
    for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")
    import chainrule as _chainrule
    _chainrule.set_num_threads(1)

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))


def pytest_xdist_auto_num_workers(config):
    """``-n auto``: a worker per core, at most 4 (each holds torch and the lectures' data: ~1.3 GB)."""
    return max(1, min(os.cpu_count() or 1, 4))


@pytest.fixture(autouse=True)
def _seed():
    import chainrule
    chainrule.manual_seed(0)
    np.random.seed(0)
    yield
