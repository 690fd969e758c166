"""w2v: word2vec, word2phrase, distance, word-analogy and compute-accuracy,
re-implemented with a Cython core."""
from __future__ import annotations

import os

from ._version import __version__

__all__ = ["__version__", "demo_corpus", "load"]


def demo_corpus() -> str:
    """Path of the bundled demo corpus (King James Bible, text8-style, gzip)."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "kjv.txt.gz")


def load(path: str, **kwargs):
    """Load a word2vec text or binary vectors file (see :func:`w2v.vectors.load`)."""
    from .vectors import load as _load

    return _load(path, **kwargs)
