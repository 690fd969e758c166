"""Paragraph vectors (-sentence-vectors 1): the first token of each line is
the line's document ID, trained as a context of every word of the line.

The updates are checked against the numpy reference of test_model_state
(which replays the kernel's random draws); learning statistically on planted
documents of two topics; the rest (IDs whatever -min-count, long lines,
reproducibility, resume, the model file, errors) exactly."""
from __future__ import annotations

import random
import signal

import numpy as np
import pytest

import w2v
from w2v import _tables
from w2v.config import Params
from w2v import pipeline
from w2v.corpus import TextSource, count_corpus
from w2v.errors import W2VError
from w2v.model import Model
from w2v.trainer import Trainer, plan
from mpitest import run_mpi
from w2vtest import (assert_one_line_error, console_script, read_binary_vectors, read_text_vectors, reference,
                     start_train, stop_when_training)

DOCS = b"d1 a b c a e\nd2 d a b f\n\nd1 b c d a c\nd3 e f a b\nd4 a\nd5\n"


def test_the_first_token_of_each_line_is_its_document(tmp_path):
    (tmp_path / "t.txt").write_bytes(DOCS)
    corpus = count_corpus(str(tmp_path / "t.txt"), 1, docs=True)
    V = len(corpus.vocab)
    assert corpus.docs == [b"d1", b"d2", b"d3", b"d4", b"d5"]          # d1 twice: one document
    assert b"d1" not in corpus.vocab.words and V == 7                  # </s> a b c d e f
    w = {word: i for i, word in enumerate(corpus.vocab.words)}
    line = lambda doc, text: [V + doc] + [w[x] for x in text.split()] + [0]     # noqa: E731
    expected = (line(0, b"a b c a e") + line(1, b"d a b f") + [0] + line(0, b"b c d a c")
                + line(2, b"e f a b") + line(3, b"a") + line(4, b""))
    assert list(corpus.ids) == expected
    # the words are counted without the IDs
    assert dict(zip(corpus.vocab.words, corpus.vocab.counts.tolist()))[b"a"] == 6


