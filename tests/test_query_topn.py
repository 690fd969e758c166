"""The top-n kernel behind distance/analogy/accuracy: C's insertion rule."""
import numpy as np
import pytest

from w2v import _vecio
from w2v.search import nearest, top_n


def test_ties_floor_exclusion_nan():
    s = np.array([[0.5, 0.9, 0.5, np.nan, 0.9, -0.2, 0.0, 0.7]], dtype=np.float32)
    (idx, val), = top_n(s, 4, [[]])
    assert idx.tolist() == [1, 4, 7, 0] and val.tolist() == pytest.approx([0.9, 0.9, 0.7, 0.5])
    (idx, val), = top_n(s, 10, [[4, 7]], floor=0.0)     # strictly above 0, NaN never
    assert idx.tolist() == [1, 0, 2]
    (idx, val), = top_n(s, 10, [[]])
    assert idx.tolist() == [1, 4, 7, 0, 2, 6, 5]          # all but NaN


def test_several_rows_and_exclusion_padding():
    s = np.array([[1, 2, 3], [3, 2, 1]], dtype=np.float32)
    out = top_n(s, 2, [[2], []])
    assert [o[0].tolist() for o in out] == [[1, 0], [0, 1]]
    idx, val, cnt = _vecio.top_rows(s, np.array([[0, -1], [-1, -1]], dtype=np.int64), 5, -1.0)
    assert cnt.tolist() == [2, 3] and idx[0, :2].tolist() == [2, 1] and idx[0, 2] == -1
    with pytest.raises(ValueError):
        _vecio.top_rows(s, np.zeros((1, 1), dtype=np.int64), 1, 0.0)


def test_matches_full_sort_on_random_scores():
    rng = np.random.default_rng(11)
    s = rng.normal(size=(5, 2000)).astype(np.float32)
    s[:, ::7] = np.round(s[:, ::7], 1)                    # plenty of ties
    ex = [rng.choice(2000, 3, replace=False).tolist() for _ in range(5)]
    for r, (idx, val) in enumerate(top_n(s, 25, ex)):
        keep = np.setdiff1d(np.arange(2000), ex[r])
        order = keep[np.lexsort((keep, -s[r, keep]))][:25]
        assert idx.tolist() == order.tolist()


def test_nearest_normalises_queries():
    unit = np.eye(3, dtype=np.float32)
    (idx, val), = nearest(unit, np.array([[0, 10, 1]], dtype=np.float32), [[]], 2)
    assert idx.tolist() == [1, 2]
    assert val.tolist() == pytest.approx([10 / np.sqrt(101), 1 / np.sqrt(101)])


def test_chunked_scan_equals_one_pass(monkeypatch):
    import w2v.search as S
    from w2v.search import analogy_batch
    rng = np.random.default_rng(5)
    unit = rng.normal(size=(3000, 6)).astype(np.float32)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    unit[100:110] = unit[7]                                # exact ties across chunks
    qs = unit[[7, 8, 9]]
    ex = [[7], [8, 1], []]
    whole = nearest(unit, qs, ex, 30)
    abc = np.array([[1, 2, 3], [4, 5, 6]])
    whole_a = [analogy_batch(unit, abc, 10, m) for m in ("3cosadd", "3cosmul")]
    monkeypatch.setattr(S, "_CHUNK_FLOATS", 257)           # chunks of 256 words: 12 chunks
    monkeypatch.setattr(S, "_QUERY_BLOCK", 2)              # and several query blocks
    for a, b in zip(whole, nearest(unit, qs, ex, 30)):
        assert a[0].tolist() == b[0].tolist()
        np.testing.assert_allclose(a[1], b[1], atol=1e-6)   # BLAS kernels differ by shape
    assert whole[0][0][:10].tolist() == list(range(100, 110))   # ties: file order
    for m, ref in zip(("3cosadd", "3cosmul"), whole_a):
        got = analogy_batch(unit, abc, 10, m)
        assert [g[0].tolist() for g in got] == [r[0].tolist() for r in ref]
