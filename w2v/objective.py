"""The training objective evaluated at epoch ends: the kernels' own loss
(per example: the Huffman path's binary log-loss and/or negative sampling's
-log s(w.c) - sum log s(-w.n)), with the exact sigmoid, on a fixed sample of
the corpus' examples scored against the model as it stands.

The kernel's reported loss is online: each example is scored just before its
own update, so its epoch mean mixes rows of every moment of the epoch and may
rise as the learning rate decays.  The objective scores the same examples at
every epoch end (same pairs, same negatives): it says whether training still
helps.

The sample is drawn once per run from the run's seed (never from the
training streams, so training is unchanged) and is a function of the seed,
the run number, the process and the corpus only: a resumed run draws the same
one.  Examples are drawn as training forms them: a centre position, C's
dynamic window half-width (uniform in 1..window), words kept with their
subsampling probability, contexts within the centre's sentence; skip-gram:
one context word (one example is one (centre, context) pair), CBOW: the
window's kept words (one example is one centre word, its input the mean of
their rows).  Negatives come from the unigram^0.75 distribution (a drawn
</s> is a uniformly drawn real word, as in the kernel); one equal to the
centre word is skipped, as in the kernel."""
from __future__ import annotations

import threading
from typing import Optional

import numpy as np

from . import _tables, _train
from .config import OBJECTIVE_EXAMPLES, OBJECTIVE_WORDS_PER_EXAMPLE
from .model import Model, split_ranges

_SALT = 0x0B1EC7    # keeps the sample's generator apart from any other use of the seed
_EOS = 0


