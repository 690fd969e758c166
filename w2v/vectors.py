"""Word-vector files: word2vec.c's text and binary formats, and -classes output.

Text:   ``V D\\n`` then per word ``word v1 v2 ... vD \\n`` (``%f``, trailing space)
Binary: ``V D\\n`` then per word ``word``, a space, D little-endian float32, ``\\n``
Classes: no header, ``word class\\n`` per word.

Every writer goes through :func:`w2v.io.atomic_output`."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from . import _vecio
from .io import atomic_output

_TEXT_BLOCK = 4096


def save_word2vec(path: str, words: Sequence[bytes], matrix: np.ndarray, binary: bool) -> None:
    words = [w if isinstance(w, bytes) else str(w).encode("utf-8") for w in words]
    m = np.ascontiguousarray(matrix, dtype=np.float32)
    V, D = m.shape
    if len(words) != V:
        raise ValueError("words and matrix rows differ")
    with atomic_output(path, "output file") as out:
        out.write(b"%d %d\n" % (V, D))
        if binary:
            le = m.astype("<f4", copy=False)
            for i, w in enumerate(words):
                out.write(w + b" " + le[i].tobytes() + b"\n")
        else:
            for s in range(0, V, _TEXT_BLOCK):
                out.write(_vecio.format_text_rows(words, m, s, min(V, s + _TEXT_BLOCK)))


def save_classes(path: str, words: Sequence[bytes], classes: np.ndarray) -> None:
    with atomic_output(path, "output file") as out:
        for w, c in zip(words, np.asarray(classes).tolist()):
            out.write(b"%s %d\n" % (w, c))
