"""The batched CBOW kernel (-batch 1 -cbow 1, negative sampling): its
groups, exact arithmetic against an independent numpy reference (random
draws replicated), the random stream it consumes, learning on the planted
corpus, reproducibility and default, and the flags it refuses (its loss per
example: test_batch.py)."""
from __future__ import annotations

import numpy as np
import pytest

from w2v import _train
from w2v.config import Params
from w2vtest import (BASE, MODES, NegativeDraws, SplitMix as Rng, assert_learned, assert_one_line_error, train_cli)
from test_batch import assert_trains_as, kernel_for, ns_grad_loss, sentences_of, tiny_corpus

f32 = np.float32
GROUP, SPACING = _train.CBOW_GROUP_SIZE, _train.CBOW_GROUP_SPACING


def groups_of(n):
    """The batched kernel's groups of a line of n words: gn = min(GROUP,
    n // SPACING), at least 1, words per group; group q holds the positions
    q, q + ng, q + 2 ng, ... (ng = ceil(n / gn) groups)."""
    gn = min(GROUP, max(1, n // SPACING))
    ng = -(-n // gn)
    return [list(range(q, n, ng)) for q in range(ng)]


def test_groups_cover_each_word_once_and_are_spread():
    assert groups_of(2) == [[0], [1]]
    assert groups_of(9) == [[0, 5], [1, 6], [2, 7], [3, 8], [4]]
    assert groups_of(40) == [[q, q + 5, q + 10, q + 15, q + 20, q + 25, q + 30, q + 35] for q in range(5)]
    for n in range(1, 200):
        g = groups_of(n)
        assert sorted(sum(g, [])) == list(range(n))
        assert all(len(x) <= GROUP for x in g)
        assert all(b - a >= SPACING for x in g for a, b in zip(x, x[1:]))


def reference_cbow_batch(ids, syn0, syn1neg, *, window, negative, alpha, seed, counts):
    """One epoch of batched CBOW with negative sampling (one thread, no
    subsampling, alpha constant).  Each line of two words or more is cut
    into groups of centre words (groups_of); per group: `negative` alias-table draws shared by the group (a drawn
    </s> becomes 1 + below(V - 1)), then per centre word the dynamic window
    (b = window - below(window)) and its input h = the mean of its context
    rows; the dots of each h with its word's row (label 1) and with every
    negative (label 0; a negative equal to the centre's word is skipped for
    that centre), gradients g = (label - sigmoid_table(f)) * alpha (clipped
    outside +-6); then, all from the values before the step, the errors
    e_i = g_i0 P_i + sum_j g_ij N_j, the output rows' updates (N_j +=
    sum_i g_ij h_i, P_i += g_i0 h_i; rows listed twice get both) and each
    context row's update by the errors of the centres whose window holds
    it.  Returns (syn0, syn1neg, loss, examples)."""
    syn0, syn1neg = syn0.copy(), syn1neg.copy()
    rng = Rng(seed)
    draw = NegativeDraws(counts, rng)
    grad_loss = ns_grad_loss(alpha)
    loss, examples = 0.0, 0
    for sent in sentences_of(ids):
        n = len(sent)
        if n < 2:
            continue
        for centres in groups_of(n):
            negs = [draw() for _ in range(negative)]
            ctx = []
            for a in centres:
                b = window - rng.below(window)
                ctx.append([c for c in range(max(a - b, 0), min(a + b, n - 1) + 1) if c != a])
            H = np.stack([syn0[[sent[c] for c in cs]].mean(axis=0, dtype=np.float64).astype(f32) for cs in ctx])
            words = [sent[a] for a in centres]
            N, P = syn1neg[negs], syn1neg[words]
            F, Fp = H @ N.T, np.einsum("id,id->i", H, P)
            G, Gp = np.zeros_like(F), np.zeros(len(words), f32)
            for i, word in enumerate(words):
                Gp[i], part = grad_loss(Fp[i], 1)
                loss += part
                for j, t in enumerate(negs):
                    if t != word:
                        G[i, j], part = grad_loss(F[i, j], 0)
                        loss += part
            E = Gp[:, None] * P + G @ N
            np.add.at(syn1neg, negs, G.T @ H)
            np.add.at(syn1neg, words, Gp[:, None] * H)
            for i, cs in enumerate(ctx):
                np.add.at(syn0, [sent[c] for c in cs], np.broadcast_to(E[i], (len(cs), E.shape[1])))
            examples += len(words)
    return syn0, syn1neg, loss, examples


def cbow_kernel(corpus, syn0, syn1neg, *, window, negative, alpha):
    return kernel_for(corpus, syn0, syn1neg, window=window, negative=negative, alpha=alpha, batch=True, cbow=1)


@pytest.mark.parametrize("size,window,negative", [(5, 2, 3), (37, 5, 5), (100, 3, 25)])
def test_batched_cbow_matches_numpy_reference(tmp_path, size, window, negative):
    # sizes below one vector, with a tail, several vectors; lines of 1..12 words
    # (groups with and without a remainder); 12 words, so negatives repeat and
    # equal their centre word often
    corpus = tiny_corpus(tmp_path)
    V = len(corpus.vocab)
    rng = np.random.default_rng(size)
    syn0 = ((rng.random((V, size)) - 0.5) / size).astype(np.float32)
    syn1neg = ((rng.random((V, size)) - 0.5) * 2).astype(np.float32)
    seed, alpha = 12345, 0.05
    ref0, ref1, ref_loss, ref_examples = reference_cbow_batch(
        corpus.ids, syn0, syn1neg, window=window, negative=negative, alpha=alpha, seed=seed,
        counts=corpus.vocab.counts)
    assert np.abs(ref1 - syn1neg).max() > 0.05 and np.abs(ref0 - syn0).max() > 0.01
    k = cbow_kernel(corpus, syn0, syn1neg, window=window, negative=negative, alpha=alpha)
    assert_trains_as(k, seed, len(corpus), ((syn0, ref0), (syn1neg, ref1)), ref_loss, ref_examples)


def test_random_stream_is_consumed_as_the_reference_says(tmp_path):
    corpus = tiny_corpus(tmp_path)
    V = len(corpus.vocab)
    k = cbow_kernel(corpus, np.zeros((V, 4), np.float32), np.zeros((V, 4), np.float32), window=3,
                    negative=4, alpha=0.05)
    st = _train.WorkerState(k, 99)
    k.begin_epoch(st)
    k.train_range(st, 0, len(corpus))
    rng = Rng(99)
    draw = NegativeDraws(corpus.vocab.counts, rng)
    for sent in sentences_of(corpus.ids):
        if len(sent) < 2:
            continue
        for centres in groups_of(len(sent)):
            for _ in range(4):
                draw()
            for _ in centres:
                rng.below(3)
    assert st.rng == rng.state


@pytest.mark.parametrize("threads", ["1", "2"])
def test_batched_cbow_learns_planted_neighbours(planted, w2v_cli, tmp_path, threads):
    folder, groups = planted
    train_cli(w2v_cli, folder, "-threads", threads, "-batch", "1", *MODES["cbow-ns"])
    assert_learned(tmp_path / "v.bin", groups)


def test_batched_cbow_seed_reproducible(planted, w2v_cli, tmp_path):
    folder, _ = planted
    outputs = []
    for seed, batch in (("7", "1"), ("7", "1"), ("8", "1"), ("7", "0"), ("7", None)):
        train_cli(w2v_cli, folder, "-threads", "1", "-seed", seed, "-iter", "1",
                  *(["-batch", batch] if batch else []), *MODES["cbow-ns"])
        outputs.append((tmp_path / "v.bin").read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0] != outputs[2]
    assert outputs[0] != outputs[3]        # -batch 1 really chose the batched kernel
    assert outputs[4] == outputs[0]        # CBOW with negative sampling: batched by default


def test_batched_cbow_refuses_hierarchical_softmax(planted, w2v_cli):
    folder, _ = planted
    res = w2v_cli("train", "-train", str(folder / "corpus.txt"), "-output", "v.bin", *BASE,
                  "-batch", "1", "-cbow", "1", "-hs", "1")
    assert_one_line_error(res, contains="-batch 1 is skip-gram with negative sampling or")
    with pytest.raises(Exception, match="-batch 1 is"):
        Params(batch=1, cbow=1, hs=1, negative=0)
