"""Running code under ``mpiexec -n K`` in the tests (skipped when mpiexec or
mpi4py is missing; ``make test`` installs both: mpi4py and PyPI's MPICH)."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from typing import Optional, Sequence

import pytest

from w2vtest import Result


def mpiexec() -> Optional[str]:
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return here if os.path.exists(here) else shutil.which("mpiexec")


needs_mpi = pytest.mark.skipif(mpiexec() is None or importlib.util.find_spec("mpi4py") is None,
                               reason="mpiexec or mpi4py not installed (pip install 'w2v[mpich]')")


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
