"""Nearest-neighbour searches over an L2-normalised matrix, below every
command: matrix products of a block of queries with chunks of the
vocabulary (BLAS), each chunk's scores merged into per-query best lists by
a one-pass Cython kernel.  Ties are broken by row (earlier rows first),
like the C tools' strict ``>`` insertion."""
from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from . import _vecio
from .config import ANALOGY_METHOD, ANALOGY_METHODS
from .errors import W2VError

METHODS = ANALOGY_METHODS
_EPS_3COSMUL = 1e-3       # Levy & Goldberg (2014)

_QUERY_BLOCK = 256        # queries answered per pass over the matrix
_CHUNK_FLOATS = 1 << 23   # scores of one (queries x words) block: 32 MB, reused


def _exclusions(exclude: Sequence[Sequence[int]]) -> np.ndarray:
    width = max((len(e) for e in exclude), default=0)
    out = np.full((len(exclude), max(1, width)), -1, dtype=np.int64)
    for r, e in enumerate(exclude):
        out[r, :len(e)] = e
    return out


def top_n(scores: np.ndarray, n: int, exclude: Sequence[Sequence[int]],
          floor: float = -np.inf) -> List[Tuple[np.ndarray, np.ndarray]]:
    """For each row of *scores* (queries x words): the *n* best words with a
    score strictly above *floor*, not in *exclude[row]*, best first, ties in
    row order (the C tools' rule)."""
    scores = np.ascontiguousarray(scores, dtype=np.float32)
    idx, val, cnt = _vecio.top_rows(scores, _exclusions(exclude), int(n), float(floor))
    return [(idx[r, :cnt[r]], val[r, :cnt[r]]) for r in range(scores.shape[0])]


def scan(V: int, Q: int, n: int, exclude: Sequence[Sequence[int]], floor: float,
          fill: Callable[[int, int, np.ndarray], None]) -> List[Tuple[np.ndarray, np.ndarray]]:
    """Run the top-n selection over all V words in chunks: ``fill(c0, c1, out)``
    writes the Q x (c1 - c0) scores of words c0..c1 into *out*.  Small score
    blocks stay in cache and are reused, so the matrix product runs near
    the machine's peak instead of streaming a huge score matrix."""
    idx = np.full((Q, n), -1, dtype=np.int64)
    val = np.zeros((Q, n), dtype=np.float32)
    cnt = np.zeros(Q, dtype=np.int64)
    ex = _exclusions(exclude)
    chunk = max(256, min(V, _CHUNK_FLOATS // max(1, Q)))
    buf = np.empty((Q, chunk), dtype=np.float32)
    for c0 in range(0, V, chunk):
        c1 = min(V, c0 + chunk)
        out = buf if c1 - c0 == chunk else np.empty((Q, c1 - c0), dtype=np.float32)
        fill(c0, c1, out)
        _vecio.top_rows_update(out, ex, float(floor), idx, val, cnt, c0)
    return [(idx[r, :cnt[r]], val[r, :cnt[r]]) for r in range(Q)]


def nearest(unit: np.ndarray, queries: np.ndarray, exclude: Sequence[Sequence[int]], n: int,
            floor: float = -np.inf) -> List[Tuple[np.ndarray, np.ndarray]]:
    """For each query vector (rows of *queries*, normalised here), the *n*
    nearest rows of *unit* by cosine, leaving out the rows in *exclude[i]*."""
    out: List[Tuple[np.ndarray, np.ndarray]] = []
    q = np.asarray(queries, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", q, q))
    norms[norms == 0] = 1
    q = q / norms[:, None]
    for s in range(0, q.shape[0], _QUERY_BLOCK):
        qb = np.ascontiguousarray(q[s:s + _QUERY_BLOCK])

        def fill(c0: int, c1: int, dst: np.ndarray, qb=qb) -> None:
            np.matmul(qb, unit[c0:c1].T, out=dst)

        out.extend(scan(unit.shape[0], qb.shape[0], n, exclude[s:s + _QUERY_BLOCK], floor, fill))
    return out


def analogy_batch(unit: np.ndarray, abc: np.ndarray, n: int, method: str = ANALOGY_METHOD,
                  floor: float = 0.0, exclude: Optional[Sequence[Sequence[int]]] = None
                  ) -> List[Tuple[np.ndarray, np.ndarray]]:
    """For rows (a, b, c) of *abc*: the words d with a : b :: c : d, leaving
    out a, b, c (or the rows in *exclude[i]*).

    3cosadd: cosine to normalise(b - a + c), only scores above *floor* (C's
    word-analogy and compute-accuracy start from a best score of 0).
    3cosmul: cos'(d,b) * cos'(d,c) / (cos'(d,a) + 0.001) with cos' = (1 + cos) / 2."""
    abc = np.asarray(abc, dtype=np.int64).reshape(-1, 3)
    if exclude is None:
        exclude = abc.tolist()
    if method == "3cosadd":
        q = (unit[abc[:, 1]] - unit[abc[:, 0]]) + unit[abc[:, 2]]
        return nearest(unit, q, exclude, n, floor=floor)
    if method != "3cosmul":
        raise W2VError(f"unknown analogy method {method!r} (use 3cosadd or 3cosmul)")
    out: List[Tuple[np.ndarray, np.ndarray]] = []
    for s in range(0, abc.shape[0], _QUERY_BLOCK):
        part = abc[s:s + _QUERY_BLOCK]
        q3 = unit[part.reshape(-1)]                      # rows a0 b0 c0 a1 b1 c1 ...

        def fill(c0: int, c1: int, dst: np.ndarray, q3=q3) -> None:
            sims = q3 @ unit[c0:c1].T
            sims += 1
            sims *= 0.5
            sims = sims.reshape(-1, 3, c1 - c0)
            np.multiply(sims[:, 1], sims[:, 2], out=dst)
            dst /= sims[:, 0] + _EPS_3COSMUL

        out.extend(scan(unit.shape[0], part.shape[0], n, exclude[s:s + _QUERY_BLOCK], floor, fill))
    return out
