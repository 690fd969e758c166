"""The batched kernels (-batch 1: skip-gram NS and HS, CBOW NS): exact arithmetic against an
independent numpy reference (random draws replicated), learning on the
planted corpus, reproducibility, the loss's definition, and the flag's
errors."""
from __future__ import annotations

import numpy as np
import pytest

from w2v import _tables, _train
from w2v.config import Params
from w2v.corpus import count_corpus
from w2v.errors import W2VError
from w2v.model import Model
from w2vtest import (BASE, MODES, NegativeDraws, SplitMix as Rng, assert_learned, assert_one_line_error, train_cli,
                     train_model)

f32 = np.float32


def sentences_of(ids):
    """The corpus's lines (id 0 ends one) as lists of word ids."""
    sentences, sent = [], []
    for w in list(ids) + [0]:
        if w == 0:
            sentences.append(sent)
            sent = []
        else:
            sent.append(int(w))
    return sentences


def windows(ids, window, rng):
    """(centre word, its context words) of every word of the lines of two
    words or more, after the dynamic window's draw (b = window - below(window))."""
    for sent in sentences_of(ids):
        n = len(sent)
        if n < 2:
            continue
        for a, word in enumerate(sent):
            b = window - rng.below(window)
            lo, hi = max(a - b, 0), min(a + b, n - 1)
            yield word, [sent[c] for c in range(lo, hi + 1) if c != a]


def ns_grad_loss(alpha):
    """f, label -> (C's negative-sampling gradient times alpha, clipped
    outside +-6; -log P(label | f), from C's table inside +-6, exact outside)."""
    table = _tables.exp_table()
    sig = table.astype(np.float64)
    alpha = f32(alpha)

    def grad_loss(f, label):
        if f > 6:
            return (f32(label) - f32(1)) * alpha, np.logaddexp(0, f if not label else -f)
        if f < -6:
            return f32(label) * alpha, np.logaddexp(0, f if not label else -f)
        s = sig[int((f + f32(6)) * f32(83))]
        return (f32(label) - table[int((f + f32(6)) * f32(83))]) * alpha, -np.log(s if label else 1 - s)
    return grad_loss


def reference_batch(ids, syn0, syn1neg, *, window, negative, alpha, seed, counts):
    """One epoch of batched skip-gram with negative sampling, one thread, no
    subsampling, corpus shorter than 10,000 words (alpha constant): for each
    centre word, the dynamic window (b = window - below(window)), then
    `negative` alias-table draws (a drawn </s> becomes 1 + below(V - 1); a
    draw equal to the centre word is dropped), then the block of dots
    F = C T^T, gradients g = (label - sigmoid_table(F)) * alpha (clipped
    outside +-6), and the simultaneous updates T += g^T C, C += g T (rows
    listed twice get both).  Returns (syn0, syn1neg, loss, examples); the
    loss of a (centre, context) pair is -log s(f_word) - sum log s(-f_neg),
    from C's table inside +-6, exact outside."""
    syn0, syn1neg = syn0.copy(), syn1neg.copy()
    rng = Rng(seed)
    draw = NegativeDraws(counts, rng)
    grad_loss = ns_grad_loss(alpha)
    loss, examples = 0.0, 0
    for word, ctx in windows(ids, window, rng):
        targets = [word] + [t for t in (draw() for _ in range(negative)) if t != word]
        C, T = syn0[ctx], syn1neg[targets]
        F = C @ T.T
        G = np.zeros_like(F)
        for i in range(len(ctx)):
            for j in range(len(targets)):
                G[i, j], part = grad_loss(F[i, j], 1 if j == 0 else 0)
                loss += part
        np.add.at(syn1neg, targets, G.T @ C)
        np.add.at(syn0, ctx, G @ T)
        examples += len(ctx)
    return syn0, syn1neg, loss, examples


