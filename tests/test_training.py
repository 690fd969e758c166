"""Training: statistical tests on a corpus with planted structure, plus exact
checks of the kernel's arithmetic on tiny hand-traceable corpora.

Planted corpus (the `planted` fixture of tests/conftest.py): 20 groups of 10 words;
each line holds 10 words of one group, and half of all tokens are replaced by
words drawn uniformly from the whole vocabulary.  A model that learns
co-occurrence puts a word's own group at the top of its neighbour list; one
that does not (the initial random vectors) scores about 9/199 = 5%."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

from w2v import _tables
from w2v.config import Params
from w2v.errors import W2VError
from w2v.corpus import count_corpus
from w2v import trainer as train_mod
from w2vtest import (BASE, MODES, assert_learned, c_tool, neighbour_precision, read_binary_vectors, train_cli,
                     train_model)


@pytest.mark.parametrize("mode", list(MODES))
def test_planted_neighbours_rank_first(planted, w2v_cli, tmp_path, mode):
    folder, groups = planted
    train_cli(w2v_cli, folder, "-threads", "1", *MODES[mode])
    assert_learned(tmp_path / "v.bin", groups)


def test_untrained_vectors_fail_the_check(planted):
    # the metric discriminates: C's initial vectors are at chance level
    _, groups = planted
    words = [b"</s>"] + [w for g in groups for w in g]
    prec = neighbour_precision(words, _tables.init_syn0(len(words), 16), groups)
    assert np.mean(list(prec.values())) < 0.2


@pytest.mark.parametrize("mode", ["sg-ns", "cbow-hs-ns"])
def test_more_threads_still_learn(planted, w2v_cli, tmp_path, mode):
    folder, groups = planted
    # (capped at the machine's cores: several Hogwild threads on any machine with >= 2)
    train_cli(w2v_cli, folder, "-threads", "4", *MODES[mode])
    assert_learned(tmp_path / "v.bin", groups)


@pytest.mark.parametrize("mode", ["sg-ns", "cbow-hs"])
def test_seed_reproducible_with_one_thread(planted, w2v_cli, tmp_path, mode):
    folder, _ = planted
    outputs = []
    for seed in ("7", "7", "8"):
        train_cli(w2v_cli, folder, "-threads", "1", "-seed", seed, "-iter", "1", *MODES[mode])
        outputs.append((tmp_path / "v.bin").read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0] != outputs[2]
    # the initialisation follows the seed too (</s>, never trained, shows it)
    w7, m7 = read_binary_vectors(str(tmp_path / "v.bin"))
    assert (m7[0] == _tables.init_syn0(len(w7), 16, 8)[0]).all()


# ------------------------------------------------------------------ every epoch, every thread
@pytest.mark.parametrize("threads", [1, 2])
def test_every_thread_trains_every_epoch(planted, threads):
    folder, _ = planted
    corpus = count_corpus(str(folder / "corpus.txt"), 1)
    model, trainer = train_model(Params(size=8, iter=3, min_count=1, cbow=0), corpus, threads)
    # word2vec.c HEAD trains the last thread's chunk only once (its EOF bug)
    assert model.words_done == 3 * len(corpus)
    assert trainer.threads == threads
    assert model.progress.epoch == 3 and len(model.losses) == 3


def test_single_word_sentences_train_nothing(tmp_path):
    # no context anywhere (one word per line): vectors stay at C's initial values
    (tmp_path / "t.txt").write_bytes(b"a\nb\nc\na\n" * 50)
    corpus = count_corpus(str(tmp_path / "t.txt"), 1)
    for cbow in (0, 1):
        model, _ = train_model(Params(size=6, iter=2, min_count=1, sample=0, hs=1, negative=2,
                                      cbow=cbow), corpus)
        assert (model.syn0 == _tables.init_syn0(4, 6)).all()
        assert not model.syn1.any() and not model.syn1neg.any()


# ------------------------------------------------------------------ exact arithmetic
def reference_hs(corpus_ids, V, D, cbow, iters, start=None, min_alpha=None):
    """word2vec.c's hierarchical softmax, written out in float32 numpy for a
    window of 1 (the random window shrink is then always 0), no subsampling,
    one thread.  Like C, a sentence ends at </s> or after 1000 words; the
    words read (</s> included) are added to the shared counter after a
    sentence once more than 10,000 are pending, and at the end of the epoch;
    alpha = start * (1 - words_done / (iter * N + 1)), floored at start * 1e-4;
    with min_alpha X: start - (start - X) * words_done / (iter * N + 1), floored at X."""
    counts = np.bincount(corpus_ids, minlength=V).astype(np.int64)
    codes, points, lens = _tables.huffman(counts)
    table = _tables.exp_table()
    syn0 = _tables.init_syn0(V, D)
    syn1 = np.zeros((V, D), dtype=np.float32)
    f32 = np.float32
    start = f32(start if start is not None else (0.05 if cbow else 0.025))
    total = iters * len(corpus_ids) + 1
    alphas = []

    def alpha_at(done):
        if min_alpha is None:
            return max(start * f32(1.0 - done / total), start * f32(1e-4))
        end = float(f32(min_alpha))
        return max(f32(float(start) - (float(start) - end) * (done / total)), f32(end))

    def hs(l1, word, neu1e, alpha):
        for d in range(lens[word]):
            l2 = syn1[points[word, d]]
            f = f32(np.dot(l1, l2))
            if f <= -6 or f >= 6:
                continue
            f = table[int((f + f32(6)) * f32(83))]       # C's integer factor 1000 / 6 / 2 = 83
            g = (f32(1) - f32(codes[word, d]) - f) * alpha
            neu1e += g * l2
            l2 += g * l1

    def train(sent, alpha):
        for a, word in enumerate(sent):
            ctx = [c for c in (a - 1, a + 1) if 0 <= c < len(sent)]
            if cbow:
                neu1 = sum((syn0[sent[c]] for c in ctx), np.zeros(D, f32)) / f32(len(ctx))
                neu1e = np.zeros(D, f32)
                hs(neu1.astype(f32), word, neu1e, alpha)
                for c in ctx:
                    syn0[sent[c]] += neu1e
            else:
                for c in ctx:
                    neu1e = np.zeros(D, f32)
                    hs(syn0[sent[c]].copy(), word, neu1e, alpha)
                    syn0[sent[c]] += neu1e

    ids = [int(w) for w in corpus_ids]
    done = 0
    for _ in range(iters):
        alpha = alpha_at(done)
        alphas.append(alpha)
        pos = pending = 0
        while pos < len(ids):
            sent = []
            while pos < len(ids):
                w = ids[pos]
                pos += 1
                pending += 1
                if w == 0:
                    break
                sent.append(w)
                if len(sent) >= 1000:
                    break
            if pending > 10_000:
                done += pending
                pending = 0
                alpha = alpha_at(done)
                alphas.append(alpha)
            if len(sent) > 1:
                train(sent, alpha)
        done += pending
    return syn0, syn1, alphas


@pytest.mark.parametrize("cbow,private", [(0, False), (1, False), (0, True)])
def test_hierarchical_softmax_updates_exactly(tmp_path, monkeypatch, cbow, private):
    """Tiny corpus, every update traceable: vocab </s> 2, a 3, b 2, c 1, d 1.
    private: skip-gram's per-thread copy of the centre word's path (used with
    several threads) must compute exactly what C's in-place updates do."""
    made = []
    if private:
        kernel = train_mod._train.Kernel

        def private_kernel(**kw):
            made.append(kernel(**dict(kw, private_paths=True)))
            return made[-1]
        monkeypatch.setattr(train_mod._train, "Kernel", private_kernel)
    (tmp_path / "t.txt").write_bytes(b"a b c a\nd a b\n")
    corpus = count_corpus(str(tmp_path / "t.txt"), 1)
    assert corpus.vocab.words == [b"</s>", b"a", b"b", b"c", b"d"]
    model, _ = train_model(Params(size=5, window=1, sample=0, hs=1, negative=0, iter=3, min_count=1,
                                  cbow=cbow, batch=0), corpus)      # C's pair order (not skip-gram's default)
    syn0, syn1, alphas = reference_hs(np.asarray(corpus.ids), 5, 5, cbow, 3)
    # N = 9 words per epoch: alpha = start * (1 - 9k / 28) at epoch k
    start = 0.05 if cbow else 0.025
    assert alphas == pytest.approx([start, start * (1 - 9 / 28), start * (1 - 18 / 28)], rel=1e-6)
    assert syn1.any()       # the reference really trained something
    np.testing.assert_allclose(model.syn1, syn1, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(model.syn0, syn0, rtol=1e-5, atol=1e-8)
    assert model.words_done == 3 * 9
    if private:
        assert made[0].path_rows == 3        # the longest path (c, d: 3 nodes) is copied


def _long_lines_corpus(tmp_path):
    """Lines of 2500, 999, 1000, 1001, 4700 and 5000 words from 40 words
    (N = 15,206 tokens with the 6 sentence ends): the counter is updated
    once within an epoch, at 10,205 words (see the test below)."""
    rng = np.random.default_rng(2)
    words = [b"w%d" % i for i in range(40)]
    probs = 1 / np.arange(1, 41)
    lines = [b" ".join(words[i] for i in rng.choice(40, size=n, p=probs / probs.sum()))
             for n in (2500, 999, 1000, 1001, 4700, 5000)]
    (tmp_path / "t.txt").write_bytes(b"\n".join(lines) + b"\n")
    corpus = count_corpus(str(tmp_path / "t.txt"), 1)
    assert len(corpus) == 15_206 and len(corpus.vocab) == 41
    return corpus


def test_min_alpha_schedule_exactly(tmp_path):
    """-min-alpha 0.004 from -alpha 0.01, two epochs, one thread: the counter
    reads 0, 10205 (epoch 1), 15206, 25411 (epoch 2) of total = 2 * 15206 + 1,
    so alpha = 0.01 - 0.006 * done / 30413 at those points; the vectors
    trained must be the numpy reference's with that schedule, and not those
    of C's schedule."""
    corpus = _long_lines_corpus(tmp_path)
    model, trainer = train_model(Params(size=4, window=1, sample=0, hs=1, negative=0, iter=2, min_count=1,
                                        cbow=1, alpha=0.01, min_alpha=0.004), corpus)
    syn0, syn1, alphas = reference_hs(np.asarray(corpus.ids), 41, 4, 1, 2, start=0.01, min_alpha=0.004)
    points = [0, 10205, 15206, 25411]
    by_hand = [0.01 - 0.006 * d / 30413 for d in points]
    assert alphas == pytest.approx(by_hand, rel=1e-6)
    np.testing.assert_allclose(model.syn1, syn1, rtol=0, atol=2e-4)
    np.testing.assert_allclose(model.syn0, syn0, rtol=0, atol=2e-4)
    c_syn0 = reference_hs(np.asarray(corpus.ids), 41, 4, 1, 2, start=0.01)[0]
    assert np.abs(model.syn0 - c_syn0).max() > 5e-3      # the schedule really changed the training
    # the kernel's rate at each counter value, bit for bit
    k = trainer.kernel
    assert k.words_done == 2 * 15206
    assert [k.alpha_at(d) for d in points] == [float(a) for a in alphas]
    # the end point and the floor: X itself, never below
    assert k.alpha_at(30413) == float(np.float32(0.004))
    assert k.alpha_at(10 ** 6) == float(np.float32(0.004))


@pytest.mark.parametrize("min_alpha", [None, 0.0, 0.0125, 0.05])
def test_alpha_at_matches_the_schedule(tmp_path, min_alpha):
    """Without -min-alpha, C's arithmetic (decay to 0, floor alpha * 1e-4);
    with 0 <= X <= alpha, a straight line to X (X = alpha: a constant rate)."""
    (tmp_path / "t.txt").write_bytes(b"a b c a\nd a b\n")
    corpus = count_corpus(str(tmp_path / "t.txt"), 1)
    _, trainer = train_model(Params(size=5, hs=0, negative=1, iter=3, min_count=1, cbow=1,
                                    min_alpha=min_alpha), corpus)
    k, f32, total = trainer.kernel, np.float32, 3 * 9 + 1
    for done in range(0, 2 * total):
        if min_alpha is None:
            want = max(f32(0.05) * f32(1.0 - done / total), f32(0.05) * f32(1e-4))
        else:
            want = max(f32(float(f32(0.05)) - (float(f32(0.05)) - float(f32(min_alpha))) * done / total),
                       f32(min_alpha))
        assert k.alpha_at(done) == float(want), done
    assert k.alpha == k.alpha_at(27)      # what the progress line shows


@pytest.mark.parametrize("value, message", [
    (-0.001, "-min-alpha must be between 0 and the starting -alpha 0.05 (got -0.001)"),
    (0.06, "-min-alpha must be between 0 and the starting -alpha 0.05 (got 0.06)"),
    (float("nan"), "-min-alpha must be between 0"),
    (True, "-min-alpha must be a number"),
    ("0.01", "-min-alpha must be a number"),
])
def test_min_alpha_validated_in_the_python_api(tmp_path, value, message):
    with pytest.raises(W2VError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Params(min_alpha=value)
    with pytest.raises(W2VError, match="starting -alpha 0.001"):
        Params(alpha=0.001, min_alpha=0.002)
    assert Params(cbow=0, min_alpha=0.025).min_alpha == 0.025
    (tmp_path / "t.txt").write_bytes(b"a b c a\nd a b\n" * 10)
    import w2v
    with pytest.raises(W2VError, match="-min-alpha must be between"):
        w2v.train(str(tmp_path / "t.txt"), min_count=1, min_alpha=0.5)
    m = w2v.train(str(tmp_path / "t.txt"), min_count=1, iter=1, min_alpha=0.01, threads=1)
    assert m.params.min_alpha == 0.01


def test_worker_state_belongs_to_its_kernel(tmp_path, monkeypatch):
    (tmp_path / "t.txt").write_bytes(b"a b c a\nd a b\n")
    corpus = count_corpus(str(tmp_path / "t.txt"), 1)
    made = []
    kernel = train_mod._train.Kernel
    monkeypatch.setattr(train_mod._train, "Kernel", lambda **kw: made.append(kernel(**kw)) or made[-1])
    for hs in (0, 1):     # a small NS model and one with HS buffers (sized differently)
        train_model(Params(size=5, hs=hs, negative=1 - hs, iter=1, min_count=1), corpus)
    ns, hs = made
    hs.train_range(train_mod._train.WorkerState(hs, 1), 0, 4)
    with pytest.raises(ValueError, match="another Kernel"):
        hs.train_range(train_mod._train.WorkerState(ns, 1), 0, 4)


def test_long_lines_split_at_1000_words_and_alpha_decays_within_an_epoch(tmp_path):
    """Lines of 2500, 999, 1000, 1001, 4700 and 5000 words from 40 words
    (N = 15,206 tokens with the 6 sentence ends).  C trains sentences of at
    most 1000 words; words read (</s> included) pending after each sentence:
        line 1: 1000, 2000, 2501 (500 words + </s>)      line 2: 3501
        line 3: 4501, 4502 (</s> alone)                   line 4: 5502, 5504
        line 5: 6504, 7504, 8504, 9504, 10205 > 10,000 -> counter = 10205,
                alpha = 0.01 * (1 - 10205 / 15207)
        line 6: 5000 words and </s>: counted at the end of the epoch.
    The same updates, written out in numpy, must give the same vectors (up to
    float rounding, which the tiny vocabulary amplifies to ~1e-5)."""
    corpus = _long_lines_corpus(tmp_path)
    model, _ = train_model(Params(size=4, window=1, sample=0, hs=1, negative=0, iter=1, min_count=1,
                                  cbow=1, alpha=0.01), corpus)
    syn0, syn1, alphas = reference_hs(np.asarray(corpus.ids), 41, 4, 1, 1, start=0.01)
    assert alphas == pytest.approx([0.01, 0.01 * (1 - 10205 / 15207)], rel=1e-6)
    # (getting the 1000-word split or the alpha schedule wrong moves values by > 0.05)
    np.testing.assert_allclose(model.syn1, syn1, rtol=0, atol=2e-4)
    np.testing.assert_allclose(model.syn0, syn0, rtol=0, atol=2e-4)


def test_classes_group_planted_words(planted, w2v_cli, tmp_path):
    folder, groups = planted
    res = w2v_cli("train", "-train", str(folder / "corpus.txt"), "-output", "cl.txt", "-classes", "20",
                  *BASE, "-threads", "1", *MODES["sg-ns"])
    assert res.returncode == 0, str(res)
    # -binary 1 does not apply to classes: text `word class` lines, no header
    lines = (tmp_path / "cl.txt").read_bytes().decode().splitlines()
    assert len(lines) == 201 and lines[0].startswith("</s> ")
    cls = dict(ln.split(" ") for ln in lines)
    assert {int(c) for c in cls.values()} <= set(range(20))
    # pairs of planted neighbours mostly share a class, other pairs rarely do
    # (C's fixed initialisation and 10 iterations find a local optimum: a
    # group may be split or two groups merged)
    labels = np.array([int(cls[w.decode()]) for grp in groups for w in grp])
    planted_ids = np.repeat(np.arange(len(groups)), len(groups[0]))
    same_class = labels[:, None] == labels[None, :]
    same_group = planted_ids[:, None] == planted_ids[None, :]
    off_diag = ~np.eye(len(labels), dtype=bool)
    together = same_class[same_group & off_diag].mean()
    apart = 1 - same_class[~same_group].mean()
    assert together >= 0.85 and apart >= 0.95, (together, apart)


def test_c_distance_reads_our_binary_and_agrees(planted, w2v_cli, tmp_path):
    folder, groups = planted
    train_cli(w2v_cli, folder, "-threads", "1", *MODES["sg-ns"])
    p = subprocess.run([c_tool("word2vec-distance"), "v.bin"], input=b"g3w4\nEXIT\n", cwd=str(tmp_path),
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    rows = [ln.split() for ln in p.stdout.decode().splitlines()
            if ln.startswith(" " * 20) and not ln.strip().startswith("Word ")]
    assert len(rows) == 40
    found = [r[0].encode() for r in rows]
    # the 9 other members of g3 come first
    assert sorted(found[:9]) == sorted(w for w in groups[3] if w != b"g3w4")
    # and C's cosines are ours
    words, m = read_binary_vectors(str(tmp_path / "v.bin"))
    unit = m / np.linalg.norm(m, axis=1, keepdims=True)
    idx = {w: i for i, w in enumerate(words)}
    for w, cos in rows[:15]:
        assert float(cos) == pytest.approx(float(unit[idx[b"g3w4"]] @ unit[idx[w.encode()]]), abs=2e-6)
