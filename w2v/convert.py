"""``w2v convert``: vectors from one format to another (word2vec binary or
text, GloVe text, numpy ``.npy`` + words, TensorBoard projector ``.tsv`` pair),
optionally only the first (most frequent) words and unit length."""
from __future__ import annotations

import sys
from typing import Optional

from .errors import W2VError
from .io import check_writable
from .formats import normalize_rows, output_format, save
from .vectors import load


def convert(src: str, dst: str, fmt: Optional[str] = None, limit: int = 0,
            normalize: bool = False) -> str:
    """Convert vectors file *src* (format detected) to *dst* in *fmt* (else
    from *dst*'s extension); returns a one-line summary."""
    if limit < 0:
        raise W2VError(f"-limit must be >= 0 (got {limit}); 0 = all words")
    fmt = output_format(dst, fmt)            # a bad name fails before the reading
    check_writable(dst, "output file")
    v = load(src, errors="bytes", limit=limit or None)
    matrix = normalize_rows(v.vectors) if normalize else v.vectors
    save(dst, v.words, matrix, fmt)
    return (f"{len(v)} words x {v.dim} dimensions, {v.format} -> {fmt}"
            f"{' (unit vectors)' if normalize else ''}: {dst}")


def run(src: str, dst: str, fmt: Optional[str] = None, limit: int = 0, normalize: int = 0) -> None:
    """The command: convert and report on standard error."""
    summary = convert(src, dst, fmt, limit, bool(normalize))
    print(f"w2v convert: {summary}", file=sys.stderr)