@pytest.mark.parametrize("cbow,hs,negative", [(0, 0, 3), (1, 0, 3), (0, 1, 0), (1, 1, 0), (0, 1, 2)])
def test_updates_match_the_numpy_reference(tmp_path, cbow, hs, negative):
    (tmp_path / "t.txt").write_bytes(DOCS * 3)
    corpus = count_corpus(str(tmp_path / "t.txt"), 1, docs=True)
    V, D, n = len(corpus.vocab), 6, len(corpus.docs)
    p = Params(size=D, window=1, sample=0, cbow=cbow, hs=hs, negative=negative, iter=3, min_count=1, seed=4,
               batch=0, sentence_vectors=1)
    model = plan(Model.new(p, corpus.vocab, corpus.docs), len(corpus.ids), 1, corpus.fingerprint)
    Trainer(model, corpus.ids, threads=1).run()
    syn0, syn1, syn1neg, losses = reference(np.asarray(corpus.ids), V, D, cbow=cbow, hs=hs, negative=negative,
                                            iters=3, seed=4, docs=n)
    np.testing.assert_allclose(model.syn0, syn0[:V], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(model.docs, syn0[V:], rtol=1e-5, atol=1e-7)
    assert model.losses == pytest.approx(losses, rel=1e-5)
    # every document of a line with a word was trained (d5 has none: its initial row)
    init = _tables.init_syn0(V + n, D, 4)[V:]
    assert [bool((model.docs[k] != init[k]).any()) for k in range(n)] == [True, True, True, True, False]


def docs_corpus(path, docs_per_topic=40, length=60, seed=3):
    """Documents of two topics (words a0..a19 or b0..b19 half the time,
    shared filler words otherwise), IDs doc_a<k> and doc_b<k>, shuffled."""
    rng = random.Random(seed)
    topics = {t: [f"{t}{i}" for i in range(20)] for t in "ab"}
    filler = [f"f{i}" for i in range(40)]
    lines = []
    for k in range(docs_per_topic):
        for t in "ab":
            words = [rng.choice(topics[t]) if rng.random() < 0.5 else rng.choice(filler) for _ in range(length)]
            lines.append(" ".join([f"doc_{t}{k}"] + words))
    rng.shuffle(lines)
    path.write_text("\n".join(lines) + "\n")
    return path


def same_topic_share(words, vectors):
    """Share of the documents whose nearest other document (cosine) is of its topic."""
    idx = [i for i, w in enumerate(words) if w.startswith(b"doc_")]
    v = vectors[idx] / np.linalg.norm(vectors[idx], axis=1, keepdims=True)
    s = v @ v.T
    np.fill_diagonal(s, -2)
    topic = np.array([words[i][4:5] for i in idx])
    return float((topic[s.argmax(1)] == topic).mean())


KERNELS = {"sg-batch": ["-cbow", "0"], "sg-ns": ["-cbow", "0", "-batch", "0"],
           "sg-hs": ["-cbow", "0", "-hs", "1", "-negative", "0"],
           "sg-hs-pair": ["-cbow", "0", "-hs", "1", "-negative", "0", "-batch", "0"], "cbow-ns": ["-cbow", "1"],
           "cbow-ns-pair": ["-cbow", "1", "-batch", "0"],
           "cbow-hs": ["-cbow", "1", "-hs", "1", "-negative", "0"]}


@pytest.mark.parametrize("kernel", sorted(KERNELS))
def test_documents_end_nearest_their_topic(tmp_path, w2v_cli, kernel):
    docs_corpus(tmp_path / "docs.txt")
    res = w2v_cli("train", "-train", "docs.txt", "-output", "v.txt", "-sentence-vectors", "1", "-size", "20",
                  "-min-count", "5", "-iter", "10", "-threads", "2", *KERNELS[kernel])
    assert res.returncode == 0, str(res)
    words, vectors = read_text_vectors(str(tmp_path / "v.txt"))
    # every ID (each seen once, below -min-count 5) after the words, and no ID as a word
    assert [w for w in words if w.startswith(b"doc_")] == words[-80:] and len(words) == 1 + 40 + 40 + 80
    assert same_topic_share(words, vectors) >= 0.95


def test_a_long_line_is_one_document(tmp_path, w2v_cli):
    """A 5,000-word line: one ID (C's cut at 1,000 words would make the first
    word of each later piece an ID) whose vector the words after the cut train."""
    rng = random.Random(5)
    head = " ".join(rng.choice("abcdefgh") for _ in range(1000))
    for name, tail in (("x", "p q r s"), ("y", "t u v w")):
        body = " ".join(rng.choice(tail.split()) for _ in range(4000))
        (tmp_path / f"{name}.txt").write_text(f"long {head} {body}\nshort {head[:200]}\n")
        res = w2v_cli("train", "-train", f"{name}.txt", "-output", f"{name}.bin", "-binary", "1", "-iter", "1",
                      "-sentence-vectors", "1", "-min-count", "1", "-size", "8", "-threads", "1", "-sample", "0",
                      "-cbow", "0", "-batch", "0")
        assert res.returncode == 0, str(res)
    wx, vx = read_binary_vectors(str(tmp_path / "x.bin"))
    wy, vy = read_binary_vectors(str(tmp_path / "y.bin"))
    assert wx[-2:] == wy[-2:] == [b"long", b"short"] and len(wx) == 1 + 8 + 4 + 2
    # the same first 1,000 words, other words after them: the ID's vector differs
    assert not np.array_equal(vx[-2], vy[-2])


def test_threads_1_seed_reproducible_and_save_model(tmp_path, w2v_cli):
    docs_corpus(tmp_path / "docs.txt", docs_per_topic=10)
    args = ["-train", "docs.txt", "-sentence-vectors", "1", "-size", "12", "-iter", "2", "-threads", "1",
            "-binary", "1"]
    for out, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        res = w2v_cli("train", *args, "-seed", seed, "-output", f"{out}.bin", "-save-model", f"{out}.w2vm")
        assert res.returncode == 0, str(res)
    a, b, c = ((tmp_path / f"{x}.bin").read_bytes() for x in "abc")
    assert a == b and a != c
    m = w2v.Model.load(str(tmp_path / "a.w2vm"))
    words, vectors = read_binary_vectors(str(tmp_path / "a.bin"))
    assert m.doc_ids == words[len(m.vocab):] and len(m.doc_ids) == 20
    assert np.array_equal(m.docs, vectors[len(m.vocab):]) and np.array_equal(m.syn0, vectors[:len(m.vocab)])
    assert m.doc_vectors.most_similar(m.doc_ids[0].decode(), topn=3)


def test_python_api(tmp_path):
    docs_corpus(tmp_path / "docs.txt")
    m = w2v.train(str(tmp_path / "docs.txt"), sentence_vectors=True, size=20, iter=10, threads=1, min_count=5)
    assert m.params.sentence_vectors == 1 and len(m.doc_ids) == 80 and m.docs.shape == (80, 20)
    dv = m.doc_vectors
    hits = [dv.most_similar(f"doc_a{k}", topn=1)[0][0].startswith("doc_a") for k in range(40)]
    assert sum(hits) >= 38
    # sentences as token lists: the first token is the ID
    m2 = w2v.train([["x", "a", "b"], ["y", "b", "c"], ["x", "c", "a"]], sentence_vectors=True, min_count=1,
                   size=4, iter=1)
    assert m2.doc_ids == [b"x", b"y"]
    with pytest.raises(W2VError, match="no document vectors"):
        w2v.train([["a", "b", "c"]], min_count=1, size=4, iter=1).doc_vectors


def test_interrupted_and_resumed_run_is_byte_identical(tmp_path, w2v_cli):
    rng = random.Random(2)
    # lines longer than 1,000 words, so that the stop can fall inside a line
    lines = [" ".join([f"id{k % 40}"] + [rng.choice("abcdefghijklmnop") for _ in range(rng.randrange(2, 3000))])
             for k in range(150)]
    (tmp_path / "t.txt").write_text("\n".join(lines) + "\n")
    args = ["-train", "t.txt", "-iter", "8", "-size", "24", "-sentence-vectors", "1", "-threads", "1", "-seed",
            "3", "-binary", "1", "-debug", "1", "-cbow", "0"]
    full = w2v_cli("train", *args, "-output", "full.bin")
    assert full.returncode == 0, str(full)
    rc, err = stop_when_training(start_train([*args, "-output", "part.bin", "-checkpoint", "ck.w2vm"], tmp_path),
                                  signal.SIGINT, 1, 0.1)
    assert rc == 130, err
    ck = w2v.Model.load(str(tmp_path / "ck.w2vm"))
    assert not ck.progress.finished and len(ck.doc_ids) == 40
    res = w2v_cli("train", "-resume", "ck.w2vm", "-debug", "0")
    assert res.returncode == 0, str(res)
    assert (tmp_path / "part.bin").read_bytes() == (tmp_path / "full.bin").read_bytes()


@pytest.mark.parametrize("flags,message", [
    (["-sentence-vectors", "2"], "-sentence-vectors must be 0 or 1 (got 2)"),
    (["-sentence-vectors", "1", "-classes", "2"], "-classes writes word classes; it cannot be combined with "
                                                  "-sentence-vectors 1"),
    (["-sentence-vectors", "1", "-continue", "m.w2vm"], "-sentence-vectors 1 is not supported with -continue"),
])
def test_flag_errors(tmp_path, w2v_cli, flags, message):
    (tmp_path / "t.txt").write_bytes(DOCS * 3)
    assert w2v_cli("train", "-train", "t.txt", "-min-count", "1", "-size", "4", "-iter", "1",
                   "-save-model", "m.w2vm").returncode == 0
    res = w2v_cli("train", "-train", "t.txt", "-output", "v.txt", "-min-count", "1", *flags)
    assert_one_line_error(res, contains=message)
    assert not (tmp_path / "v.txt").exists()


def test_continuing_a_paragraph_vector_model_is_refused(tmp_path, w2v_cli):
    (tmp_path / "t.txt").write_bytes(DOCS * 3)
    assert w2v_cli("train", "-train", "t.txt", "-min-count", "1", "-size", "4", "-iter", "1",
                   "-sentence-vectors", "1", "-save-model", "m.w2vm").returncode == 0
    res = w2v_cli("train", "-train", "t.txt", "-output", "v.txt", "-continue", "m.w2vm")
    assert_one_line_error(res, contains="-sentence-vectors 1 is not supported with -continue")


def test_model_file_documents_are_checked(tmp_path):
    from w2v import modelfile

    (tmp_path / "t.txt").write_bytes(DOCS * 3)
    m = w2v.train(str(tmp_path / "t.txt"), sentence_vectors=True, min_count=1, size=4, iter=1)
    m.save(str(tmp_path / "m.w2vm"))
    arrays, meta = modelfile.read(str(tmp_path / "m.w2vm"), mmap=False)
    for name, value, message in [("docs", np.zeros((2, 4), np.float32), "array 'docs' is float32 (2, 4), "
                                  "expected float32 (5, 4)"),
                                 ("docs.bytes", None, "array 'docs.bytes' is missing")]:
        bad = dict(arrays)
        if value is None:
            del bad[name]
        else:
            bad[name] = value
        modelfile.write(str(tmp_path / "bad.w2vm"), bad, meta)
        with pytest.raises(W2VError, match=message.replace("(", r"\(").replace(")", r"\)")):
            w2v.Model.load(str(tmp_path / "bad.w2vm"))
    meta["params"]["sentence_vectors"] = 0
    modelfile.write(str(tmp_path / "bad.w2vm"), arrays, meta)
    with pytest.raises(W2VError, match="array 'docs' does not fit the hyperparameters"):
        w2v.Model.load(str(tmp_path / "bad.w2vm"))


def test_several_processes_are_refused(tmp_path):
    (tmp_path / "t.txt").write_bytes(DOCS * 3)
    res = run_mpi([console_script(), "train", "-train", "t.txt", "-output", "v.txt", "-min-count", "1",
                   "-sentence-vectors", "1"], str(tmp_path))
    assert_one_line_error(res, contains="-sentence-vectors 1 is not supported with several processes "
                                        "(mpiexec -n 2)")
    assert not (tmp_path / "v.txt").exists()


# ------------------------------------------------------------------ inference
@pytest.mark.parametrize("cbow", [0, 1])
def test_inference_matches_the_numpy_reference(tmp_path, cbow):
    """Words and outputs frozen: only the new documents' rows change, as the
    reference computes them (the model's counts are the text's: same text)."""
    (tmp_path / "t.txt").write_bytes(DOCS * 3)
    m = w2v.train(str(tmp_path / "t.txt"), size=6, window=1, sample=0, cbow=cbow, negative=3, iter=2,
                  min_count=1, seed=4, sentence_vectors=True)
    syn0, syn1neg = m.syn0.copy(), m.syn1neg.copy()
    corpus = count_corpus(str(tmp_path / "t.txt"), 1, docs=True)
    assert corpus.vocab.words == m.vocab.words
    V, n = len(m.vocab), len(corpus.docs)
    docs = pipeline.infer(m, TextSource([str(tmp_path / "t.txt")]), epochs=3, seed=9, threads=1)
    assert docs.doc_ids == corpus.docs
    got = docs.docs
    start = np.vstack([syn0, _tables.init_syn0(n, 6, 9)])
    ref, _, ref_neg, _ = reference(np.asarray(corpus.ids), V, 6, cbow=cbow, hs=0, negative=3, iters=3, seed=9,
                                   docs=n, frozen=True, syn0=start, syn1neg=syn1neg, alpha=m.params.start_alpha)
    np.testing.assert_allclose(got, ref[V:], rtol=1e-5, atol=1e-7)
    assert np.array_equal(ref[:V], syn0) and np.array_equal(ref_neg, syn1neg)      # the reference froze them
    assert np.array_equal(m.syn0, syn0) and np.array_equal(m.syn1neg, syn1neg)      # and so did inference
    assert not np.array_equal(got, start[V:])


def test_inferred_documents_land_with_their_topic_deterministically(tmp_path, w2v_cli):
    docs_corpus(tmp_path / "docs.txt")
    docs_corpus(tmp_path / "new.txt", docs_per_topic=15, seed=11)      # other documents, same topics
    res = w2v_cli("train", "-train", "docs.txt", "-sentence-vectors", "1", "-size", "20", "-iter", "10",
                  "-cbow", "0", "-threads", "2", "-output", "v.txt", "-save-model", "m.w2vm")
    assert res.returncode == 0, str(res)
    before = (tmp_path / "m.w2vm").read_bytes()
    for out, seed, threads in (("a", "3", "2"), ("b", "3", "2"), ("c", "4", "2"), ("d", "3", "1")):
        res = w2v_cli("infer", "m.w2vm", "-train", "new.txt", "-output", f"{out}.txt", "-seed", seed,
                      "-threads", threads, "-iter", "20")
        assert res.returncode == 0, str(res)
        assert res.stdout == b"" and "Documents: 30" in res.stderr.decode()
    a, b, c = ((tmp_path / f"{x}.txt").read_bytes() for x in "abc")
    assert a == b and a != c                                             # -seed and -threads decide the bytes
    assert (tmp_path / "m.w2vm").read_bytes() == before
    m = w2v.Model.load(str(tmp_path / "m.w2vm"))
    new_ids, new = read_text_vectors(str(tmp_path / "a.txt"))
    assert len(new_ids) == 30 and all(i.startswith(b"doc_") for i in new_ids)
    trained = m.docs / np.linalg.norm(m.docs, axis=1, keepdims=True)
    near = (new / np.linalg.norm(new, axis=1, keepdims=True) @ trained.T).argmax(1)
    hits = [m.doc_ids[j][4:5] == i[4:5] for i, j in zip(new_ids, near)]
    assert sum(hits) >= 27
    # the Python API: one row per document, in order; equal to the command's with one thread
    lines = (tmp_path / "new.txt").read_text().splitlines()
    api = m.infer_vectors([ln.split()[1:] for ln in lines], epochs=20, seed=3, threads=1)
    _, d = read_text_vectors(str(tmp_path / "d.txt"))
    np.testing.assert_allclose(api, d, atol=1e-5)
    one = m.infer_vector(lines[0].split()[1:], epochs=20, seed=3)
    assert np.array_equal(one, m.infer_vector(lines[0].split()[1:], epochs=20, seed=3))


@pytest.mark.parametrize("args,message", [
    (["missing.w2vm", "-train", "new.txt", "-output", "o.txt"], "missing.w2vm"),
    (["v.txt", "-train", "new.txt", "-output", "o.txt"], "v.txt"),
    (["m.w2vm", "-train", "missing.txt", "-output", "o.txt"], "'missing.txt' not found"),
    (["m.w2vm", "-train", "empty.txt", "-output", "o.txt"], "has no document"),
    (["m.w2vm", "-train", "new.txt", "-output", "o.txt", "-iter", "0"], "-iter must be >= 1"),
    (["m.w2vm", "-train", "new.txt", "-output", "o.txt", "-alpha", "-1"], "-alpha must be > 0"),
    (["m.w2vm", "-train", "new.txt", "-output", "o.txt", "-threads", "-1"], "-threads must be >= 0"),
    (["m.w2vm", "-train", "new.txt", "-output", "nodir/o.txt"], "nodir"),
])
def test_infer_errors(tmp_path, w2v_cli, args, message):
    (tmp_path / "t.txt").write_bytes(DOCS * 3)
    (tmp_path / "new.txt").write_bytes(b"n1 a b c\nn2 d e\n")
    (tmp_path / "empty.txt").write_bytes(b"\n\n")
    assert w2v_cli("train", "-train", "t.txt", "-min-count", "1", "-size", "4", "-iter", "1", "-output", "v.txt",
                   "-save-model", "m.w2vm").returncode == 0
    res = w2v_cli("infer", *args)
    assert_one_line_error(res, command="infer", contains=message)
    assert not (tmp_path / "o.txt").exists()
