"""``w2v train``: word2vec.c's training, orchestrated in Python.

The corpus is read once (:mod:`w2v.corpus`); tables come from
:mod:`w2v._tables`; ``threads`` Python threads each run
:meth:`w2v._train.Kernel.train_range` (no GIL) over their exact share of the
id array, every epoch.  The main thread only reports progress and waits, so
Ctrl-C stops the workers within one sentence."""
from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from . import _tables, _train
from .config import TrainConfig, available_cores
from .corpus import Corpus, count_corpus, encode_corpus
from .errors import W2VError, W2VInterrupted
from .io import check_share, check_writable, describe, expand_inputs
from .progress import Reporter, fmt_duration
from .vocab import Vocab

_MASK64 = (1 << 64) - 1


def thread_seed(seed: int, thread: int) -> int:
    """Independent generator seeds per (seed, thread)."""
    z = (seed * 0x9E3779B97F4A7C15 + (thread + 1) * 0xD1B54A32D192ED03) & _MASK64
    z ^= z >> 31
    return (z * 0xBF58476D1CE4E5B9) & _MASK64


def split_ranges(n: int, threads: int) -> List[Tuple[int, int]]:
    """Exact, disjoint shares of n positions for each thread."""
    return [(n * k // threads, n * (k + 1) // threads) for k in range(threads)]


@dataclass
class Model:
    vocab: Vocab
    syn0: np.ndarray
    syn1: Optional[np.ndarray]
    syn1neg: Optional[np.ndarray]
    words_trained: int
    seconds: float
    threads: int


def input_paths(cfg: TrainConfig) -> List[str]:
    """The training files (-train given several times or as globs)."""
    return expand_inputs([cfg.train] if isinstance(cfg.train, str) else cfg.train)


def build_corpus(cfg: TrainConfig, reporter: Reporter) -> Corpus:
    paths = input_paths(cfg)
    if cfg.read_vocab:
        vocab = Vocab.read(cfg.read_vocab, cfg.min_count)
        if len(vocab) < 2:
            raise W2VError(f"no word in vocabulary file {cfg.read_vocab!r} has count >= -min-count {cfg.min_count}")
        return encode_corpus(paths, vocab, reporter)
    return count_corpus(paths, cfg.min_count, reporter, cfg.max_vocab_entries)


def train_model(cfg: TrainConfig, corpus: Corpus, reporter: Optional[Reporter] = None,
                dist=None) -> Model:
    """Train vectors on an encoded corpus; returns syn0/syn1/syn1neg.  Under
    MPI (*dist*, see :mod:`w2v.distributed`) the corpus is this rank's share
    and the ranks' models are averaged as they train."""
    reporter = reporter or Reporter(0)
    vocab = corpus.vocab
    V, D = len(vocab), cfg.size
    counts = vocab.counts
    syn0 = _tables.init_syn0(V, D, cfg.seed)
    syn1 = np.zeros((V, D), dtype=np.float32) if cfg.hs else None
    syn1neg = np.zeros((V, D), dtype=np.float32) if cfg.negative else None
    codes = points = codelens = None
    if cfg.hs:
        codes, points, codelens = _tables.huffman(counts)
    alias_prob = alias_idx = None
    if cfg.negative:
        alias_prob, alias_idx = _tables.alias_table(counts)
    keep = None
    if cfg.sample > 0:
        keep = _tables.keep_probabilities(counts, cfg.sample, vocab.train_words)

    ids = corpus.ids
    N = len(ids)
    threads = max(1, min(cfg.effective_threads(None if dist is None else dist.default_threads()), N))
    first_worker = 0 if dist is None else dist.worker_offset(threads)
    total = float(cfg.iter) * N + 1
    kernel = _train.Kernel(
        syn0=syn0, syn1=syn1, syn1neg=syn1neg, window=cfg.window, negative=cfg.negative,
        hs=cfg.hs, cbow=cfg.cbow, exp_table=_tables.exp_table(), codes=codes, points=points,
        codelens=codelens, alias_prob=alias_prob, alias_idx=alias_idx, keep_prob=keep,
        corpus=ids, start_alpha=cfg.start_alpha, total_words=total,
        private_paths=threads > 1)
    ranges = split_ranges(N, threads)
    states = [_train.WorkerState(kernel, thread_seed(cfg.seed, first_worker + k)) for k in range(threads)]
    if dist is not None:
        return _train_ranks(cfg, dist, kernel, states, ranges, vocab, (syn0, syn1, syn1neg), total, reporter)
    errors: List[BaseException] = []

    def work(k: int) -> None:
        lo, hi = ranges[k]
        try:
            for _ in range(cfg.iter):
                if kernel.stopped:
                    return
                kernel.train_range(states[k], lo, hi)
        except BaseException as exc:  # pragma: no cover - a bug, re-raised below
            errors.append(exc)
            kernel.stop()

    workers = [threading.Thread(target=work, args=(k,), name=f"w2v-train-{k}", daemon=True)
               for k in range(threads)]
    start = time.monotonic()
    for t in workers:
        t.start()
    try:
        while any(t.is_alive() for t in workers):
            time.sleep(0.05)
            _report(reporter, kernel, total, start, threads, final=False)
    except KeyboardInterrupt:
        kernel.stop()
        for t in workers:
            t.join()
        reporter.end_line()
        raise W2VInterrupted("interrupted: training stopped, no output written") from None
    for t in workers:
        t.join()
    if errors:
        raise errors[0]
    seconds = time.monotonic() - start
    _report(reporter, kernel, total, start, threads, final=True)
    return Model(vocab, syn0, syn1, syn1neg, int(kernel.words_done), seconds, threads)


# Words a worker trains between two looks at the pause gate (under MPI).
UNIT_WORDS = 20_000


class _Gate:
    """Lets the control thread pause the workers between work units."""

    def __init__(self, workers: int):
        self.cond = threading.Condition()
        self.pausing = False
        self.waiting = 0
        self.running = workers

    def checkpoint(self) -> None:
        with self.cond:
            if self.pausing:
                self.waiting += 1
                self.cond.notify_all()
                while self.pausing:
                    self.cond.wait()
                self.waiting -= 1

    def done(self) -> None:
        with self.cond:
            self.running -= 1
            self.cond.notify_all()

    def wait(self, timeout: float) -> None:
        with self.cond:
            if self.running:
                self.cond.wait(timeout)

    def pause(self) -> None:
        with self.cond:
            self.pausing = True
            while self.waiting < self.running:
                self.cond.wait()

    def resume(self) -> None:
        with self.cond:
            self.pausing = False
            self.cond.notify_all()


def _train_ranks(cfg: TrainConfig, dist, kernel, states, ranges, vocab: Vocab, arrays, total: float,
                 reporter: Reporter) -> Model:
    """Epochs on this rank's share; rounds with the other ranks every
    -sync-every seconds (workers paused), every row averaged at epoch ends."""
    from .distributed import Coordinator, RankSync

    sync = RankSync(dist.comm)
    coord = Coordinator(sync, arrays, cfg.sync_every)
    errors: List[BaseException] = []
    threads = len(states)
    start = time.monotonic()
    reported = 0

    def work(k: int, gate: _Gate) -> None:
        pos, hi = ranges[k]
        try:
            while pos < hi and not kernel.stopped:
                gate.checkpoint()
                pos = kernel.train_range(states[k], pos, min(hi, pos + UNIT_WORDS))
        except BaseException as exc:  # pragma: no cover - a bug, re-raised below
            errors.append(exc)
            kernel.stop()
        finally:
            gate.done()

    for _ in range(cfg.iter):
        gate = _Gate(threads)
        workers = [threading.Thread(target=work, args=(k, gate), name=f"w2v-train-{k}", daemon=True)
                   for k in range(threads)]
        for t in workers:
            t.start()
        while gate.running:
            gate.wait(min(0.05, max(0.0, coord.next_at - time.monotonic())))
            if errors:
                break
            if gate.running and coord.due():
                gate.pause()
                done = kernel.words_done
                coord.round(done - reported, active=gate.running > 0)
                reported = done
                gate.resume()
            if dist.rank == 0:
                _report(reporter, kernel, total, start, threads, final=False)
        for t in workers:
            t.join()
        if errors:
            raise errors[0]
        done = kernel.words_done
        coord.finish_epoch(done - reported)
        reported = done
    seconds = time.monotonic() - start
    if dist.rank == 0:
        _report(reporter, kernel, total, start, threads, final=True)
    s = sync.stats
    reporter.info(f"MPI: {s.rounds} rounds, {s.averages} averages, {s.bytes / 1e6:.1f} MB averaged, "
                  f"{s.seconds:.2f} s in MPI ({s.cpu_seconds:.2f} s CPU)", level=2)
    words = dist.comm.allreduce(int(kernel.words_done))
    return Model(vocab, arrays[0], arrays[1], arrays[2], words, seconds, threads)


def _report(reporter: Reporter, kernel, total: float, start: float, threads: int, final: bool) -> None:
    if reporter.debug < 2:
        return
    done = kernel.words_done
    elapsed = max(time.monotonic() - start, 1e-9)
    frac = min(done / max(total - 1, 1.0), 1.0)
    wts = done / (elapsed * threads) / 1000.0
    eta = elapsed * (1 - frac) / frac if frac > 0 else 0.0
    line = (f"Alpha: {kernel.alpha:f}  Progress: {frac * 100:.2f}%  "
            f"Words/thread/sec: {wts:.2f}k  Elapsed: {fmt_duration(elapsed)}  "
            + ("" if final else f"ETA: {fmt_duration(eta)}"))
    reporter.progress(line.rstrip(), final=final)


def kmeans_classes(syn0: np.ndarray, k: int, iterations: int = 10) -> np.ndarray:
    """word2vec.c's word classes: k-means with 10 fixed iterations; word i starts
    in class i mod k; centroids are member sums / (members + 1), L2-normalised;
    each word joins the centroid with the largest dot product (lowest id on ties).
    Like C, an empty class (or one whose members sum to zero) has no centroid
    (C's 0/0 gives NaN) and can never be joined, and a word whose dot products
    are all <= -10 (C's starting best) goes to class 0."""
    V, D = syn0.shape
    k = min(k, V) if k > 0 else 1
    cl = np.arange(V, dtype=np.int64) % k
    x = syn0.astype(np.float64)
    for _ in range(iterations):
        cent = np.zeros((k, D), dtype=np.float64)
        np.add.at(cent, cl, x)
        cent /= (np.bincount(cl, minlength=k) + 1.0)[:, None]
        norm = np.sqrt((cent * cent).sum(axis=1))
        dead = norm == 0
        norm[dead] = 1.0
        cent /= norm[:, None]
        for s in range(0, V, 16384):
            dots = x[s:s + 16384] @ cent.T
            dots[:, dead] = -np.inf
            best = np.argmax(dots, axis=1)
            best[dots[np.arange(len(best)), best] <= -10] = 0
            cl[s:s + 16384] = best
    return cl


def run(cfg: TrainConfig, reporter: Optional[Reporter] = None) -> Optional[Model]:
    """The whole ``w2v train`` command: vocabulary, training, output files.
    Under an MPI launcher with several processes, each trains its share and
    rank 0 writes the outputs (see :mod:`w2v.distributed`)."""
    from . import distributed, vectors

    dist = distributed.init()
    lead = dist is None or dist.rank == 0
    if not lead:
        reporter = Reporter(0, stream=io.StringIO())   # messages come from rank 0 only
    reporter = reporter or Reporter(cfg.debug)

    def setup() -> List[str]:
        if lead:
            for path, what in ((cfg.output, "output file"), (cfg.save_vocab, "vocabulary file")):
                if path:
                    check_writable(path, what)
        paths = input_paths(cfg)
        if dist is not None:
            check_share(paths, (dist.rank, dist.size))
        return paths

    paths = setup() if dist is None else dist.collective(setup)
    more = f" (and {len(paths) - 1} more)" if len(paths) > 1 else ""
    reporter.always(f"Starting training using file {paths[0] if paths[0] != '-' else describe('-')}{more}")
    if dist is None:
        corpus = build_corpus(cfg, reporter)
    else:
        corpus = distributed.load_corpus(dist, paths, cfg.min_count, cfg.read_vocab, cfg.max_vocab_entries,
                                         reporter)
        reporter.info(f"Running on {dist.size} processes; this one has {len(corpus.ids)} tokens "
                      f"of the text", level=2)
    reporter.info(f"Vocab size: {len(corpus.vocab)}")
    reporter.info(f"Words in train file: {corpus.vocab.train_words}")
    if cfg.save_vocab:
        _on_lead(dist, lambda: corpus.vocab.save(cfg.save_vocab))
    if not cfg.output:
        return None
    cores = available_cores()
    if cfg.threads > cores and dist is None:
        reporter.info(f"Using {cores} threads: -threads {cfg.threads} is more than the {cores} available cores",
                      level=2)
    model = train_model(cfg, corpus, reporter, dist)

    def write() -> None:
        if cfg.classes > 0:
            classes = kmeans_classes(model.syn0, cfg.classes)
            vectors.save_classes(cfg.output, corpus.vocab.words, classes)
        else:
            vectors.save_word2vec(cfg.output, corpus.vocab.words, model.syn0, binary=bool(cfg.binary))

    _on_lead(dist, write)
    return model


def _on_lead(dist, fn) -> None:
    """Run *fn* on rank 0 only (every process when alone); the ranks agree on its outcome."""
    if dist is None:
        fn()
    else:
        dist.collective(lambda: fn() if dist.rank == 0 else None)
