"""Running code under ``mpiexec -n K`` in the tests (``make test`` installs
mpi4py and PyPI's MPICH into the test venv; a test fails without them, and
test_requirements.py lists what is missing)."""
from __future__ import annotations

import os
import subprocess
import sys
from typing import Optional, Sequence

from w2vtest import INSTALL_HINT, Result, venv_tool


def mpiexec() -> str:
    """The test venv's mpiexec (PyPI's MPICH); a test fails without it."""
    path = venv_tool("mpiexec")
    if path is None:
        raise AssertionError(f"mpiexec is not installed: {INSTALL_HINT}")
    return path


def clean_env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PMI_", "PMIX_", "OMPI_", "SLURM_", "MPI_LOCAL", "HYDRA_"))}
    env.pop("PYTHONPATH", None)   # the ranks must import the installed package
    return env


def run_mpi(cmd: Sequence[str], cwd: str, n: int = 2, timeout: float = 120,
            stdin: Optional[bytes] = None) -> Result:
    """``mpiexec -n N CMD...`` in *cwd*."""
    args = [mpiexec(), "-n", str(n)] + [str(c) for c in cmd]
    p = subprocess.run(args, cwd=cwd, input=stdin if stdin is not None else b"", stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=clean_env(), timeout=timeout)
    return Result(list(cmd), p.returncode, p.stdout, p.stderr)


def run_script(code: str, cwd: str, n: int = 2, timeout: float = 120, args: Sequence[str] = ()) -> Result:
    """Run Python *code* on N ranks."""
    path = os.path.join(cwd, "mpi_script.py")
    with open(path, "w") as f:
        f.write(code)
    return run_mpi([sys.executable, path, *args], cwd, n=n, timeout=timeout)
