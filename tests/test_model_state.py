"""Models that can be kept: save/load, checkpoints and exact resume, continued
training, context vectors, the training loss and training from Python.

Exact parts (loss, resume, API = CLI) are checked against an independent
numpy reference or byte for byte; learning is checked statistically on the
planted corpus (conftest.py: planted)."""
from __future__ import annotations

import os
import signal
import subprocess

import numpy as np
import pytest

import w2v
from w2v.config import Params
from w2v.corpus import count_corpus
from w2v.errors import W2VError
from w2v.model import Model
from w2v.trainer import Trainer, plan
from w2vtest import (assert_one_line_error, console_script, planted_corpus, read_binary_vectors,
                     reference, start_train, stop_when_training, train_model)

TINY = b"a b c a e\nd a b f\nb c d a c\ne f a b\n"


@pytest.mark.parametrize("cbow,hs,negative", [(0, 0, 3), (1, 0, 3), (0, 1, 0), (1, 1, 0), (0, 1, 2)])
def test_loss_and_updates_match_a_numpy_reference(tmp_path, cbow, hs, negative):
    (tmp_path / "t.txt").write_bytes(TINY * 3)
    corpus = count_corpus(str(tmp_path / "t.txt"), 1)
    V, D = len(corpus.vocab), 6
    model, _ = train_model(Params(size=D, window=1, sample=0, cbow=cbow, hs=hs, negative=negative, iter=3,
                                  min_count=1, seed=4, batch=0), corpus)      # the pair kernel (tests/test_batch.py: the other)
    syn0, syn1, syn1neg, losses = reference(np.asarray(corpus.ids), V, D, cbow=cbow, hs=hs,
                                            negative=negative, iters=3, seed=4)
    assert (syn1neg.any() if negative else syn1.any())       # the reference trained something
    np.testing.assert_allclose(model.syn0, syn0, rtol=1e-5, atol=1e-7)
    if negative:
        np.testing.assert_allclose(model.syn1neg, syn1neg, rtol=1e-5, atol=1e-7)
    assert model.losses == pytest.approx(losses, rel=1e-5)
    assert all(x > 0 for x in model.losses)


def test_loss_outside_the_table_is_exact(tmp_path):
    """Large vectors put the dots outside C's table (|f| > 6): C clips or
    skips the gradient there, the loss is still log(1 + e^-f) exactly."""
    (tmp_path / "t.txt").write_bytes(TINY * 3)
    corpus = count_corpus(str(tmp_path / "t.txt"), 1)
    V, D = len(corpus.vocab), 6
    model = plan(Model.new(Params(size=D, window=1, sample=0, cbow=0, hs=0, negative=3, iter=1, batch=0,
                                  min_count=1, seed=4), corpus.vocab), len(corpus.ids), 1, "")
    model.syn0 *= 4000.0           # |syn0| ~ 200: dots far outside [-6, 6] once syn1neg moves
    model.syn1neg[:] = np.random.default_rng(0).normal(0, 0.05, model.syn1neg.shape).astype(np.float32)
    start0, start1 = model.syn0.copy(), model.syn1neg.copy()
    Trainer(model, corpus.ids, threads=1).run()
    ref = reference(np.asarray(corpus.ids), V, D, cbow=0, hs=0, negative=3, iters=1, seed=4,
                    syn0=start0, syn1neg=start1)[3][0]
    assert ref > 20          # mostly saturated, wrong-way dots: a large exact loss
    assert model.losses[0] == pytest.approx(ref, rel=1e-5)


# ------------------------------------------------------------------ the planted corpus (conftest.py: planted)
def group_precision(vectors, groups, k=5):
    """Mean share of each planted word's k nearest words that are in its group."""
    hits = []
    for grp in groups:
        names = {w.decode() for w in grp}
        for w in names:
            top = [x for x, _ in vectors.most_similar(w, topn=k)]
            hits.append(sum(x in names for x in top) / k)
    return float(np.mean(hits))


