"""The test venv holds everything the comparison tests run against: the C
tools of PyPI's word2vec, mpiexec (PyPI's MPICH), gensim, scikit-learn and
the other modules of pyproject.toml's "test" extra, all installed into the
venv running the tests (``make test``: .venv-test), none found elsewhere."""
import os
import subprocess
import sys

from w2vtest import C_TOOLS, c_tool, missing_requirements, venv_tool


def test_the_test_venv_has_every_tool_and_module():
    missing = missing_requirements()
    assert not missing, (f"the test venv {sys.prefix} lacks {', '.join(missing)}: 'make test' installs "
                         "them (pyproject.toml's \"test\" extra)")


def test_the_c_tools_are_the_venvs_and_run():
    prefix = os.path.realpath(sys.prefix)
    for name in C_TOOLS:
        path = c_tool(name)
        assert os.path.realpath(path).startswith(prefix + os.sep), (name, path)
        # every tool called without arguments prints its usage (C's own words) and exits 0
        p = subprocess.run([path], stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        assert p.returncode == 0 and (b"Options:" in p.stdout or p.stdout.startswith(b"Usage: ./")), (name, p)
    assert os.path.realpath(venv_tool("mpiexec")).startswith(prefix + os.sep)