def tiny_corpus(tmp_path, lines=40, seed=3):
    """A few hundred words of Zipf-like text over 12 words, lines of 1..12 words."""
    rng = np.random.default_rng(seed)
    words = [b"w%d" % i for i in range(12)]
    p = 1 / np.arange(1, 13)
    text = b"\n".join(b" ".join(words[i] for i in rng.choice(12, size=rng.integers(1, 13), p=p / p.sum()))
                      for _ in range(lines)) + b"\n"
    (tmp_path / "t.txt").write_bytes(text)
    return count_corpus(str(tmp_path / "t.txt"), 1)


def start_weights(V, size):
    """(syn0, output rows) for the references: inputs small as C starts
    them, outputs large so that the dots land well away from 0."""
    rng = np.random.default_rng(size)
    return (((rng.random((V, size)) - 0.5) / size).astype(np.float32),
            ((rng.random((V, size)) - 0.5) * 2).astype(np.float32))


def kernel_for(corpus, syn0, syn1neg, *, window, negative, alpha, batch, cbow=0):
    counts = corpus.vocab.counts
    prob, idx = _tables.alias_table(counts)
    return _train.Kernel(syn0=syn0, syn1=None, syn1neg=syn1neg, window=window, negative=negative, hs=0,
                         cbow=cbow, exp_table=_tables.exp_table(), codes=None, points=None, codelens=None,
                         alias_prob=prob, alias_idx=idx, keep_prob=None, corpus=corpus.ids,
                         start_alpha=alpha, total_words=len(corpus) + 1, batch=batch)


def assert_trains_as(k, seed, n, pairs, ref_loss, ref_examples):
    """One thread of kernel k over the n-word corpus trains each matrix of
    pairs (in place) to its reference, with the reference's loss and count."""
    st = _train.WorkerState(k, seed)
    k.begin_epoch(st)
    assert k.train_range(st, 0, n) == n
    for got, ref in pairs:
        rel = np.abs(got - ref).max() / np.abs(ref).max()
        assert rel < 1e-5, rel
    assert st.examples == ref_examples
    assert st.loss == pytest.approx(ref_loss, rel=1e-5)


def test_counter_updates_every_10000_words_and_a_pause_at_the_first_past_pause_at(tmp_path):
    """3000 lines of 10 words: 11 tokens each with </s>, 33,000 in all.  A
    worker adds its words read to the shared counter after the first line
    that takes them past 10,000 (C's), so at 10,010, 20,020 and 30,030;
    pause_at pauses it after the first update that reaches it (the line
    that made it is trained), and it returns there with the counter there.
    Without one it adds the last 2,970 at the range's end."""
    (tmp_path / "t.txt").write_bytes(b"".join(b" ".join(b"w%d" % i for i in range(10)) + b"\n"
                                              for _ in range(3000)))
    corpus = count_corpus(str(tmp_path / "t.txt"), 1)
    assert len(corpus.ids) == 33_000
    V = len(corpus.vocab.counts)
    for stop, done in ((0, 33_000), (25_000, 30_030), (20_020, 20_020), (20_021, 30_030), (40_000, 33_000)):
        syn0, syn1neg = start_weights(V, 8)
        k = kernel_for(corpus, syn0, syn1neg, window=2, negative=2, alpha=0.025, batch=False)
        k.pause_at = stop
        st = _train.WorkerState(k, 1)
        k.begin_epoch(st)
        assert k.train_range(st, 0, 33_000) == done, stop
        assert k.words_done == done
        # the learning rate is the counter's (C's schedule, 33,001 = words + 1,
        # floored at 1e-4 of the start)
        assert st.alpha == pytest.approx(max(0.025 * (1 - done / 33_001), 0.025 * 1e-4), rel=1e-6)
        assert k.paused == (0 < stop <= done)