def test_loss_decreases_over_epochs(planted):
    folder, groups = planted
    for cbow in (0, 1):
        m = w2v.train(str(folder / "corpus.txt"), cbow=cbow, size=16, iter=5, min_count=1, threads=2)
        assert len(m.losses) == 5
        assert m.losses[-1] < m.losses[0] * 0.95, m.losses
        assert m.losses[1] < m.losses[0] and m.losses[2] < m.losses[1], m.losses


def test_python_api_trains_saves_loads_and_continues(planted, tmp_path):
    folder, groups = planted
    seen = []
    m = w2v.train(str(folder / "corpus.txt"), cbow=0, size=16, iter=3, min_count=1, threads=2,
                  callbacks=[seen.append])
    assert [i.epoch for i in seen] == [1, 2, 3] and all(i.epochs == 3 for i in seen)
    assert [i.loss for i in seen] == m.losses and all(i.words_per_sec > 0 for i in seen)
    assert group_precision(m.vectors, groups) > 0.9
    assert m.context_vectors.vectors.shape == m.vectors.vectors.shape
    m.save(str(tmp_path / "m.w2vm"))
    back = w2v.Model.load(str(tmp_path / "m.w2vm"))
    assert back.params == m.params and back.vocab.words == m.vocab.words
    assert (back.vocab.counts == m.vocab.counts).all()
    for name in ("syn0", "syn1neg"):
        assert np.array_equal(getattr(back, name), getattr(m, name))
    assert back.syn1 is None and back.losses == m.losses and back.epoch == 3
    text = (folder / "corpus.txt").read_bytes()
    assert back.words_done == m.words_done == 3 * (len(text.split()) + text.count(b"\n"))  # words + ends
    with pytest.raises(ValueError):
        back.syn0[0, 0] = 1.0              # a read-only mapping of the file
    # w2v.load and the look-up commands take a model file: its word vectors
    v = w2v.load(str(tmp_path / "m.w2vm"))
    assert v.words == back.vectors.words and np.array_equal(v.vectors, m.syn0)


def test_a_callback_returning_false_stops_training(planted):
    folder, _ = planted
    m = w2v.train(str(folder / "corpus.txt"), size=8, iter=5, min_count=1, threads=1,
                  callbacks=[lambda info: info.epoch < 2])
    assert m.epoch == 2 and len(m.losses) == 2 and not m.progress.finished


def test_continued_model_keeps_its_neighbours_and_learns_new_words(planted, tmp_path):
    folder, groups = planted
    m = w2v.train(str(folder / "corpus.txt"), cbow=0, size=16, iter=3, min_count=1, threads=2)
    before = group_precision(m.vectors, groups)
    new = planted_corpus(tmp_path / "new.txt", groups=3, per_group=10, tokens=30_000, seed=9, noise=0.1)
    text = (tmp_path / "new.txt").read_bytes().replace(b"g", b"n")    # words n0w0 ... : new groups
    (tmp_path / "new.txt").write_bytes(text)
    new = [[w.replace(b"g", b"n") for w in grp] for grp in new]
    old_rows = {w: m.syn0[i].copy() for i, w in enumerate(m.vocab.words)}
    # without -update-vocab the new words are skipped: here nothing is left to train on
    same = w2v.Model.load(_saved(m, tmp_path / "a.w2vm"))
    with pytest.raises(W2VError, match="has no word of the vocabulary"):
        same.train_more(str(tmp_path / "new.txt"), iter=1)
    same.train_more(str(folder / "corpus.txt"), iter=1)
    assert same.vocab.words == m.vocab.words and same.epoch == 1 and same.progress.runs == 1
    m.train_more(str(tmp_path / "new.txt"), iter=3, update_vocab=True, threads=2)
    words = set(m.vocab.words)
    assert all(w in words for grp in new for w in grp)
    assert len(m.vocab) == 201 + 30
    counts = m.vocab.counts
    assert (np.diff(counts[1:]) <= 0).all()              # still in C's order (rows moved with words)
    # old words kept their trained rows (only the old text trained them; the new text never mentions them)
    moved = [np.array_equal(m.syn0[i], old_rows[w]) for i, w in enumerate(m.vocab.words) if w in old_rows
             and w != b"</s>"]
    assert all(moved)
    assert group_precision(m.vectors, groups) == pytest.approx(before)
    assert group_precision(m.vectors, new) > 0.9


