"""Training on several processes (ranks) over MPI, through mpi4py.

``mpiexec -n K w2v train ...`` (or ``srun``) starts K copies of the command.
Whether we run under a launcher is read from the environment *before* mpi4py
is imported (:func:`launcher_env`); a single process never imports mpi4py.

Every rank reads only its share of the text (:func:`w2v.io.iter_blocks`),
counts it, and the counts are merged into one vocabulary, identical to the one
a single process builds from the whole text (:func:`merge_counts`).  Every
rank trains its share with its own threads on its own copy of the model; the
copies are combined in place with Allreduce (:class:`RankSync`, driven by the
trainer through :class:`TrainerSync`): the most frequent rows (which lead the
vocabulary) at every round, colder rows less often, everything at each epoch
end.  docs/distributed.md has the design.

Faults: a W2VError raised inside :meth:`Dist.collective` is seen by every
rank (rank 0 reports it, all exit cleanly); any other error ends the whole
job through ``MPI_Abort`` (:meth:`Dist.abort`).
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, List, Optional, Sequence, Tuple, TypeVar

import numpy as np

from .config import available_cores
from . import _text
from .corpus import (Corpus, IdSpool, TextSource, encode_corpus, has_words, new_table, spool_errors,
                     spool_text)
from .errors import W2VError
from .io import iter_blocks, iter_text
from .progress import Reporter
from .vocab import Vocab

T = TypeVar("T")

# (rank variable, size variable) of the launchers we know, in order of trust.
_LAUNCHER_VARS = (
    ("PMI_RANK", "PMI_SIZE"),                          # MPICH (hydra), Intel MPI
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),  # Open MPI
    ("PMIX_RANK", None),                               # PMIx (Open MPI 5, srun --mpi=pmix)
    ("MV2_COMM_WORLD_RANK", "MV2_COMM_WORLD_SIZE"),    # MVAPICH
    ("PALS_RANKID", None),                             # HPE/Cray PALS
    ("MPI_LOCALRANKID", "MPI_LOCALNRANKS"),            # MPICH/Intel node-local ids
    ("SLURM_PROCID", "SLURM_STEP_NUM_TASKS"),          # srun
)

MPI_EXTRA = 'pip install "w2v[mpi]" (or "w2v[mpich]" to get an MPI too)'
# Elements per Allreduce call: well below 2^31 (MPI's int counts).
DEFAULT_CHUNK = 1 << 26
# Rows averaged at every synchronisation; twice as many every second one, ...
HOT_ROWS = 1024


@dataclass(frozen=True)
class Launch:
    rank: int
    size: Optional[int]   # None: the launcher does not say (mpi4py will)
    source: str


def _int_env(env, name: Optional[str]) -> Optional[int]:
    if not name:
        return None
    try:
        return int(env.get(name, ""))
    except ValueError:
        return None


def launcher_env(env=None) -> Optional[Launch]:
    """The rank this process has under an MPI launcher or srun, from the
    environment alone; None for a plain process (or srun with one task)."""
    env = os.environ if env is None else env
    for rank_var, size_var in _LAUNCHER_VARS:
        rank = _int_env(env, rank_var)
        if rank is None:
            continue
        size = _int_env(env, size_var)
        if rank_var == "SLURM_PROCID":
            size = size if size is not None else _int_env(env, "SLURM_NTASKS")
            if size is None or size <= 1:
                continue       # a batch script's own shell, or srun -n 1
        if size is not None and size <= 1:
            return None
        return Launch(rank, size, rank_var)
    return None


def env_rank(env=None) -> int:
    """Rank from the environment (0 for a plain process)."""
    launch = launcher_env(env)
    return launch.rank if launch else 0


def _import_mpi(launch: Launch):
    try:
        import mpi4py
    except ImportError:
        what = f"{launch.size} processes" if launch.size else f"an MPI launcher ({launch.source} is set)"
        raise W2VError(f"running as {what} needs mpi4py: {MPI_EXTRA}") from None
    mpi4py.rc.thread_level = "serialized"   # one thread at a time calls MPI
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise W2VError(f"mpi4py cannot load an MPI library ({exc}): {MPI_EXTRA}") from None
    return MPI


def node_cores() -> int:
    try:
        return max(1, os.cpu_count() or 1)
    except Exception:  # pragma: no cover
        return 1


@dataclass
class Dist:
    """This rank's place in the job."""

    comm: object
    MPI: object
    rank: int
    size: int
    local_rank: int
    local_size: int

    # ---- threads and random streams ---------------------------------------
    def default_threads(self) -> int:
        """Cores for each rank of this node: the cores this process may use
        when the launcher pinned it to fewer than the node has, else the node's
        cores divided by the ranks on the node."""
        allowed, cores = available_cores(), node_cores()
        if allowed < cores:
            return allowed
        return max(1, cores // self.local_size)

    def worker_offset(self, threads: int) -> int:
        """Global index of this rank's first worker (ranks may differ in threads)."""
        offset = self.comm.exscan(int(threads))
        return 0 if self.rank == 0 or offset is None else int(offset)

    # ---- errors -----------------------------------------------------------
    def collective(self, fn: Callable[[], T]) -> T:
        """Run *fn* on every rank; if it raised a W2VError on any rank, raise
        it on all (the lowest failing rank's message, reported by rank 0)."""
        error: Optional[str] = None
        exit_code = 1
        result = None
        try:
            result = fn()
        except W2VError as exc:
            error, exit_code = str(exc), exc.exit_code
        errors = self.comm.allgather(None if error is None else (error, exit_code))
        for r, e in enumerate(errors):
            if e is not None:
                exc = W2VError(e[0] if r == 0 else f"{e[0]} (rank {r})")
                exc.exit_code = e[1]
                exc.collective = True
                raise exc
        return result

    def abort(self, code: int = 1) -> None:  # pragma: no cover - ends the process
        self.comm.Abort(code)

    def bcast(self, obj, root: int = 0):
        return self.comm.bcast(obj, root=root)


_dist: List[Optional[Dist]] = []


def _abort_on_uncaught(dist: Dist) -> None:
    """An uncaught exception (a bug) on one rank ends the whole job: without
    this, the other ranks would wait for it forever in their next collective."""
    previous = sys.excepthook

    def hook(kind, value, tb):
        previous(kind, value, tb)
        try:
            sys.stderr.flush()
        finally:
            dist.abort(1)

    sys.excepthook = hook


def init(env=None) -> Optional[Dist]:
    """The MPI job this process belongs to, or None when it runs alone (then
    mpi4py is not imported).  A launcher that starts several processes
    without mpi4py installed is a one-line error."""
    if _dist:
        return _dist[0]
    launch = launcher_env(env)
    dist = None
    if launch is not None:
        MPI = _import_mpi(launch)
        comm = MPI.COMM_WORLD
        if comm.Get_size() > 1:
            local = comm.Split_type(MPI.COMM_TYPE_SHARED, key=comm.Get_rank())
            dist = Dist(comm, MPI, comm.Get_rank(), comm.Get_size(), local.Get_rank(), local.Get_size())
            local.Free()
            _abort_on_uncaught(dist)
    _dist.append(dist)
    return dist


def current() -> Optional[Dist]:
    """The job :func:`init` found (None before init or for one process)."""
    return _dist[0] if _dist else None


# --------------------------------------------------------------------------- vocabulary
@dataclass
class Counts:
    """One rank's count of its share: words in local first-occurrence order
    (``</s>`` first), their counts, and for each word the index of the text
    block where this rank first saw it (see :func:`w2v.io.iter_blocks`)."""

    words: List[bytes]
    counts: np.ndarray
    first_block: np.ndarray
    tokens: int = 0
    prunes: int = 0   # times C's ReduceVocab rule forgot rare words


def count_share(blocks: Iterable[Tuple[int, bytes]], reporter: Optional[Reporter] = None,
                max_entries: int = 21_000_000) -> Tuple[Counts, IdSpool, TextSource]:
    """Count this rank's (block, chunk) pairs (:func:`w2v.io.iter_blocks`);
    returns the counts, the spooled provisional ids (the caller closes it) and
    the source read (its fingerprint).

    A word's first block is where this rank first saw it; after C's pruning
    rule forgot words (ids compacted), every word gets the share's first block
    (ties then follow rank order, see docs/distributed.md)."""
    reporter = reporter or Reporter(0)
    table = new_table()
    starts: List[Tuple[int, int]] = []     # (table size when a block began, block)

    def chunks():
        current = None
        for block, data in blocks:
            if block != current:
                starts.append((len(table), block))
                current = block
            yield data

    source = TextSource(chunks=chunks())
    tokenizer = _text.Tokenizer(table, "count")
    with spool_errors():
        spool = IdSpool()
    try:
        prunes = spool_text(source, tokenizer, spool, reporter, table, max_entries)
    except BaseException:
        spool.close()
        raise
    n = len(table)
    first = np.zeros(n, dtype=np.int64)
    if starts and prunes == 0:
        for (lo, block), (hi, _) in zip(starts, starts[1:] + [(n, None)]):
            first[lo:hi] = block
    elif starts:
        first[:] = starts[0][1]
    counts = Counts(table.words(), table.counts_array(), first, int(tokenizer.tokens), prunes)
    return counts, spool, source


def merge_counts(parts: Sequence[Counts], min_count: int) -> Tuple[Vocab, List[np.ndarray]]:
    """Merge the ranks' counts (in rank order) into one vocabulary.

    Counts are summed; a word's first occurrence in the whole text is the
    smallest (first block, rank-local order) over the ranks (a block belongs
    to one rank, and in rank order blocks follow the text), so sorting by
    count with ties in that order gives exactly the vocabulary one process
    builds.  Returns the vocabulary and, for each rank, its local id -> final
    index map (-1 = dropped)."""
    table = new_table()
    slots: List[np.ndarray] = []
    for part in parts:
        slot = np.empty(len(part.words), dtype=np.int64)
        for i, (w, c) in enumerate(zip(part.words, part.counts.tolist())):
            slot[i] = table.add_word(w, c)
        slots.append(slot)
    n = len(table)
    counts = table.counts_array()
    big = np.iinfo(np.int64).max
    block = np.full(n, big, dtype=np.int64)
    local = np.full(n, big, dtype=np.int64)
    for part, slot in zip(parts, slots):
        pos = np.arange(len(slot), dtype=np.int64)
        b = np.asarray(part.first_block, dtype=np.int64)
        earlier = (b < block[slot]) | ((b == block[slot]) & (pos < local[slot]))
        block[slot[earlier]] = b[earlier]
        local[slot[earlier]] = pos[earlier]
    block[0] = local[0] = -1                     # </s> stays first
    order = np.lexsort((local, block))           # first occurrence in the whole text
    words = table.words()
    vocab, mapping = Vocab.from_counts([words[i] for i in order], counts[order], min_count)
    final = np.empty(n, dtype=np.int64)
    final[order] = mapping
    return vocab, [final[s] for s in slots]


def _pack_words(words: Sequence[bytes]) -> bytes:
    return b"\n".join(words)     # words never hold a newline


def _unpack_words(blob: bytes) -> List[bytes]:
    return blob.split(b"\n")


def merge_vocab(dist: Dist, counts: Counts, min_count: int) -> Tuple[Vocab, np.ndarray]:
    """:func:`merge_counts` over the job: rank 0 merges, every rank gets the
    vocabulary and its own id map."""
    mine = (_pack_words(counts.words), counts.counts, counts.first_block)
    gathered = dist.comm.gather(mine, root=0)
    vocab_msg = maps = None
    if dist.rank == 0:
        parts = [Counts(_unpack_words(w), c, b) for w, c, b in gathered]
        del gathered
        vocab, maps = merge_counts(parts, min_count)
        vocab_msg = (_pack_words(vocab.words), vocab.counts)
    mapping = dist.comm.scatter(maps, root=0)
    blob, vcounts = dist.comm.bcast(vocab_msg, root=0)
    return Vocab(_unpack_words(blob), vcounts), mapping


def bcast_vocab(dist: Dist, vocab: Optional[Vocab]) -> Vocab:
    """Rank 0's vocabulary (e.g. read from -read-vocab) on every rank."""
    msg = (_pack_words(vocab.words), vocab.counts) if dist.rank == 0 else None
    blob, counts = dist.comm.bcast(msg, root=0)
    return vocab if dist.rank == 0 else Vocab(_unpack_words(blob), counts)


# --------------------------------------------------------------------------- model averaging
def hot_rows(round_: int, n_rows: int, first: int = HOT_ROWS) -> int:
    """Rows averaged at synchronisation number *round_* (1, 2, ...): *first*
    rows, times 2^k when 2^k divides *round_* (1024, 2048, 1024, 4096, ...)."""
    if round_ < 1:
        raise ValueError("rounds count from 1")
    k = (round_ & -round_).bit_length() - 1
    return min(n_rows, first << min(k, 62))


@dataclass
class SyncStats:
    rounds: int = 0
    averages: int = 0
    bytes: int = 0            # bytes of model averaged by this rank (each way)
    seconds: float = 0.0      # wall time in MPI calls
    cpu_seconds: float = 0.0  # CPU time of the calling thread in MPI calls
    waits: List[float] = field(default_factory=list, repr=False)


class RankSync:
    """The ranks' meeting points.  Every rank must make the same sequence of
    calls; the caller's worker threads must be paused during each (MPICH's
    blocking collectives busy-wait).

    * :meth:`sync` sums (active, words done, stop request, round number)
      over the ranks (the round numbers check that the ranks are in step):
      a rank that finished its work keeps calling it with ``active=False``
      until no rank is active; the summed words drive the learning rate.
    * :meth:`average` averages the first *rows* rows of each array in place
      (Allreduce SUM on float32 row blocks of at most *chunk* elements, then
      times 1/K); :meth:`average_hot` does so for this round's hot rows.
    """

    def __init__(self, comm, chunk: int = DEFAULT_CHUNK, first_rows: int = HOT_ROWS,
                 poll: float = 0.0005):
        from mpi4py import MPI   # only ever constructed under MPI

        if chunk < 1 or chunk >= 1 << 31:
            raise ValueError("chunk must be in [1, 2^31)")
        self.comm = comm
        self.MPI = MPI
        self.size = comm.Get_size()
        self.rank = comm.Get_rank()
        self.chunk = chunk
        self.first_rows = first_rows
        self.poll = poll
        self.global_words = 0
        self.stop_requested = False
        self.save_requested = False       # this round writes a checkpoint
        self.stats = SyncStats()
        self.gain = 1.0 / self.size
        self.bases = {}

    def track(self, arrays, gain: float) -> None:
        """Combine as base + gain * (sum of the ranks' changes since the last
        round) instead of averaging (gain 1/K); keeps a copy of *arrays*,
        which must be equal on every rank now."""
        self.gain = gain
        if abs(gain * self.size - 1) > 1e-9:
            for a in arrays:
                if a is not None:
                    self.bases[id(a)] = a.reshape(len(a), -1).copy()

    def _timed(self, t0: float, c0: float) -> None:
        self.stats.seconds += time.perf_counter() - t0
        self.stats.cpu_seconds += time.thread_time() - c0

    def sync(self, active: bool, words_delta: int, stop: bool = False, save: bool = False) -> Tuple[bool, int]:
        """Sum the flags and word counts; returns (any rank active, words done
        by all ranks so far); *save*: this rank asks for a checkpoint at this
        round (``save_requested`` says whether any rank did).  Waits by
        polling with sleeps, not spinning."""
        t0, c0 = time.perf_counter(), time.thread_time()
        send = np.array([1 if active else 0, int(words_delta), 1 if stop else 0, self.stats.rounds + 1,
                         1 if save else 0], dtype=np.int64)
        recv = np.zeros(5, dtype=np.int64)
        req = self.comm.Iallreduce(send, recv, op=self.MPI.SUM)
        while not req.Test():
            time.sleep(self.poll)
        self._timed(t0, c0)
        self.stats.rounds += 1
        if int(recv[3]) != self.size * self.stats.rounds:   # a bug: the collectives no longer match
            raise RuntimeError(f"rank {self.rank} is at round {self.stats.rounds}, out of step with the others")
        self.global_words += int(recv[1])
        self.stop_requested = self.stop_requested or bool(recv[2])
        self.save_requested = bool(recv[4])
        return bool(recv[0]), self.global_words

    def average(self, arrays: Sequence[Optional[np.ndarray]], rows: Optional[int] = None) -> int:
        """Average rows [0, rows) of each array (all rows if None) over the
        ranks, in place; returns the bytes averaged on this rank."""
        t0, c0 = time.perf_counter(), time.thread_time()
        total = 0
        scale = np.float32(1.0 / self.size)
        for a in arrays:
            if a is None:
                continue
            if a.dtype != np.float32 or not a.flags.c_contiguous:
                raise ValueError("arrays to average must be C-contiguous float32")
            flat = a.reshape(len(a), -1) if a.ndim > 1 else a.reshape(-1, 1)
            n = len(flat) if rows is None else min(rows, len(flat))
            width = max(1, flat.shape[1])
            step = max(1, self.chunk // width)
            if width > self.chunk:
                raise ValueError("a row is larger than one chunk")
            base = self.bases.get(id(a))
            for lo in range(0, n, step):
                block = flat[lo:min(n, lo + step)]
                if base is None:
                    self.comm.Allreduce(self.MPI.IN_PLACE, block, op=self.MPI.SUM)
                    block *= scale
                else:
                    old = base[lo:min(n, lo + step)]
                    delta = block - old
                    self.comm.Allreduce(self.MPI.IN_PLACE, delta, op=self.MPI.SUM)
                    delta *= np.float32(self.gain)
                    old += delta
                    block[...] = old
            total += n * flat.shape[1] * 4
        self._timed(t0, c0)
        self.stats.averages += 1
        self.stats.bytes += total
        return total

    def average_hot(self, arrays: Sequence[Optional[np.ndarray]]) -> int:
        """Average this round's hot rows (see :func:`hot_rows`)."""
        n = max((len(a) for a in arrays if a is not None), default=0)
        return self.average(arrays, hot_rows(max(1, self.stats.rounds), n, self.first_rows))

    def epoch_end(self, arrays: Sequence[Optional[np.ndarray]]) -> int:
        """Average everything (every rank at its epoch barrier)."""
        return self.average(arrays, None)


# --------------------------------------------------------------------------- the corpus of a rank
def agreed_error(message: str) -> W2VError:
    """A W2VError every rank raises alike (reported once, by rank 0)."""
    exc = W2VError(message)
    exc.collective = True
    return exc


def load_corpus(dist: Dist, paths: Sequence[str], min_count: int, read_vocab: Optional[str] = None,
                max_entries: int = 21_000_000, reporter: Optional[Reporter] = None,
                vocab: Optional[Vocab] = None) -> Corpus:
    """This rank's share of the text, encoded against the job's vocabulary:
    *vocab* (every rank has it), rank 0's -read-vocab, or the one merged from
    every rank's counts."""
    reporter = reporter if reporter is not None and dist.rank == 0 else Reporter(0)
    share = (dist.rank, dist.size)
    source = TextSource(paths)
    if read_vocab or vocab is not None:
        if vocab is None:
            def read() -> Optional[Vocab]:
                if dist.rank != 0:
                    return None
                v = Vocab.read(read_vocab, min_count)
                if len(v) < 2:
                    raise W2VError(f"no word in vocabulary file {read_vocab!r} has count >= -min-count {min_count}")
                return v

            vocab = bcast_vocab(dist, dist.collective(read))
        mine = TextSource(chunks=iter_text(paths, share))
        corpus = dist.collective(lambda: encode_corpus(mine, vocab, reporter, require_words=False))
        if not dist.comm.allreduce(int(has_words(corpus.ids)), op=dist.MPI.MAX):
            raise agreed_error(f"{source.what} {source.name} has no word of the vocabulary")
        return corpus
    counts, spool, mine = dist.collective(lambda: count_share(iter_blocks(paths, share), reporter, max_entries))
    try:
        if dist.comm.allreduce(counts.tokens) == 0:
            raise agreed_error(f"{source.what} {source.name} is empty (no words)")
        vocab, mapping = merge_vocab(dist, counts, min_count)
        if len(vocab) < 2:
            raise agreed_error(f"no word in {source.what} {source.name} occurs at least -min-count {min_count} times")
        with spool_errors():
            spool.remap(mapping)
        return Corpus(vocab, spool.array(), counts.tokens, mine.fingerprint, counts.prunes)
    finally:
        spool.close()


class Stopped(KeyboardInterrupt):
    """Every rank stops at the same round: a stop signal reached some rank."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


# Signals that stop a multi-process run at the next round (Ctrl-C, kill,
# Slurm's --signal=USR1@T before the time limit).
STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGUSR1")


class TrainerSync:
    """The ranks' rounds as :class:`w2v.trainer.Trainer` runs them, with its
    workers paused: :meth:`sync` every ``interval`` seconds while this rank
    trains, :meth:`epoch_end` once it has finished the epoch (it keeps joining
    rounds, inactive, until no rank is active, then every row is combined).

    The ranks' models are combined as base + *gain* x (sum of the ranks'
    changes since the last round), from a copy of the rows as they were then
    (*gain* 1/K is the plain average, which needs no copy).  The learning rate
    follows the job's progress: after each round this rank's word counter is
    set to the words done by all ranks, scaled to its share of the text.

    With a *checkpoint* (:class:`w2v.trainer.Checkpointer`), rank 0's clock
    says when one is due (a flag in the round's control sum) and a stop
    writes one too: :meth:`write_checkpoint`.  *job_words*: the words the
    whole job had done when it was checkpointed (on -resume)."""

    def __init__(self, dist: Dist, model, interval: float, gain: float = 1.0,
                 chunk: int = DEFAULT_CHUNK, first_rows: int = HOT_ROWS, checkpoint=None,
                 job_words: int = 0) -> None:
        self.dist = dist
        self.rs = RankSync(dist.comm, chunk=chunk, first_rows=first_rows)
        self.rs.global_words = int(job_words)      # a resumed job's words so far
        # a w2v.trainer.Checkpointer (rank 0's clock says when; rank 0 writes)
        self.checkpoint = checkpoint
        self.arrays = [a for a in (model.syn0, model.syn1, model.syn1neg) if a is not None]
        self.rs.track(self.arrays, gain)
        local = int(model.progress.corpus_words)
        total = dist.comm.allreduce(local)
        self.scale = local / total if total else 0.0
        self.interval = float(interval)
        self.next_at = time.monotonic() + self.interval
        self.reported = int(model.progress.words_done)
        self.signum = 0
        self.at_barrier = False
        self._handlers = {}

    # ---- signals: a flag, turned into a stop at the next round on every rank
    def catch_signals(self) -> None:
        import signal

        def flag(signum, frame):
            self.signum = self.signum or signum

        for name in STOP_SIGNALS:
            sig = getattr(signal, name, None)
            if sig is not None:
                self._handlers[sig] = signal.signal(sig, flag)

    def release_signals(self) -> None:
        import signal

        for sig, old in self._handlers.items():
            signal.signal(sig, old)
        self._handlers.clear()

    # ---- the trainer's calls
    def due(self, now: float) -> bool:
        return now >= self.next_at or self.signum != 0

    def _round(self, trainer, active: bool) -> bool:
        kernel = trainer.kernel
        done = int(kernel.words_done)
        ck = self.checkpoint
        save = ck is not None and self.dist.rank == 0 and ck.due(time.monotonic())
        any_active, words = self.rs.sync(active, done - self.reported, stop=self.signum != 0, save=save)
        self.reported = int(round(words * self.scale))
        kernel.words_done = self.reported
        if self.rs.stop_requested:
            if ck is not None:
                self.write_checkpoint(trainer)
            raise Stopped(self.signum or 15)     # another rank got the signal: as SIGTERM
        save = self.rs.save_requested and ck is not None
        if not any_active or save:
            # the epoch barrier (every rank has finished the epoch) or a
            # checkpoint: everything combined, the hot rows with the rest
            self.rs.epoch_end(self.arrays)
        else:
            self.rs.average_hot(self.arrays)
        self.at_barrier = not any_active
        if save:
            self.write_checkpoint(trainer, combined=True)
        self.next_at = time.monotonic() + self.interval
        return any_active

    def write_checkpoint(self, trainer, combined: bool = False) -> None:
        """Every rank, at a round: all rows combined (the ranks' matrices are
        then identical), every rank's progress gathered to rank 0, which
        writes one file with the model and the K progress records
        (*combined*: the rows already are)."""
        if not combined:
            self.rs.epoch_end(self.arrays)
        trainer.collect()
        model = trainer.model
        pr = model.progress
        records = self.dist.comm.gather(pr.own(), root=0)

        def write() -> None:
            if self.dist.rank == 0:
                pr.ranks, pr.job_words = records, self.rs.global_words
                try:
                    self.checkpoint.write(model)
                finally:
                    pr.ranks, pr.job_words = [], 0

        self.dist.collective(write)
        self.checkpoint.last = time.monotonic()

    def sync(self, trainer, active: bool = True) -> None:
        self._round(trainer, active)

    def epoch_end(self, trainer) -> None:
        """This rank finished the epoch: rounds until no rank is active (a
        round of :meth:`sync` may already have found that)."""
        while not self.at_barrier:
            self._round(trainer, False)
        self.at_barrier = False

    def summary(self) -> str:
        st = self.rs.stats
        return (f"MPI: {st.rounds} rounds, {st.averages} averages, {st.bytes / 1e6:.1f} MB averaged, "
                f"{st.seconds:.2f} s in MPI ({st.cpu_seconds:.2f} s CPU)")