@pytest.mark.parametrize("size,window,negative", [(5, 2, 3), (37, 5, 5), (100, 3, 8)])
def test_batched_update_matches_numpy_reference(tmp_path, size, window, negative):
    # sizes below one vector (5), with a tail (37), and 6 full vectors + tail (100);
    # 4-target groups with and without a remainder; negatives often repeated (12 words)
    corpus = tiny_corpus(tmp_path)
    V = len(corpus.vocab)
    syn0, syn1neg = start_weights(V, size)
    seed, alpha = 12345, 0.05
    ref0, ref1, ref_loss, ref_examples = reference_batch(
        corpus.ids, syn0, syn1neg, window=window, negative=negative, alpha=alpha, seed=seed,
        counts=corpus.vocab.counts)
    assert np.abs(ref1 - syn1neg).max() > 0.05           # the reference really trained
    k = kernel_for(corpus, syn0, syn1neg, window=window, negative=negative, alpha=alpha, batch=True)
    assert_trains_as(k, seed, len(corpus), ((syn0, ref0), (syn1neg, ref1)), ref_loss, ref_examples)


def test_random_stream_is_consumed_as_the_reference_says(tmp_path):
    # same draws: the kernel's generator ends where the reference's does
    corpus = tiny_corpus(tmp_path)
    V = len(corpus.vocab)
    syn0 = np.zeros((V, 4), np.float32)
    syn1neg = np.zeros((V, 4), np.float32)
    k = kernel_for(corpus, syn0, syn1neg, window=3, negative=4, alpha=0.025, batch=True)
    st = _train.WorkerState(k, 99)
    k.begin_epoch(st)
    k.train_range(st, 0, len(corpus))
    rng = Rng(99)
    reference_rng_walk(corpus, rng, window=3, negative=4)
    assert st.rng == rng.state


def reference_rng_walk(corpus, rng, *, window, negative):
    """The draws of reference_batch without the arithmetic."""
    draw = NegativeDraws(corpus.vocab.counts, rng)
    sent_lens, n = [], 0
    for w in list(corpus.ids) + [0]:
        if w == 0:
            sent_lens.append(n)
            n = 0
        else:
            n += 1
    for n in sent_lens:
        if n < 2:
            continue
        for _ in range(n):
            rng.below(window)
            for _ in range(negative):
                draw()


@pytest.mark.parametrize("cbow", [0, 1])
def test_loss_per_example_is_the_pair_kernels(tmp_path, cbow):
    """With syn1neg at zero and a negligible learning rate every dot is 0, so
    both kernels' loss per example (skip-gram: a (centre, context) pair;
    CBOW: a centre word) is -log t - k log(1 - t), t = C's table at 0
    (entry 498), k = negatives kept (5, less draws of the centre word): both
    kernels must report that, per example."""
    corpus = tiny_corpus(tmp_path, lines=300)
    V = len(corpus.vocab)
    t = float(_tables.exp_table()[498])
    per = {}
    for batch in (False, True):
        syn0 = ((np.random.default_rng(0).random((V, 8)) - 0.5) / 8).astype(np.float32)
        k = kernel_for(corpus, syn0, np.zeros((V, 8), np.float32), window=3, negative=5, alpha=1e-12,
                       batch=batch, cbow=cbow)
        st = _train.WorkerState(k, 5)
        k.begin_epoch(st)
        k.train_range(st, 0, len(corpus))
        pairs = st.examples
        per[batch] = st.loss / pairs
        assert -np.log(t) - 5 * np.log(1 - t) >= per[batch] > -np.log(t) - 4 * np.log(1 - t)
    assert per[True] == pytest.approx(per[False], rel=0.02)


def test_batched_kernel_learns_planted_neighbours(planted, w2v_cli, tmp_path):
    folder, groups = planted
    train_cli(w2v_cli, folder, "-threads", "1", "-batch", "1", *MODES["sg-ns"])
    assert_learned(tmp_path / "v.bin", groups)


@pytest.mark.parametrize("mode", ["sg-ns", "sg-hs"])
def test_batched_kernel_learns_with_threads(planted, w2v_cli, tmp_path, mode):
    folder, groups = planted
    train_cli(w2v_cli, folder, "-threads", "2", "-batch", "1", *MODES[mode])
    assert_learned(tmp_path / "v.bin", groups)