def _saved(m, path):
    m.save(str(path))
    return str(path)


def test_update_vocab_with_hierarchical_softmax_is_refused(planted, tmp_path):
    folder, _ = planted
    m = w2v.train(str(folder / "corpus.txt"), size=8, iter=1, min_count=1, hs=1, negative=0, threads=1)
    with pytest.raises(W2VError, match="-update-vocab 1 cannot be used with -hs 1"):
        m.train_more(str(folder / "corpus.txt"), iter=1, update_vocab=True)


# ------------------------------------------------------------------ the command line
FLAGS = ["-size", "12", "-min-count", "1", "-cbow", "0", "-threads", "1", "-seed", "5", "-binary", "1",
         "-debug", "1"]


def test_api_and_cli_write_the_same_bytes(planted, tmp_path, w2v_cli):
    folder, _ = planted
    corpus = str(folder / "corpus.txt")
    res = w2v_cli("train", "-train", corpus, "-output", "cli.bin", "-iter", "2", *FLAGS)
    assert res.returncode == 0, str(res)
    m = w2v.train(corpus, size=12, min_count=1, cbow=0, threads=1, seed=5, iter=2)
    m.save_vectors(str(tmp_path / "api.bin"), binary=True)
    lines = open(corpus, "rb").read().decode().splitlines()
    m2 = w2v.train((ln.split() for ln in lines), size=12, min_count=1, cbow=0, threads=1, seed=5, iter=2)
    m2.save_vectors(str(tmp_path / "iter.bin"), binary=True)
    cli = (tmp_path / "cli.bin").read_bytes()
    assert cli == (tmp_path / "api.bin").read_bytes() == (tmp_path / "iter.bin").read_bytes()
    # the per-epoch loss line at -debug 1
    assert sum(ln.startswith("epoch ") and " per example, " in ln for ln in res.err_lines) == 2


def test_context_vectors_and_w_plus_c(planted, tmp_path, w2v_cli):
    folder, _ = planted
    args = ["-train", str(folder / "corpus.txt"), "-iter", "1", *FLAGS]
    res = w2v_cli("train", *args, "-output", "w.bin", "-save-context", "c.bin", "-save-model", "m.w2vm")
    assert res.returncode == 0, str(res)
    res = w2v_cli("train", *args, "-output", "wc.bin", "-add-context", "1")
    assert res.returncode == 0, str(res)
    m = w2v.Model.load(str(tmp_path / "m.w2vm"))
    words, w = read_binary_vectors(str(tmp_path / "w.bin"))
    _, c = read_binary_vectors(str(tmp_path / "c.bin"))
    _, wc = read_binary_vectors(str(tmp_path / "wc.bin"))
    assert words == m.vocab.words
    assert np.array_equal(w, m.syn0) and np.array_equal(c, m.syn1neg) and c.any()
    assert np.array_equal(wc, m.syn0 + m.syn1neg)


@pytest.fixture(scope="module")
def long_corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("long")
    planted_corpus(folder / "long.txt", groups=30, per_group=20, tokens=400_000, seed=1, noise=0.3)
    return folder / "long.txt"


BATCHED_HS = ("-hs", "1", "-negative", "0", "-batch", "1")
BATCHED_CBOW = ("-cbow", "1")


@pytest.mark.parametrize("sig,where,kernel", [(signal.SIGINT, (0, 0.3), ()), (signal.SIGTERM, (1, 0.2), ()),
                                              (signal.SIGINT, (2, 0.0), ()), (signal.SIGTERM, (1, 0.2), BATCHED_HS),
                                              (signal.SIGINT, (1, 0.3), BATCHED_CBOW)])
