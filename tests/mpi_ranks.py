"""Run a program on several MPI ranks from a test: its source is written to a file and started
with mpirun (at most 2 ranks here: the machine has 2 cores)."""
import os
import re
import textwrap

import chainrule
from chainrule.distributed import launch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(chainrule.__file__)))


def run_ranks(tmp_path, code, np=2, timeout=240, check=True, args=()):
    script = tmp_path / "program.py"
    script.write_text(textwrap.dedent(code))
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS="1",
               PYTHONUNBUFFERED="1", PYTHONPATH=ROOT)  # the chainrule this test imported
    done = launch.run(np, [str(script), *args], timeout=timeout, env=env)
    done.stdout = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)  # mpirun's terminal resets
    if check:
        assert done.returncode == 0, f"mpirun exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done
