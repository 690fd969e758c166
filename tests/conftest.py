"""Session checks and fixtures.

The suite must exercise a normal *installed* package (``make test`` builds a
wheel, installs it into .venv-test and runs pytest from tests/), never the
source tree: the source folder ``w2v/`` (also what the editable .venv of
``make install`` imports) could hold stale compiled modules or miss files the
wheel ships.  The session check below fails loudly when ``w2v`` comes from
anywhere but the running interpreter's site-packages.

The comparison tests (against the C tools of PyPI's word2vec, gensim,
scikit-learn) run everywhere the suite runs: ``make test`` installs what they
need into .venv-test, a missing tool or module fails the test that needs it
(never a skip), and test_requirements.py lists everything missing at once.
Other suites run a few of the tests in venvs without them (``make
compilers``), so nothing here stops a session for want of them.

The Ctrl-C tests send SIGINT to the commands they start.  A shell that starts
the suite in the background without job control (CI, ``make test &``) ignores
SIGINT in it, and an ignored signal stays ignored in every child, where Python
then never raises KeyboardInterrupt: the session gives SIGINT its default
Python handler again, which every child's exec resets to the default action.
"""
from __future__ import annotations

import os
import signal
import sys
import sysconfig
from typing import List, Optional

import pytest

TESTS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(TESTS)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)   # for `import w2vtest` (helpers)

import w2v  # noqa: E402
from w2vtest import Result, planted_corpus, run_w2v  # noqa: E402


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
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def w2v_cli(tmp_path):
    """``w2v_cli(*args, stdin=None, module=False)`` runs the CLI in tmp_path."""

    def call(*args, stdin: Optional[bytes] = None, module: bool = False, timeout: float = 120) -> Result:
        return run_w2v(args, str(tmp_path), stdin=stdin, module=module, timeout=timeout)

    return call


# ------------------------------------------------------------------ the planted corpus
@pytest.fixture(scope="session")
def planted(tmp_path_factory):
    """(folder, groups): folder/corpus.txt holds 20 planted groups of 10 words,
    100,000 tokens, half of them replaced by uniform noise (w2vtest.planted_corpus),
    written once per session and only read by the tests: the learning checks
    of w2vtest.assert_learned (201 words with </s>) and the model-state tests."""
    folder = tmp_path_factory.mktemp("planted")
    groups = planted_corpus(folder / "corpus.txt", groups=20, per_group=10, tokens=100_000,
                            seed=0, noise=0.5)
    return folder, groups