def test_interrupted_and_resumed_run_is_byte_identical(long_corpus, tmp_path, sig, where, kernel, w2v_cli):
    args = ["-train", long_corpus, "-iter", "10", "-size", "24", "-min-count", "1", "-cbow", "0",
            "-threads", "1", "-seed", "3", "-binary", "1", "-debug", "1", *kernel]
    full = w2v_cli("train", *args, "-output", "full.bin")
    assert full.returncode == 0, str(full)
    rc, err = stop_when_training(start_train([*args, "-output", "part.bin", "-checkpoint", "ck.w2vm"], tmp_path),
                                  sig, *where)
    assert rc == (130 if sig == signal.SIGINT else 143), err
    last = err.strip().splitlines()[-1]
    assert last.startswith("w2v train: interrupted: ") and "w2v train -resume ck.w2vm" in last, err
    assert "Traceback" not in err
    assert not (tmp_path / "part.bin").exists()
    ck = w2v.Model.load(str(tmp_path / "ck.w2vm"))
    # the state at the stop, not at the last epoch end
    assert ck.epoch >= where[0] and 0 < ck.words_done and not ck.progress.finished
    stream = ck.progress.streams[0]
    if where[1] > 0:      # stopped inside an epoch (or with its share done, before its end)
        assert stream.begun and stream.start < stream.pos <= stream.end, stream
    res = w2v_cli("train", "-resume", "ck.w2vm", "-debug", "0")
    assert res.returncode == 0, str(res)
    assert (tmp_path / "part.bin").read_bytes() == (tmp_path / "full.bin").read_bytes()


def test_periodic_checkpoints_change_nothing(long_corpus, tmp_path, w2v_cli):
    args = ["-train", long_corpus, "-iter", "2", "-size", "16", "-min-count", "1", "-cbow", "1",
            "-threads", "1", "-seed", "8", "-binary", "1", "-debug", "0"]
    assert w2v_cli("train", *args, "-output", "a.bin").returncode == 0
    res = w2v_cli("train", *args, "-output", "b.bin", "-checkpoint", "ck.w2vm", "-checkpoint-every", "0.0002")
    assert res.returncode == 0, str(res)
    assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()
    ck = w2v.Model.load(str(tmp_path / "ck.w2vm"))
    assert ck.progress.finished and ck.epoch == 2


def test_resume_with_several_threads_trains_as_well(long_corpus, tmp_path, w2v_cli):
    args = ["-train", long_corpus, "-iter", "8", "-size", "16", "-min-count", "1", "-cbow", "0",
            "-threads", "2", "-binary", "1", "-debug", "1"]
    rc, err = stop_when_training(start_train([*args, "-output", "v.bin", "-checkpoint", "ck.w2vm"], tmp_path),
                                  signal.SIGINT, 1, 0.1)
    assert rc == 130, err
    res = w2v_cli("train", "-resume", "ck.w2vm", "-threads", "1")      # a job flag may change
    assert res.returncode == 0, str(res)
    m = w2v.Model.load(str(tmp_path / "ck.w2vm"))
    assert m.progress.finished and len(m.progress.streams) == 2 and len(m.losses) == 8
    v = w2v.load(str(tmp_path / "v.bin"))
    groups = [[b"g%dw%d" % (g, i) for i in range(20)] for g in range(30)]
    assert group_precision(v, groups) > 0.8