def sample_size(corpus_words: int) -> int:
    """Examples in the sample: one per OBJECTIVE_WORDS_PER_EXAMPLE corpus
    words, within OBJECTIVE_EXAMPLES (under 1 % of an epoch's time)."""
    low, high = OBJECTIVE_EXAMPLES
    return int(min(high, max(low, corpus_words // OBJECTIVE_WORDS_PER_EXAMPLE)))


class _Words:
    """The corpus ids as the sample sees them: a document ID (an id past the
    vocabulary, -sentence-vectors 1) reads as a line end, so the sample holds
    word examples only and windows stop at it as they do at the line's start."""

    def __init__(self, ids: np.ndarray, vocab_size: int) -> None:
        self.ids, self.V = ids, vocab_size

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        v = np.asarray(self.ids[index])
        return np.where(v >= self.V, _EOS, v).astype(v.dtype, copy=False)


class Sample:
    """A fixed sample of training examples: ``targets`` (the centre words),
    their inputs ``inputs[offsets[i]:offsets[i + 1]]`` and ``negs``
    (examples x negative, -1 where a draw equals the centre word; None
    without negative sampling)."""

    def __init__(self, targets: np.ndarray, inputs: np.ndarray, offsets: np.ndarray,
                 negs: Optional[np.ndarray]) -> None:
        self.targets, self.inputs, self.offsets, self.negs = targets, inputs, offsets, negs

    def __len__(self) -> int:
        return len(self.targets)

    @classmethod
    def draw(cls, model: Model, ids: np.ndarray, key: int = 0, size: Optional[int] = None) -> "Sample":
        """The sample of *model*'s run over *ids* (*key*: the process)."""
        p, vocab = model.params, model.vocab
        seq = np.random.SeedSequence([int(p.seed) & ((1 << 63) - 1), int(model.progress.runs), int(key), _SALT])
        rng = np.random.default_rng(seq)
        n_ids = len(ids)
        want = sample_size(n_ids) if size is None else int(size)
        counts = np.asarray(vocab.counts, dtype=np.int64)
        ids = _Words(ids, len(counts))
        keep = None
        if p.sample > 0:
            keep = np.asarray(_tables.keep_probabilities(counts, p.sample, vocab.train_words), dtype=np.float64)
        targets, inputs, lengths = [], [], []
        got, tries = 0, 0
        while got < want and tries < 64 and n_ids > 1:
            tries += 1
            m = max(2 * (want - got), 1024)
            pos = rng.integers(0, n_ids, m)
            half = p.window - rng.integers(0, p.window, m)          # 1..window
            word = ids[pos]
            ok = word != _EOS
            if keep is not None:
                ok &= rng.random(m) < keep[word]
            if p.cbow:
                t, x, ln = _cbow_windows(ids, pos[ok], half[ok], keep, rng)
            else:
                t, x, ln = _sg_pairs(ids, pos[ok], half[ok], keep, rng)
            t, x, ln = t[:want - got], x[:int(ln[:want - got].sum())], ln[:want - got]
            targets.append(t)
            inputs.append(x)
            lengths.append(ln)
            got += len(t)
        targets = np.concatenate(targets).astype(np.int32) if targets else np.zeros(0, np.int32)
        inputs = np.concatenate(inputs).astype(np.int32) if inputs else np.zeros(0, np.int32)
        lens = np.concatenate(lengths) if lengths else np.zeros(0, np.int64)
        offsets = np.zeros(len(targets) + 1, dtype=np.int64)
        np.cumsum(lens, out=offsets[1:])
        negs = None
        if p.negative:
            noise = np.power(counts.astype(np.float64), 0.75)
            noise /= noise.sum()
            eos = noise[_EOS]
            noise[_EOS] = 0.0
            noise[1:] += eos / (len(counts) - 1)
            negs = rng.choice(len(counts), size=(len(targets), p.negative), p=noise / noise.sum()).astype(np.int32)
            negs[negs == targets[:, None]] = -1
        return cls(targets, inputs, offsets, negs)


def _sg_pairs(ids, pos, half, keep, rng):
    """Skip-gram: for each centre, one context position at distance 1..half
    on either side, in the centre's sentence, kept by subsampling."""
    m = len(pos)
    dist = 1 + (rng.random(m) * half).astype(np.int64)
    side = np.where(rng.random(m) < 0.5, -1, 1)
    ctx = pos + side * dist
    ok = (ctx >= 0) & (ctx < len(ids))
    ctx_c = np.clip(ctx, 0, len(ids) - 1)
    for k in range(1, int(half.max(initial=0)) + 1):
        step = np.clip(pos + side * np.minimum(k, dist), 0, len(ids) - 1)
        ok &= ids[step] != _EOS
    if keep is not None:
        ok &= rng.random(m) < keep[ids[ctx_c]]
    return ids[pos[ok]], ids[ctx_c[ok]], np.ones(int(ok.sum()), dtype=np.int64)


def _cbow_windows(ids, pos, half, keep, rng):
    """CBOW: for each centre, the kept words of its window within its sentence."""
    m, n = len(pos), len(ids)
    width = int(half.max(initial=0))
    cols = []
    for side in (-1, 1):
        alive = np.ones(m, dtype=bool)        # no sentence end met yet on this side
        for k in range(1, width + 1):
            q = pos + side * k
            inside = (q >= 0) & (q < n) & (k <= half)
            qc = np.clip(q, 0, n - 1)
            alive &= inside & (ids[qc] != _EOS)
            use = alive.copy()
            if keep is not None:
                use &= rng.random(m) < keep[ids[qc]]
            cols.append(np.where(use, ids[qc], -1))
    if not cols:
        return ids[pos[:0]], np.zeros(0, np.int32), np.zeros(0, np.int64)
    window = np.stack(cols, axis=1)
    lens = (window >= 0).sum(axis=1)
    ok = lens > 0
    window, lens = window[ok], lens[ok]
    return ids[pos[ok]], window[window >= 0], lens.astype(np.int64)


class Objective:
    """The objective of *model*'s run on its fixed sample (:class:`Sample`
    drawn over *ids*); :meth:`total` is the summed loss and the example
    count (summed over processes by the caller), :meth:`__call__` their
    ratio."""

    def __init__(self, model: Model, ids: np.ndarray, key: int = 0, size: Optional[int] = None) -> None:
        self.model = model
        self.sample = Sample.draw(model, ids, key, size)
        self.tree = _tables.huffman(np.asarray(model.vocab.counts, dtype=np.int64)) if model.params.hs else None

    def total(self, threads: int = 1):
        """(summed loss, examples) of the sample against the model now, in
        *threads* threads (the kernel runs without the GIL)."""
        m, s = self.model, self.sample
        codes = points = codelens = None
        if self.tree is not None:
            codes, points, codelens = self.tree
        syn1 = m.syn1 if m.params.hs else None
        syn1neg = m.syn1neg if m.params.negative else None
        parts = split_ranges(len(s), max(1, min(int(threads), len(s) // 1000)))
        sums = [0.0] * len(parts)

        def part(k: int) -> None:
            lo, hi = parts[k]
            a, b = s.offsets[lo], s.offsets[hi]
            sums[k] = _train.objective_sum(m.syn0, syn1, syn1neg, s.targets[lo:hi], s.inputs[a:b],
                                           s.offsets[lo:hi + 1] - a, None if s.negs is None else s.negs[lo:hi],
                                           codes, points, codelens)

        workers = [threading.Thread(target=part, args=(k,), daemon=True) for k in range(1, len(parts))]
        for t in workers:
            t.start()
        part(0)
        for t in workers:
            t.join()
        return float(sum(sums)), len(s)

    def __call__(self, threads: int = 1) -> float:
        loss, n = self.total(threads)
        return loss / n if n else float("nan")
