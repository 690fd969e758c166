"""The trainer: runs a :class:`w2v.model.Model`'s training over an encoded
corpus.

It builds the tables and the kernel once, then trains epoch by epoch.  The
corpus is cut into one work stream per worker (the model's progress keeps
them); each epoch, worker threads run :meth:`w2v._train.Kernel.train_range`
over the streams without the GIL.  All workers meet at the end of every
epoch (a barrier: the epoch's loss is complete, callbacks and checkpoints
see a whole state).  Between epochs and whenever a checkpoint, a
synchronisation or a stop is due, the main thread pauses the workers at
their next sentence start; the progress then holds everything an exact
resume needs (position, random state, pending words, learning rate, loss of
every stream), and training goes on from there unchanged.

A stop (SIGINT, SIGTERM, SIGUSR1 while :meth:`Trainer.run` holds them, or
:meth:`Trainer.request_stop`) is a flag that the main thread acts on at the
next pause: the progress is collected, a checkpoint written, and
:class:`w2v.errors.Stopped` raised; never in the middle of an epoch's end.

Several processes (:mod:`w2v.distributed`) meet through a :class:`Sync`
given at construction, the one interface between the trainer and a
synchroniser."""
from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional, Protocol, Sequence


import numpy as np

from . import _tables, _train, kernels
from .errors import Stopped
from .model import Model, Progress
from .objective import Objective
from .progress import Reporter, fmt_duration

POLL = 0.05          # seconds between the main thread's looks at the workers
# Signals that stop training at the next pause (Ctrl-C, kill, Slurm's
# --signal=USR1@T before the time limit).
STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGUSR1")


@dataclass
class EpochInfo:
    """What a callback gets at the end of each epoch."""

    epoch: int              # epochs finished (1 after the first)
    epochs: int
    loss: float             # mean training loss per example in this epoch
    words_per_sec: float    # words of this epoch / its wall time
    alpha: float            # learning rate at the epoch's end
    seconds: float          # training time so far
    model: Model
    # the objective at the epoch's end (w2v.objective: a fixed sample's loss,
    # exact sigmoid; every process's sample together); nan when not evaluated
    objective: float = float("nan")
    # worker-seconds the workers spent idle in this epoch: waiting at the
    # epoch barrier for other workers (and processes), and at pauses
    wait_s: float = 0.0


class Checkpointer:
    """Writes the model to *path* at every epoch end and every *every*
    seconds (at the next pause); ``write`` is also called on a stop."""

    def __init__(self, path: str, every: float, on_write: Optional[Callable[[str], None]] = None) -> None:
        self.path = path
        self.every = every
        self.on_write = on_write
        self.last = time.monotonic()
        self.writes = 0

    def due(self, now: float) -> bool:
        return now - self.last >= self.every

    def write(self, model: Model, processes: Sequence[Progress] = (), job_words: int = 0) -> None:
        """*processes*: every process's own progress (a run of several
        processes, written by the first), *job_words*: the words they did."""
        model.save(self.path, "checkpoint file", checkpoint=True, processes=processes, job_words=job_words)
        self.last = time.monotonic()
        self.writes += 1
        if self.on_write:
            self.on_write(self.path)


