"""Which array library computes.

Every op in chainrule computes on the arrays of ``xp``. Today that is NumPy; a CuPy backend can be
chosen here later without touching the ops, because they only ever call ``xp``.
"""
import os

import numpy

xp = numpy

#: BLAS threads: respect the user's setting, otherwise leave the library default.
BLAS_THREADS = os.environ.get("OPENBLAS_NUM_THREADS")