def test_batched_seed_reproducible_with_one_thread(planted, w2v_cli, tmp_path):
    folder, _ = planted
    outputs = []
    for seed, batch in (("7", "1"), ("7", "1"), ("8", "1"), ("7", "0"), ("7", "0"), ("7", None)):
        train_cli(w2v_cli, folder, "-threads", "1", "-seed", seed, "-iter", "1",
                  *(["-batch", batch] if batch else []), *MODES["sg-ns"])
        outputs.append((tmp_path / "v.bin").read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0] != outputs[2]
    assert outputs[3] == outputs[4]        # the pair kernel too
    assert outputs[0] != outputs[3]        # -batch really chose the other kernel
    assert outputs[5] == outputs[0]        # skip-gram with negative sampling: batched by default


def test_default_kernel_per_model():
    assert Params(cbow=0).batched and Params(cbow=0, hs=0, negative=3).batched
    assert Params().batched                          # CBOW with negative sampling (C's default model)
    assert not Params(hs=1).batched and not Params(hs=1, negative=0).batched   # CBOW with HS: the pair kernel
    assert not Params(batch=0).batched
    assert not Params(cbow=0, hs=1).batched                         # both losses: the pair kernel
    assert Params(cbow=0, hs=1, negative=0).batched                 # skip-gram HS: batched
    assert not Params(cbow=0, batch=0).batched
    assert Params(cbow=0, batch=1).batched
    assert Params().batch is None and Params.from_dict(Params().to_dict()).batch is None


def test_batch_is_saved_with_the_model(tmp_path):
    corpus = tiny_corpus(tmp_path)
    for batch in (0, 1):
        model, _ = train_model(Params(size=4, iter=1, min_count=1, cbow=0, batch=batch), corpus)
        model.save(str(tmp_path / "m.w2v"))
        assert Model.load(str(tmp_path / "m.w2v")).params.batch == batch


@pytest.mark.parametrize("flags,message", [
    (["-batch", "1", "-cbow", "1", "-hs", "1"], "-batch 1 is skip-gram with negative sampling or skip-gram "
     "with hierarchical softmax or CBOW with negative sampling only: use it with -cbow 0 -hs 0 or "
     "-cbow 0 -hs 1 -negative 0 or -cbow 1 -hs 0"),
    (["-batch", "1", "-cbow", "0", "-hs", "1"], "-batch 1 is skip-gram with negative sampling or"),
    (["-batch", "2", "-cbow", "0"], "-batch must be 0 or 1"),
    (["-batch", "x", "-cbow", "0"], "-batch"),
])
def test_batch_flag_errors(planted, w2v_cli, flags, message):
    folder, _ = planted
    res = w2v_cli("train", "-train", str(folder / "corpus.txt"), "-output", "v.bin", *BASE, *flags)
    assert_one_line_error(res, contains=message)


def test_batch_errors_in_python(tmp_path):
    with pytest.raises(W2VError, match="-batch 1 is skip-gram"):
        Params(batch=1, cbow=1, hs=1)
    with pytest.raises(W2VError, match="-batch must be an integer"):
        Params(batch=True, cbow=0)
    with pytest.raises(W2VError, match="-batch must be an integer"):
        Params.from_dict({"batch": "1", "cbow": 0})
    Params(batch=0, cbow=1, hs=1)                    # the pair kernel: every model
    corpus = tiny_corpus(tmp_path)
    V = len(corpus.vocab)
    with pytest.raises(ValueError, match="skip-gram with negative sampling only"):
        _train.Kernel(syn0=np.zeros((V, 4), np.float32), syn1=None, syn1neg=np.zeros((V, 4), np.float32),
                      window=2, negative=2, hs=1, cbow=1, exp_table=_tables.exp_table(), codes=None,
                      points=None, codelens=None, alias_prob=None, alias_idx=None, keep_prob=None,
                      corpus=corpus.ids, start_alpha=0.05, total_words=len(corpus) + 1, batch=True)