def test_resume_errors(long_corpus, tmp_path, w2v_cli):
    args = ["-train", long_corpus, "-iter", "30", "-size", "8", "-min-count", "1", "-threads", "1",
            "-debug", "1"]
    rc, _ = stop_when_training(start_train([*args, "-output", "v.bin", "-checkpoint", "ck.w2vm"], tmp_path),
                                signal.SIGINT, 0, 0.2)
    assert rc == 130
    assert_one_line_error(w2v_cli("train", "-resume", "ck.w2vm", "-size", "9"), contains="-size 9 differs")
    other = tmp_path / "other.txt"
    other.write_bytes(long_corpus.read_bytes()[:-1000] + b"\n")
    assert_one_line_error(w2v_cli("train", "-resume", "ck.w2vm", "-train", str(other)),
                          contains="is not the text this checkpoint was trained on")
    assert_one_line_error(w2v_cli("train", "-resume", "ck.w2vm", "-continue", "ck.w2vm"),
                          contains="cannot be given with -resume")
    w2v_cli("train", "-train", long_corpus, "-iter", "1", "-size", "8", "-min-count", "1", "-output", "x.bin",
            "-save-model", "saved.w2vm", "-debug", "0")
    assert_one_line_error(w2v_cli("train", "-resume", "saved.w2vm"), contains="use -continue")
    data = (tmp_path / "ck.w2vm").read_bytes()
    (tmp_path / "cut.w2vm").write_bytes(data[:len(data) // 2])
    assert_one_line_error(w2v_cli("train", "-resume", "cut.w2vm"), contains="truncated")
    assert_one_line_error(w2v_cli("train", "-resume", "x.bin"), contains="not a w2v model")
    assert_one_line_error(w2v_cli("train", "-train", long_corpus, "-continue", "x.bin", "-output", "y.bin"),
                          contains="not a w2v model")


@pytest.mark.parametrize("flags,message", [
    (["-negative", "0", "-hs", "1", "-save-context", "c.bin"], "-save-context needs -negative N > 0"),
    (["-negative", "0", "-hs", "1", "-add-context", "1"], "-add-context 1 needs -negative N > 0"),
    (["-update-vocab", "1"], "-update-vocab 1 needs -continue"),
    (["-checkpoint-every", "0"], "-checkpoint-every must be > 0"),
    (["-add-context", "2"], "-add-context must be 0 or 1"),
    (["-min-alpha", "0.5"], "-min-alpha must be between 0 and the starting -alpha"),
    (["-save-model", "o.bin"], "are the same file"),
])
def test_flag_errors(tmp_path, w2v_cli, flags, message):
    (tmp_path / "t.txt").write_bytes(TINY)
    assert_one_line_error(w2v_cli("train", "-train", "t.txt", "-output", "o.bin", "-min-count", "1", *flags),
                          contains=message)
    assert not (tmp_path / "o.bin").exists()


def test_init_vectors(tmp_path, w2v_cli):
    (tmp_path / "t.txt").write_bytes(TINY * 20)
    (tmp_path / "init.txt").write_bytes(b"3 4\na 1 2 3 4\nzz 5 6 7 8\nc -1 -2 -3 -4\n")
    res = w2v_cli("train", "-train", "t.txt", "-output", "o.bin", "-binary", "1", "-size", "4",
                  "-min-count", "1", "-iter", "1", "-alpha", "1e-9", "-init-vectors", "init.txt",
                  "-threads", "1", "-debug", "1")
    assert res.returncode == 0, str(res)
    assert "Initial vectors: 2 of 7 words" in res.stderr.decode()
    words, m = read_binary_vectors(str(tmp_path / "o.bin"))
    idx = {w: i for i, w in enumerate(words)}
    np.testing.assert_allclose(m[idx[b"a"]], [1, 2, 3, 4], atol=1e-5)
    np.testing.assert_allclose(m[idx[b"c"]], [-1, -2, -3, -4], atol=1e-5)
    assert abs(m[idx[b"b"]]).max() < 0.2            # C's small random start
    assert_one_line_error(w2v_cli("train", "-train", "t.txt", "-output", "o.bin", "-size", "5", "-min-count", "1",
                                  "-init-vectors", "init.txt"), contains="has 4 dimensions, but -size is 5")


def test_continue_from_the_command_line(planted, tmp_path, w2v_cli):
    folder, groups = planted
    res = w2v_cli("train", "-train", str(folder / "corpus.txt"), "-iter", "1", "-size", "12", "-min-count", "1",
                  "-save-model", "m.w2vm", "-debug", "0")
    assert res.returncode == 0, str(res)
    res = w2v_cli("train", "-continue", "m.w2vm", "-train", str(folder / "corpus.txt"), "-iter", "2",
                  "-output", "v.bin", "-save-model", "m2.w2vm", "-debug", "0")
    assert res.returncode == 0, str(res)
    m2 = w2v.Model.load(str(tmp_path / "m2.w2vm"))
    assert m2.params.iter == 2 and m2.progress.runs == 1 and m2.progress.finished
    assert_one_line_error(w2v_cli("train", "-continue", "m.w2vm", "-train", str(folder / "corpus.txt"),
                                  "-size", "20", "-output", "v.bin"), contains="-size 20 differs from the model's 12")


def test_temporary_file_limit_is_one_line(tmp_path):
    planted_corpus(tmp_path / "t.txt", tokens=200_000)
    p = subprocess.run(["bash", "-c", f"ulimit -f 64; exec {console_script()} train -train t.txt -output o.bin"],
                       cwd=str(tmp_path), capture_output=True, timeout=60)
    assert p.returncode == 1 and b"Traceback" not in p.stderr, p.stderr
    assert p.stderr.decode().strip().splitlines()[-1].startswith("w2v train: error: cannot write a temporary file")


def test_nul_bytes_in_a_corpus_get_a_warning(tmp_path, w2v_cli):
    (tmp_path / "t.txt").write_bytes(TINY * 10 + b"\x00\x01binary\n")
    res = w2v_cli("train", "-train", "t.txt", "-output", "o.bin", "-min-count", "1", "-iter", "1", "-debug", "0")
    assert res.returncode == 0
    assert res.err_lines == [f"warning: training file 't.txt' has a NUL byte at offset {len(TINY) * 10}: "
                             "is it a text file?"]


def test_model_file_checks_its_hyperparameters(tmp_path):
    (tmp_path / "t.txt").write_bytes(TINY * 10)
    m = w2v.train(str(tmp_path / "t.txt"), size=4, iter=1, min_count=1, threads=1)
    m.params = m.params.replace(size=4)
    object.__setattr__(m.params, "window", -3)          # as a tampered file would hold it
    m.save(str(tmp_path / "bad.w2vm"))
    with pytest.raises(W2VError, match="invalid hyperparameters: -window must be between 1 and 10000"):
        w2v.Model.load(str(tmp_path / "bad.w2vm"))
    assert os.path.exists(tmp_path / "bad.w2vm")


def test_checkpoint_of_several_processes_keeps_every_rank_s_progress(tmp_path):
    """The records of K ranks (mpiexec) round-trip through the file; a
    record out of range is a one-line error; a plain model has none."""
    (tmp_path / "t.txt").write_bytes(TINY * 10)
    m = w2v.train(str(tmp_path / "t.txt"), size=4, iter=2, min_count=1, threads=2)
    pr = m.progress
    other = pr.own()
    other.words_done = 77
    other.streams[0].pos, other.streams[0].rng = other.streams[0].start + 1, (1 << 64) - 1
    pr.ranks, pr.job_words = [pr.own(), other], 123
    m.save(str(tmp_path / "ck.w2vm"), checkpoint=True)
    m.save(str(tmp_path / "plain.w2vm"))
    back = w2v.Model.load(str(tmp_path / "ck.w2vm")).progress
    assert back.job_words == 123 and len(back.ranks) == 2
    r1 = back.for_rank(1)
    assert (r1.words_done, r1.corpus_words, r1.epoch, r1.epochs, r1.job_words) == (77, pr.corpus_words, 2, 2, 123)
    assert r1.streams == other.streams and r1.losses == pr.losses
    assert back.for_rank(0).streams == pr.streams
    assert not w2v.Model.load(str(tmp_path / "plain.w2vm")).progress.ranks
    other.streams[0].pos = other.streams[0].end + 1          # beyond the stream's share
    m.save(str(tmp_path / "bad.w2vm"), checkpoint=True)
    with pytest.raises(W2VError, match=r"invalid progress \(stream 0 is out of range\)"):
        w2v.Model.load(str(tmp_path / "bad.w2vm"))
