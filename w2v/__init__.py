"""w2v: word2vec, word2phrase, distance, word-analogy and compute-accuracy,
re-implemented with a Cython core."""
from __future__ import annotations

import os

from ._version import __version__

__all__ = ["__version__", "EpochInfo", "Model", "Vectors", "demo_corpus", "load", "train"]


def demo_corpus() -> str:
    """Path of the bundled demo corpus (King James Bible, text8-style, gzip)."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "kjv.txt.gz")


def load(path: str, **kwargs):
    """Load word vectors: word2vec binary or text, fastText .vec, GloVe,
    .npy or projector .tsv pair, or a w2v model file's word vectors, detected
    (see :func:`w2v.vectors.load`)."""
    from .vectors import load as _load

    return _load(path, **kwargs)


def train(corpus, **kwargs):
    """Train a model from Python (see :func:`w2v.api.train`)."""
    from .api import train as _train

    return _train(corpus, **kwargs)


def __getattr__(name: str):
    # the classes without importing numpy for every command at start-up
    if name == "Vectors":
        from .vectors import Vectors

        return Vectors
    if name == "Model":
        from .api import Model

        return Model
    if name == "EpochInfo":
        from .trainer import EpochInfo

        return EpochInfo
    raise AttributeError(f"module 'w2v' has no attribute {name!r}")