class Sync(Protocol):
    """What the trainer calls to meet other trainers (several processes).

    The trainer calls these with its workers paused (every worker idle, the
    progress collected), from its main thread:

    * ``due(now, words)``: whether a round is due now (``time.monotonic()``),
      *words* being the words this trainer has done so far; asked at every
      look at the workers (:data:`POLL`), so it must be cheap.
    * ``sync(trainer, active)``: a round; *active*: this trainer still has
      work in the current epoch.  Also called (at once) when a stop was
      requested (``trainer.stop_signal``): the round carries the stop to the
      others and raises :class:`w2v.errors.Stopped`.
    * ``epoch_end(trainer)``: this trainer finished the epoch; returns when
      every trainer has (the epoch barrier).
    * ``due_words()``: the words done at which a round is due (0: none):
      the workers pause by themselves there (within the kernel's
      10,000-word counter updates), without waiting for the next look.
    * ``total(values)``: the sums of *values* (floats) over every trainer,
      called by every trainer at each epoch end (after ``epoch_end``).

    A synchroniser reads ``trainer.model``, ``trainer.words_done`` and
    ``trainer.stop_signal``, and may change the words-done count (which
    drives the learning rate) only through ``trainer.set_words_done``, and
    the progress only through ``trainer.collect()``."""

    def due(self, now: float, words: int) -> bool: ...

    def sync(self, trainer: "Trainer", active: bool) -> None: ...

    def epoch_end(self, trainer: "Trainer") -> None: ...

    def due_words(self) -> int: ...

    def total(self, values: Sequence[float]) -> List[float]: ...


def build_kernel(model: Model, ids: np.ndarray, threads: int, frozen: bool = False) -> "_train.Kernel":
    """The tables (Huffman tree, negative-sampling alias table, subsampling,
    sigmoid) and the kernel over the model's matrices (*frozen*: only the
    documents' rows train, inference)."""
    p, vocab = model.params, model.vocab
    counts = vocab.counts
    codes = points = codelens = alias_prob = alias_idx = keep = None
    if p.hs:
        codes, points, codelens = _tables.huffman(counts)
    if p.negative:
        alias_prob, alias_idx = _tables.alias_table(counts)
    if p.sample > 0:
        keep = _tables.keep_probabilities(counts, p.sample, vocab.train_words)
    return _train.Kernel(
        syn0=model.inputs(), docs=len(model.doc_ids or ()), syn1=model.syn1, syn1neg=model.syn1neg,
        window=p.window, negative=p.negative,
        hs=p.hs, cbow=p.cbow, exp_table=_tables.exp_table(), codes=codes, points=points,
        codelens=codelens, alias_prob=alias_prob, alias_idx=alias_idx, keep_prob=keep,
        corpus=ids, start_alpha=p.start_alpha, total_words=model.progress.total_words,
        min_alpha=p.min_alpha, private_paths=threads > 1,
        hot_nodes=_train.HOT_NODE_ROWS if threads > 1 else 0,
        batch=kernels.choose(p.cbow, p.hs, p.negative, p.batch).batched and not frozen, frozen=frozen)


