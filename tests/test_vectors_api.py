"""gensim's KeyedVectors habits on w2v.Vectors: golden values on the hand-made
vectors, and the same answers as gensim (installed in the test venv)."""
import math
import os
import sys
import warnings

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
from vecdata import TINY, binary_bytes  # noqa: E402

import w2v  # noqa: E402
from w2v.vectors import Vectors  # noqa: E402

R2 = math.sqrt(2)


@pytest.fixture
def v(tmp_path):
    p = tmp_path / "v.bin"
    p.write_bytes(binary_bytes())
    return w2v.load(str(p))


def test_container_habits(v):
    assert isinstance(v, w2v.Vectors)
    with pytest.raises(AttributeError, match="no attribute 'Vector'"):
        w2v.Vector
    assert len(v) == 8 and "king" in v and "nope" not in v
    assert v.key_to_index["king"] == 3 and v.index_to_key[3] == "king" and v.vector_size == 4
    np.testing.assert_array_equal(v["king"], [1, 0, 1, 0])
    np.testing.assert_array_equal(v[["king", "man"]], [[1, 0, 1, 0], [1, 0, 0, 0]])
    np.testing.assert_allclose(v.get_vector("king", norm=True), [1 / R2, 0, 1 / R2, 0], atol=1e-7)
    np.testing.assert_array_equal(v.get_vector("king"), [1, 0, 1, 0])
    with pytest.raises(ValueError):
        v.get_vector("king")[0] = 5                     # read-only, like gensim's
    with pytest.raises(KeyError, match="nope"):
        v["nope"]


def test_most_similar_gensim_arguments(v):
    expected = (1 / R2 + 0.5) / math.sqrt((1 / R2 - 1) ** 2 + 1 + 0.5)   # cos(queen, king - man + woman)
    (word, score), = v.most_similar(positive=["king", "woman"], negative=["man"], topn=1)
    assert word == "queen" and score == pytest.approx(expected, abs=1e-6)
    assert v.most_similar(["king", "woman"], ["man"], n=1) == [(word, score)]     # w2v's n=
    # a string holding several words sums them, like a query line of `w2v distance`
    assert v.most_similar("man woman", topn=3) == v.most_similar(["man", "woman"], topn=3)
    assert [w for w, _ in v.most_similar("king", 2)] == ["man", "queen"]   # w2v's positional n
    assert v.most_similar("king", topn=0) == []
    # weights: (word, weight) pairs; a vector counts as it is
    assert v.most_similar([("king", 2.0)], topn=2) == v.most_similar("king", topn=2)
    assert [w for w, _ in v.most_similar(np.array([0, 0, 1, 1], dtype=np.float32), topn=1)] == ["France"]
    # restrict_vocab: only the first rows are candidates (ties in row order)
    res = v.most_similar("king", restrict_vocab=3)
    assert [w for w, _ in res] == ["man", "</s>", "woman"]
    assert [s for _, s in res] == pytest.approx([1 / R2, 0, 0], abs=1e-6)
    # topn=None: every cosine, query words included
    allc = v.most_similar("king", topn=None)
    assert allc.shape == (8,) and allc[3] == pytest.approx(1.0) and allc[7] == pytest.approx(-1 / R2)
    with pytest.raises(ValueError, match="no input"):
        v.most_similar()
    with pytest.raises(KeyError, match="nope"):
        v.most_similar(["king", "nope"])


