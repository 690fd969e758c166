"""w2v: word2vec, word2phrase, distance, word-analogy and compute-accuracy,
re-implemented with a Cython core."""
from __future__ import annotations

import os

from ._version import __version__

__all__ = ["__version__", "Vectors", "demo_corpus", "load"]


def demo_corpus() -> str:
    """Path of the bundled demo corpus (King James Bible, text8-style, gzip)."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "kjv.txt.gz")


def load(path: str, **kwargs):
    """Load a vectors file: word2vec binary or text, fastText .vec, GloVe,
    .npy or projector .tsv pair, detected (see :func:`w2v.vectors.load`)."""
    from .vectors import load as _load

    return _load(path, **kwargs)


def __getattr__(name: str):
    # w2v.Vectors without importing numpy for every command at start-up
    if name == "Vectors":
        from .vectors import Vectors

        return Vectors
    raise AttributeError(f"module 'w2v' has no attribute {name!r}")