class Trainer:
    """Trains *model* on *ids* (the corpus as vocabulary indices) with
    *threads* worker threads, from wherever its progress stands.

    * ``callbacks``: called with an :class:`EpochInfo` after each epoch; one
      returning ``False`` stops training there.
    * ``checkpoint``: a :class:`Checkpointer`, written at every epoch end,
      when due, and on a stop.
    * ``sync``: a :class:`Sync` (several processes); called at pauses when
      due and at each epoch end.
    * ``stop_signals``: names of the signals that stop training at the next
      pause while :meth:`run` runs (in the main thread; none by default).
    * ``frozen``: only the documents' rows train (inference: words and
      outputs fixed, each epoch at one learning rate).
    * ``reporter``: progress line and per-epoch lines on standard error.
    * ``objective``: evaluate the objective at every epoch end
      (:class:`w2v.objective.Objective`, its sample drawn here);
      ``objective_key``: this process's number (its own sample)."""

    def __init__(self, model: Model, ids: np.ndarray, *, threads: int = 1,
                 reporter: Optional[Reporter] = None, callbacks: Sequence[Callable] = (),
                 checkpoint: Optional[Checkpointer] = None, sync: Optional[Sync] = None,
                 stop_signals: Sequence[str] = (), frozen: bool = False, objective: bool = True,
                 objective_key: int = 0) -> None:
        pr = model.progress
        if len(pr.streams) == 0:
            raise ValueError("the model's progress has no work streams (use Progress.plan)")
        if pr.corpus_words != len(ids):
            raise ValueError("the corpus does not match the model's progress")
        self.model = model.writable()
        self.ids = ids
        self.threads = max(1, min(int(threads), len(pr.streams)))
        self.reporter = reporter or Reporter(0)
        self.callbacks = list(callbacks)
        self.checkpoint = checkpoint
        self.sync = sync
        self.stop_signals = tuple(stop_signals)
        self.stop_signal = 0           # the signal of a stop requested (0: none)
        self.frozen = frozen
        self.kernel = build_kernel(self.model, ids, self.threads, frozen)
        self.kernel.words_done = pr.words_done
        self.states = []
        for s in pr.streams:
            st = _train.WorkerState(self.kernel, s.rng)
            st.pending, st.alpha, st.loss, st.examples = s.pending, s.alpha, s.loss, s.examples
            self.states.append(st)
        self.stopped = False           # a callback asked to stop
        self._errors: List[BaseException] = []
        self._epoch_start = time.monotonic()
        self._epoch_words = 0
        self._wait = 0.0               # worker-seconds idle in this epoch
        self._idle_since: Optional[float] = None
        self.waited = 0.0              # worker-seconds idle in this run's finished epochs ...
        self.worker_seconds = 0.0      # ... of this many
        self.objective = Objective(self.model, ids, objective_key) if objective else None

    # ------------------------------------------------------------------ state
    def collect(self) -> None:
        """Copy the workers' state into the model's progress (workers idle)."""
        pr = self.model.progress
        for s, st in zip(pr.streams, self.states):
            s.rng, s.pending, s.alpha, s.loss, s.examples = st.rng, st.pending, st.alpha, st.loss, st.examples
        pr.words_done = int(self.kernel.words_done)

    @property
    def words_done(self) -> int:
        """The shared word counter (drives the learning rate)."""
        return int(self.kernel.words_done)

    def set_words_done(self, words: int) -> None:
        """Set the word counter (a synchroniser: the words done by every
        process, scaled to this one's share); workers idle."""
        self.kernel.words_done = int(words)

    def request_stop(self, signum: int = signal.SIGINT) -> None:
        """Stop at the next pause (safe from a signal handler: only sets a flag)."""
        self.stop_signal = self.stop_signal or int(signum)

    @contextlib.contextmanager
    def _catching_stops(self) -> Iterator[None]:
        """The stop signals set the flag while training (main thread only)."""
        handlers = {}
        if threading.current_thread() is threading.main_thread():
            for name in self.stop_signals:
                sig = getattr(signal, name, None)
                if sig is not None:
                    handlers[sig] = signal.signal(sig, lambda signum, frame: self.request_stop(signum))
        try:
            yield
        finally:
            for sig, old in handlers.items():
                signal.signal(sig, old)

    def running_loss(self) -> float:
        loss = sum(st.loss for st in self.states)
        n = sum(st.examples for st in self.states)
        return loss / n if n else float("nan")

    # ------------------------------------------------------------------ work
    def _work(self, queue: deque, lock: threading.Lock, finished: List[float]) -> None:
        pr = self.model.progress
        try:
            while not self.kernel.paused:
                with lock:
                    if not queue:
                        return
                    k = queue.popleft()
                s, st = pr.streams[k], self.states[k]
                if not s.begun:
                    # frozen: every worker's rate is the epoch start's (deterministic)
                    self.kernel.begin_epoch(st, self._epoch_words if self.frozen else None)
                    s.begun = True
                s.pos = self.kernel.train_range(st, s.pos, s.end)
        except BaseException as exc:  # pragma: no cover - a bug, re-raised by run()
            self._errors.append(exc)
            self.kernel.pause()
        finally:
            finished.append(time.monotonic())
            if len(finished) == self._running:
                self._all_done.set()

    def _due(self, now: float) -> bool:
        return bool(self.stop_signal) or bool(self.checkpoint and self.checkpoint.due(now)) or bool(
            self.sync is not None and self.sync.due(now, self.words_done))

    def _run_units(self) -> None:
        """Run the streams not yet done this epoch until they are done or a
        pause is due; returns with every worker idle."""
        pr = self.model.progress
        queue = deque(k for k, s in enumerate(pr.streams) if not s.done)
        lock = threading.Lock()
        finished: List[float] = []
        workers = [threading.Thread(target=self._work, args=(queue, lock, finished), name=f"w2v-train-{i}",
                                    daemon=True)
                   for i in range(min(self.threads, len(queue)))]
        began = self._idle_end()
        self.kernel.pause_at = self.sync.due_words() if self.sync is not None else 0
        try:
            self._running, self._all_done = len(workers), threading.Event()
            for t in workers:
                t.start()
            while any(t.is_alive() for t in workers):
                self._all_done.wait(POLL)
                now = time.monotonic()
                self._report(final=False)
                if self._due(now):
                    self.kernel.pause()
                    break
        finally:
            if any(t.is_alive() for t in workers):
                self.kernel.pause()
            for t in workers:
                if t.ident is not None:      # started (a stop may come between two starts)
                    t.join()
            self.kernel.unpause()
            self.collect()
            ended = time.monotonic()
            # workers done before the others (or never started: fewer streams left than threads)
            self._wait += sum(ended - f for f in finished) + (self.threads - len(finished)) * (ended - began)
            self._idle_since = ended
        if self._errors:
            raise self._errors[0]

    def _idle_end(self) -> float:
        """Now; the time since the workers last stopped counts as every
        worker's wait (a pause, the epoch barrier)."""
        now = time.monotonic()
        if self._idle_since is not None:
            self._wait += self.threads * (now - self._idle_since)
            self._idle_since = None
        return now

    def _check_stop(self) -> None:
        """At a pause: a requested stop ends training here (with a
        synchroniser, through a round that tells every process)."""
        if not self.stop_signal:
            return
        if self.sync is not None:
            self.sync.sync(self, active=not all(s.done for s in self.model.progress.streams))
        raise Stopped(self.stop_signal)

    def run(self) -> Model:
        """Train the remaining epochs (or until a callback stops).  On a stop
        (:meth:`request_stop`, a stop signal, or Ctrl-C's KeyboardInterrupt)
        the workers stop within a sentence, the progress is collected (and
        checkpointed, with a checkpoint) and :class:`w2v.errors.Stopped` (or
        the KeyboardInterrupt) goes on."""
        self.model.touch()
        try:
            with self._catching_stops():
                return self._run()
        finally:
            self.model.touch()

    def _run(self) -> Model:
        model, pr = self.model, self.model.progress
        start, base = time.monotonic(), pr.seconds
        self._start = start
        self._done_at_start = pr.words_done
        try:
            while pr.epoch < pr.epochs and not self.stopped:
                self._check_stop()
                self._epoch_start = time.monotonic()
                self._epoch_words = pr.words_done
                self._wait, self._idle_since = 0.0, None
                while not all(s.done for s in pr.streams):
                    self._run_units()
                    pr.seconds = base + time.monotonic() - start
                    self._check_stop()
                    now = time.monotonic()
                    if self.sync is not None and self.sync.due(now, self.words_done):
                        self.sync.sync(self, active=not all(s.done for s in pr.streams))
                    if self.checkpoint and self.checkpoint.due(now):
                        self.checkpoint.write(model)
                self._end_epoch(base + time.monotonic() - start)
            self._check_stop()
        except KeyboardInterrupt:
            self.kernel.pause()
            pr.seconds = base + time.monotonic() - start
            self.reporter.end_line()
            if self.checkpoint:
                self.checkpoint.write(model)
            raise
        if self.worker_seconds:
            self.reporter.info(self.wait_summary())
        self._report(final=True)
        return model

    def _end_epoch(self, seconds: float) -> None:
        model, pr = self.model, self.model.progress
        if self.sync is not None:
            self.sync.epoch_end(self)
        self._idle_end()
        loss = self.running_loss()
        wall = max(time.monotonic() - self._epoch_start, 1e-9)
        words = pr.words_done - self._epoch_words
        objective = self._objective()
        # the epoch's end in as few steps as possible (a stop signal may come
        # between any two): streams back to their starts, then the epoch count
        for st in self.states:
            st.loss, st.examples = 0.0, 0
        for s in pr.streams:
            s.pos, s.begun, s.loss, s.examples = s.start, False, 0.0, 0
        pr.losses.append(loss)
        pr.objectives.append(objective)
        pr.epoch += 1
        pr.seconds = seconds
        info = EpochInfo(pr.epoch, pr.epochs, loss, words / wall, float(self.kernel.alpha), seconds, model,
                         objective, self._wait)
        shown = f"objective {objective:.4f}, " if objective == objective else ""
        self.reporter.info(f"epoch {pr.epoch}/{pr.epochs}: loss {loss:.4f} per example, {shown}"
                           f"{_rate(info.words_per_sec)} words/s")
        self.waited += self._wait
        self.worker_seconds += self.threads * wall
        if self.checkpoint:
            self.checkpoint.write(model)
        for cb in self.callbacks:
            if cb(info) is False:
                self.stopped = True

    def wait_summary(self) -> str:
        """The closing line on the workers' waits (epoch barriers, pauses)."""
        share = 100.0 * self.waited / self.worker_seconds if self.worker_seconds else 0.0
        return f"Workers waited {self.waited:.2f} s at epoch ends and pauses ({share:.1f} % of their time)"

    def _objective(self) -> float:
        """The objective on the run's sample (every process's, with a synchroniser)."""
        if self.objective is None:
            return float("nan")
        loss, n = self.objective.total(self.threads)
        if self.sync is not None:
            loss, n = self.sync.total([loss, float(n)])
        return loss / n if n else float("nan")

    # ------------------------------------------------------------------ progress line
    def _report(self, final: bool) -> None:
        rep = self.reporter
        if rep.debug < 2:
            return
        pr = self.model.progress
        done = int(self.kernel.words_done)
        elapsed = max(time.monotonic() - self._start, 1e-9)
        total = max(pr.total_words - 1, 1.0)
        frac = min(done / total, 1.0)
        new = done - self._done_at_start
        wts = new / (elapsed * self.threads) / 1000.0
        fields = [(f"Alpha: {self.kernel.alpha:f}", 3), (f"Progress: {frac * 100:.2f}%", 0),
                  (f"Words/thread/sec: {wts:.2f}k", 1)]
        loss = self.running_loss()
        if loss == loss:
            fields.append((f"Loss: {loss:.4f}", 2))
        fields.append((f"Elapsed: {fmt_duration(pr.seconds if final else elapsed)}", 4))
        if not final and new > 0:
            left = (total - done) / (new / elapsed)
            fields.append((f"ETA: {fmt_duration(left)}", 5))
        rep.progress(fields, final=final)


def _rate(x: float) -> str:
    return f"{x / 1e6:.2f}M" if x >= 1e6 else f"{x / 1e3:.1f}k"


def plan(model: Model, corpus_words: int, streams: int, fingerprint: str, first_stream: int = 0) -> Model:
    """Start a new training run of *model* (fresh schedule) over a corpus of
    *corpus_words* ids cut into *streams* work streams (numbered from
    *first_stream*, for their random seeds)."""
    old = model.progress
    model.progress = Progress.plan(model.params.iter, corpus_words, max(1, min(streams, max(corpus_words, 1))),
                                   model.params.seed + old.runs, fingerprint,
                                   runs=old.runs + (1 if old.epochs else 0), first_stream=first_stream)
    return model