def test_cosmul_similarity_rank_doesnt_match(v):
    (word, score), = v.most_similar_cosmul(["king", "woman"], ["man"], topn=1)
    # (1 + cos(queen, king)) / 2 = 0.75, (1 + cos(queen, woman)) / 2, (1 + cos(queen, man)) / 2 = 0.5
    assert word == "queen"
    assert score == pytest.approx(0.75 * (1 + 1 / R2) / 2 / (0.5 + 1e-6), rel=1e-6)
    with pytest.raises(ValueError, match="no input"):
        v.most_similar_cosmul(negative=["man"])
    assert v.similarity("king", "queen") == pytest.approx(0.5)
    assert v.n_similarity(["man", "woman"], ["king"]) == pytest.approx(0.5)   # means of raw vectors
    with pytest.raises(ValueError, match="non-empty"):
        v.n_similarity([], ["king"])
    # cos(king, .): man 0.707 > queen = France 0.5 > paris ...
    assert (v.rank("king", "man"), v.rank("king", "queen"), v.rank("king", "France")) == (1, 2, 2)
    assert v.rank("king", "paris") == 4
    assert v.doesnt_match(["man", "king", "queen", "paris"]) == "paris"
    with pytest.warns(UserWarning, match="nope"):
        assert v.doesnt_match(["man", "king", "queen", "paris", "nope"]) == "paris"
    with pytest.raises(ValueError, match="at least one word"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            v.doesnt_match(["nope"])


def test_save_and_limit(v, tmp_path):
    for binary in (True, False):
        p = str(tmp_path / f"out{int(binary)}")
        v.save_word2vec_format(p, binary=binary)
        back = w2v.load(p)
        assert back.binary is binary and back.words == v.words
        np.testing.assert_allclose(back.vectors, v.vectors, atol=1e-6)
        assert v.save(p + ".x", binary=binary) == ("bin" if binary else "text")
        assert w2v.load(p + ".x").binary is binary
    assert v.save(str(tmp_path / "v.vec")) == "text"
    first = w2v.load(str(tmp_path / "v.vec"), limit=3)
    assert first.words == v.words[:3] and first.vectors.shape == (3, 4)


# --------------------------------------------------------------------------- against gensim
def _pair():
    from gensim.models import keyedvectors as gensim_kv

    rng = np.random.default_rng(42)
    words = [f"w{i}" for i in range(400)]
    m = rng.normal(size=(400, 24)).astype(np.float32)
    kv = gensim_kv.KeyedVectors(24)
    kv.add_vectors(words, m)
    return Vectors(words, m), kv, rng, words


def _same(a, b):
    assert [w for w, _ in a] == [w for w, _ in b]
    np.testing.assert_allclose([s for _, s in a], [s for _, s in b], atol=1e-5)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")      # gensim's own init_sims
def test_same_answers_as_gensim():
    v, kv, rng, words = _pair()
    for _ in range(10):
        p = [words[i] for i in rng.choice(400, 3, replace=False)]
        _same(v.most_similar(p[0]), kv.most_similar(p[0]))
        _same(v.most_similar(p[:2], [p[2]], topn=25), kv.most_similar(p[:2], [p[2]], topn=25))
        _same(v.most_similar([(p[0], 2.0), p[1]], [(p[2], -0.5)], topn=15),
              kv.most_similar([(p[0], 2.0), p[1]], [(p[2], -0.5)], topn=15))
        _same(v.most_similar(p[0], restrict_vocab=100), kv.most_similar(p[0], restrict_vocab=100))
        _same(v.most_similar_cosmul(p[:2], [p[2]], topn=25), kv.most_similar_cosmul(p[:2], [p[2]], topn=25))
        _same(v.most_similar_cosmul(p[0], topn=5), kv.most_similar_cosmul(p[0], topn=5))
        np.testing.assert_allclose(v.most_similar(p[:2], topn=None), kv.most_similar(p[:2], topn=None), atol=1e-5)
        assert v.similarity(p[0], p[1]) == pytest.approx(float(kv.similarity(p[0], p[1])), abs=1e-5)
        assert v.n_similarity(p[:2], p[1:]) == pytest.approx(float(kv.n_similarity(p[:2], p[1:])), abs=1e-5)
        assert v.rank(p[0], p[1]) == kv.rank(p[0], p[1])
        group = [words[i] for i in rng.choice(400, 6, replace=False)]
        assert v.doesnt_match(group) == kv.doesnt_match(group)
        np.testing.assert_allclose(v.get_vector(p[0], norm=True), kv.get_vector(p[0], norm=True), atol=1e-6)


def test_reads_gensim_files_with_limit(tmp_path):
    v, kv, _, words = _pair()
    from gensim.models import KeyedVectors
    for binary in (True, False):
        p = str(tmp_path / f"g{int(binary)}")
        kv.save_word2vec_format(p, binary=binary)
        ours, theirs = w2v.load(p, limit=50), KeyedVectors.load_word2vec_format(p, binary=binary, limit=50)
        assert ours.index_to_key == theirs.index_to_key
        np.testing.assert_allclose(ours.vectors, theirs.vectors, atol=1e-6)
        # and gensim reads what w2v writes
        q = str(tmp_path / f"w{int(binary)}")
        v.save_word2vec_format(q, binary=binary)
        back = KeyedVectors.load_word2vec_format(q, binary=binary)
        assert back.index_to_key == words
        np.testing.assert_allclose(back.vectors, v.vectors, atol=1e-6)
