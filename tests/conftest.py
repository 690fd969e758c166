"""Session checks and fixtures.

The suite must exercise a normal *installed* package (``make test`` builds a
wheel, installs it into .venv-test and runs pytest from tests/), never the
source tree: the source folder ``w2v/`` (also what the editable .venv of
``make install`` imports) could hold stale compiled modules or miss files the
wheel ships.  The session check below fails loudly when ``w2v`` comes from
anywhere but the running interpreter's site-packages.
"""
from __future__ import annotations

import os
import sys
import sysconfig
from typing import List, Optional

import pytest

TESTS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(TESTS)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)   # for `import w2vtest` (helpers)

import w2v  # noqa: E402
from w2vtest import Result, run_w2v  # noqa: E402


def _installed_roots() -> List[str]:
    paths = sysconfig.get_paths()
    return [os.path.realpath(paths[k]) for k in ("purelib", "platlib")]


def pytest_sessionstart(session) -> None:
    where = os.path.realpath(os.path.dirname(w2v.__file__))
    src = os.path.realpath(os.path.join(REPO, "w2v"))
    if where == src or not any(where.startswith(root + os.sep) for root in _installed_roots()):
        raise pytest.UsageError(
            f"w2v was imported from {where}, not from the installed package in "
            f"{_installed_roots()[0]}: run the tests with 'make test' (TESTS=... for a part), "
            "which installs a wheel into .venv-test and runs pytest from tests/")


@pytest.fixture
def w2v_cli(tmp_path):
    """``w2v_cli(*args, stdin=None, module=False)`` runs the CLI in tmp_path."""

    def call(*args, stdin: Optional[bytes] = None, module: bool = False, timeout: float = 120) -> Result:
        return run_w2v(args, str(tmp_path), stdin=stdin, module=module, timeout=timeout)

    return call