def reference_batch_hs(ids, syn0, syn1, *, window, alpha, seed, counts):
    """One epoch of batched skip-gram with hierarchical softmax (one thread,
    no subsampling, alpha constant): for each centre word the dynamic window,
    then the block of dots F = C P^T of its context rows C against the inner
    nodes P of its Huffman path, gradients g = (1 - code - sigmoid_table(F))
    * alpha (0 outside +-6, where C skips the node), and the simultaneous
    updates P += g^T C, C += g P.  Windows here are at most BATCH_CONTEXTS
    wide, so each centre word is one block step.  Returns (syn0, syn1, loss,
    examples); the loss of a node is -log P(1 - code | f)."""
    syn0, syn1 = syn0.copy(), syn1.copy()
    table = _tables.exp_table()
    sig = table.astype(np.float64)
    codes, points, lens = _tables.huffman(counts)
    rng = Rng(seed)
    alpha = f32(alpha)
    loss, examples = 0.0, 0
    for word, ctx in windows(ids, window, rng):
        path = [int(p) for p in points[word, :lens[word]]]
        C, P = syn0[ctx], syn1[path]
        F = C @ P.T
        G = np.zeros_like(F)
        for i in range(len(ctx)):
            for d in range(len(path)):
                f, label = F[i, d], 1 - int(codes[word, d])
                if -6 < f < 6:
                    G[i, d] = (f32(label) - table[int((f + f32(6)) * f32(83))]) * alpha
                    s = sig[int((f + f32(6)) * f32(83))]
                    loss += -np.log(s if label else 1 - s)
                else:
                    loss += np.logaddexp(0, -f if label else f)
        np.add.at(syn1, path, G.T @ C)
        np.add.at(syn0, ctx, G @ P)
        examples += len(ctx)
    return syn0, syn1, loss, examples


def hs_batch_kernel(corpus, syn0, syn1, *, window, alpha, hot_nodes=0, total_words=None,
                    hot_fold_words=_train.HOT_NODE_FOLD_WORDS):
    codes, points, lens = _tables.huffman(corpus.vocab.counts)
    return _train.Kernel(syn0=syn0, syn1=syn1, syn1neg=None, window=window, negative=0, hs=1, cbow=0,
                         exp_table=_tables.exp_table(), codes=codes, points=points, codelens=lens,
                         alias_prob=None, alias_idx=None, keep_prob=None, corpus=corpus.ids,
                         start_alpha=alpha, total_words=total_words or len(corpus) + 1, batch=True,
                         hot_nodes=hot_nodes, hot_fold_words=hot_fold_words)


# hot_nodes: the tree's top nodes in the worker's private copy (none, the
# root and its two children, every inner node); one worker alone sees the
# same values in its copy as in syn1, and the fold adds its change back:
# at the range's end, or (hot_fold_words) after every 7 words or every line.
@pytest.mark.parametrize("size,window,hot_nodes,fold", [(5, 2, 0, None), (37, 5, 0, None), (100, 3, 0, None),
                                                        (37, 5, 3, None), (100, 3, 10 ** 6, None),
                                                        (37, 5, 3, 7), (100, 3, 10 ** 6, 1)])
def test_batched_hs_matches_numpy_reference(tmp_path, size, window, hot_nodes, fold):
    corpus = tiny_corpus(tmp_path)
    V = len(corpus.vocab)
    syn0, syn1 = start_weights(V, size)
    seed, alpha = 12345, 0.05
    ref0, ref1, ref_loss, ref_examples = reference_batch_hs(
        corpus.ids, syn0, syn1, window=window, alpha=alpha, seed=seed, counts=corpus.vocab.counts)
    assert np.abs(ref1 - syn1).max() > 0.05
    k = hs_batch_kernel(corpus, syn0, syn1, window=window, alpha=alpha, hot_nodes=hot_nodes,
                        hot_fold_words=fold or _train.HOT_NODE_FOLD_WORDS)
    assert k.hot_rows == min(hot_nodes, V - 1)            # the inner nodes: V - 1
    assert fold is None or len(corpus) > 10 * fold        # folds within the range
    assert_trains_as(k, seed, len(corpus), ((syn0, ref0), (syn1, ref1)), ref_loss, ref_examples)


