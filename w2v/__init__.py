"""w2v: word2vec, word2phrase, distance, word-analogy and compute-accuracy,
re-implemented with a Cython core."""
from __future__ import annotations

import os

from ._version import __version__

__all__ = ["__version__", "Model", "EpochInfo", "demo_corpus", "load", "train"]


def demo_corpus() -> str:
    """Path of the bundled demo corpus (King James Bible, text8-style, gzip)."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "kjv.txt.gz")


def load(path: str, **kwargs):
    """Load a vectors file (see :func:`w2v.vectors.load`) or, given a model
    file (``-save-model``, ``-checkpoint``), its word vectors."""
    from .modelfile import is_model_file
    from .vectors import load as _load

    if is_model_file(path):
        from .api import Model as _Model

        return _Model.load(path).vectors
    return _load(path, **kwargs)


def train(corpus, **kwargs):
    """Train a model from Python (see :func:`w2v.api.train`)."""
    from .api import train as _train

    return _train(corpus, **kwargs)


def __getattr__(name: str):
    if name == "Model":
        from .api import Model

        return Model
    if name == "EpochInfo":
        from .trainer import EpochInfo

        return EpochInfo
    raise AttributeError(f"module 'w2v' has no attribute {name!r}")