def test_private_top_nodes_are_folded_at_every_range_end_and_pause(tmp_path):
    """Two work units, and a pause in the second: each folds the worker's
    copy of the top nodes into syn1 and the next copies it again, so the
    epoch still trains as the reference, and between units syn1 holds what
    the worker did (the top nodes of the first half's paths are trained)."""
    corpus = tiny_corpus(tmp_path)
    V, n = len(corpus.vocab), len(corpus)
    syn0, syn1 = start_weights(V, 16)
    ref0, ref1, _, _ = reference_batch_hs(corpus.ids, syn0, syn1, window=3, alpha=0.05, seed=9,
                                          counts=corpus.vocab.counts)
    before = syn1.copy()
    # a counter update (the end of a unit) takes the schedule's rate: with a
    # long schedule it stays the reference's constant one
    k = hs_batch_kernel(corpus, syn0, syn1, window=3, alpha=0.05, hot_nodes=7, total_words=1e12)
    top = slice(V - 8, V - 1)                              # the root is node V - 2
    half = int(np.flatnonzero(corpus.ids[: n // 2] == 0)[-1]) + 1     # a line start
    st = _train.WorkerState(k, 9)
    k.begin_epoch(st)
    assert k.train_range(st, 0, half) == half
    assert np.abs(syn1[top] - before[top]).max() > 0.01
    k.pause()
    assert k.train_range(st, half, n) == half              # paused before any word
    k.unpause()
    assert k.train_range(st, half, n) == n
    for got, ref in ((syn0, ref0), (syn1, ref1)):
        assert np.abs(got - ref).max() / np.abs(ref).max() < 1e-5


def test_private_top_nodes_need_a_count_of_zero_or_more(tmp_path):
    corpus = tiny_corpus(tmp_path)
    syn0, syn1 = start_weights(len(corpus.vocab), 4)
    with pytest.raises(ValueError, match="hot_nodes must be >= 0"):
        hs_batch_kernel(corpus, syn0, syn1, window=2, alpha=0.05, hot_nodes=-1)
    with pytest.raises(ValueError, match="hot_fold_words must be >= 1"):
        hs_batch_kernel(corpus, syn0, syn1, window=2, alpha=0.05, hot_nodes=3, hot_fold_words=0)
    ns = kernel_for(corpus, syn0, syn1, window=2, negative=2, alpha=0.05, batch=True)
    assert ns.hot_rows == 0                                 # negative sampling: none



def test_batched_hs_seed_reproducible_and_the_default(planted, w2v_cli, tmp_path):
    folder, _ = planted
    outputs = []
    for batch in ("1", "1", "0", None):
        train_cli(w2v_cli, folder, "-threads", "1", "-seed", "7", "-iter", "1",
                  *(["-batch", batch] if batch else []), *MODES["sg-hs"])
        outputs.append((tmp_path / "v.bin").read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0] != outputs[2]
    assert outputs[0] == outputs[3]        # skip-gram HS: batched by default


# ------------------------------------------------------------------ batched CBOW
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
    syn0, syn1neg = start_weights(V, size)
    seed, alpha = 12345, 0.05
    ref0, ref1, ref_loss, ref_examples = reference_cbow_batch(
        corpus.ids, syn0, syn1neg, window=window, negative=negative, alpha=alpha, seed=seed,
        counts=corpus.vocab.counts)
    assert np.abs(ref1 - syn1neg).max() > 0.05 and np.abs(ref0 - syn0).max() > 0.01
    k = cbow_kernel(corpus, syn0, syn1neg, window=window, negative=negative, alpha=alpha)
    assert_trains_as(k, seed, len(corpus), ((syn0, ref0), (syn1neg, ref1)), ref_loss, ref_examples)


def test_batched_cbow_consumes_the_random_stream_as_the_reference_says(tmp_path):
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
