"""Synchronisation of a multi-process run: the ranks' rounds as the trainer
pauses for them (:class:`TrainerSync`, the :class:`w2v.trainer.Sync` of a
multi-process run) over the collectives of :class:`RankSync`.

Every rank trains its share with its own threads on its own copy of the
model; the copies are combined in place with Allreduce: the most frequent
rows (which lead the vocabulary) at every round (:func:`hot_rows`), colder
rows less often, everything at each epoch end (the epoch barrier) and before
a checkpoint.  Each round also sums the ranks' words done (the learning rate
follows the whole job) and their stop requests.  docs/distributed.md has the
design."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .._train import COUNTER_UPDATE_WORDS
from ..errors import Stopped
from .launch import Dist

# Elements per Allreduce call: well below 2^31 (MPI's int counts).
DEFAULT_CHUNK = 1 << 26
# Rows averaged at every synchronisation; twice as many every second one, ...
HOT_ROWS = 1024


# Floats per rank in a node's shared slots (NodeSum's chunk: 4 MB a rank)
NODE_SLOT = 1 << 20

# A round's control sum is polled without sleeping for this long, then with
# sleeps of RankSync.poll (a sleep's wake-up alone costs about half a millisecond)
SPIN_S = 0.002

# -sync-words' default: at least this many words per round, ...
MIN_ROUND_WORDS = 100_000
# ... or a fiftieth of an epoch of the whole job, whichever is more
ROUNDS_PER_EPOCH = 50


def default_round_words(epoch_words: int) -> int:
    """Words per round (all ranks together) when -sync-words is not given:
    MIN_ROUND_WORDS (measured on 1M-17M-word corpora to keep one process's
    quality), or 1/ROUNDS_PER_EPOCH of an epoch of the whole job where that
    is more, so that a bigger job makes fewer, bigger rounds (their cost is
    per round: docs/distributed.md).  It depends on the text alone, not on
    the ranks' speed, so a job's result stays independent of the machine."""
    return max(MIN_ROUND_WORDS, int(epoch_words) // ROUNDS_PER_EPOCH)


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
    sum_seconds: float = 0.0  # ... of which in the rounds' control sums (mostly waiting for the others)
    waits: List[float] = field(default_factory=list, repr=False)


class NodeSum:
    """The tracked combination through a node's shared memory, for jobs
    with several ranks on every node (the same number on each).  The node
    keeps one copy of each tracked array's base (the rows as the last round
    left them, equal on every rank), in memory its ranks share, and a slot
    of *slot* floats per rank.  A chunk of rows is combined as:

    1. each rank writes its change (its rows - the base) into its slot;
    2. each rank sums one K-th of the chunk over the node's slots (its own
       first, then the others' in rank order), adds in that part of the
       other nodes' sums (Allreduce among the ranks of the same local rank,
       one per node), and adds gain x the total to the base;
    3. each rank copies the base into its rows.

    Each byte is read and written a few times in memory, with no copy
    through MPI's buffers between the ranks of a node (Allreduce's way), and
    the node holds one base instead of one per rank (docs/distributed.md)."""

    def __init__(self, comm, node, MPI, slot: int = NODE_SLOT) -> None:
        if slot < 1:
            raise ValueError("slot must be >= 1")
        self.MPI = MPI
        self.node = node
        self.K = node.Get_size()
        self.r = node.Get_rank()
        # the ranks of this local rank, one per node (a collective of the job)
        self.cross = comm.Split(self.r, comm.Get_rank())
        self.slot = int(slot)
        self.windows = []
        self.slots = self._shared((self.K, self.slot))

    @staticmethod
    def usable(comm, node) -> bool:
        """Whether every node has the same number (> 1) of ranks (a collective
        of the job; False without a node communicator)."""
        size = node.Get_size() if node is not None else 0
        sizes = comm.allgather(size)
        return size > 1 and all(n == size for n in sizes)

    def _shared(self, shape) -> np.ndarray:
        """A float32 array of *shape* in memory the node's ranks share
        (a collective of the node)."""
        n = int(np.prod(shape, dtype=np.int64))
        win = self.MPI.Win.Allocate_shared(n * 4 if self.r == 0 else 0, 4, comm=self.node)
        self.windows.append(win)
        buf, _ = win.Shared_query(0)
        return np.ndarray(buffer=buf, dtype=np.float32, shape=shape)

    def base_of(self, a: np.ndarray) -> np.ndarray:
        """The node's shared base of *a* (a copy of local rank 0's *a*, which
        must be equal on every rank)."""
        flat = a.reshape(len(a), -1)
        base = self._shared(flat.shape)
        if self.r == 0:
            base[...] = flat
        self.node.Barrier()
        return base

    def combine(self, flat: np.ndarray, base: np.ndarray, n: int, gain: float) -> None:
        """Rows [0, n) of this rank's *flat* and of the node's *base*
        become base + gain x (the sum of every rank's rows - base)."""
        width = max(1, flat.shape[1])
        step = max(1, self.slot // width)
        K, r = self.K, self.r
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            rows, b = flat[lo:hi].reshape(-1), base[lo:hi].reshape(-1)
            m = len(rows)
            mine = self.slots[r, :m]
            np.subtract(rows, b, out=mine)
            self.node.Barrier()
            p0, p1 = m * r // K, m * (r + 1) // K
            part = mine[p0:p1]
            for k in range(K):
                if k != r:
                    part += self.slots[k, p0:p1]
            if self.cross.Get_size() > 1:
                self.cross.Allreduce(self.MPI.IN_PLACE, part, op=self.MPI.SUM)
            if gain != 1.0:
                part *= np.float32(gain)
            b[p0:p1] += part
            self.node.Barrier()
            rows[...] = b

    def close(self) -> None:
        for win in self.windows:
            win.Free()
        self.windows = []
        self.cross.Free()


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
                 poll: float = 0.0005, spin: float = SPIN_S, node=None, node_slot: int = NODE_SLOT):
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
        self.spin = spin
        self.global_words = 0
        self.stop_requested = False
        self.save_requested = False       # this round writes a checkpoint
        self.stats = SyncStats()
        self.gain = 1.0 / self.size
        # (array, copy of its rows at the last round) of each tracked array
        self.tracked: List[Tuple[np.ndarray, np.ndarray]] = []
        self.node = node                  # the node's communicator (NodeSum), or None
        self.node_slot = node_slot
        self.node_sum: Optional[NodeSum] = None

    def track(self, arrays, gain: float) -> None:
        """Combine as base + gain * (sum of the ranks' changes since the last
        round) instead of averaging (gain 1/K); keeps a copy of *arrays*,
        which must be equal on every rank now: one per node in shared memory
        (:class:`NodeSum`) where every node runs the same number of ranks
        (more than one), else one per rank."""
        self.gain = gain
        self.tracked = []
        if abs(gain * self.size - 1) > 1e-9:
            arrays = [a for a in arrays if a is not None]
            if self.node_sum is None and NodeSum.usable(self.comm, self.node):
                self.node_sum = NodeSum(self.comm, self.node, self.MPI, self.node_slot)
            if self.node_sum is not None:
                self.tracked = [(a, self.node_sum.base_of(a)) for a in arrays]
            else:
                self.tracked = [(a, a.reshape(len(a), -1).copy()) for a in arrays]

    def close(self) -> None:
        """Free the node's shared memory (every rank, at the job's end)."""
        if self.node_sum is not None:
            self.node_sum.close()
            self.node_sum = None
            self.tracked = []

    def _base(self, a: np.ndarray) -> Optional[np.ndarray]:
        """The copy kept of the tracked array *a* itself (not of an equal one)."""
        for tracked, base in self.tracked:
            if tracked is a:
                return base
        return None

    def _timed(self, t0: float, c0: float) -> None:
        self.stats.seconds += time.perf_counter() - t0
        self.stats.cpu_seconds += time.thread_time() - c0

    def sync(self, active: bool, words_delta: int, stop: bool = False, save: bool = False) -> Tuple[bool, int]:
        """Sum the flags and word counts; returns (any rank active, words done
        by all ranks so far); *save*: this rank asks for a checkpoint at this
        round (``save_requested`` says whether any rank did).  Waits by
        polling: without a pause for the first *spin* seconds (ranks that
        meet within them lose no scheduler wake-up), then with sleeps."""
        t0, c0 = time.perf_counter(), time.thread_time()
        send = np.array([1 if active else 0, int(words_delta), 1 if stop else 0, self.stats.rounds + 1,
                         1 if save else 0], dtype=np.int64)
        recv = np.zeros(5, dtype=np.int64)
        req = self.comm.Iallreduce(send, recv, op=self.MPI.SUM)
        spin_until = t0 + self.spin
        while not req.Test():
            if time.perf_counter() >= spin_until:
                time.sleep(self.poll)
        self.stats.sum_seconds += time.perf_counter() - t0     # (part of the time _timed adds)
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
            base = self._base(a)
            if base is not None and self.node_sum is not None:
                self.node_sum.combine(flat, base, n, self.gain)
                total += n * flat.shape[1] * 4
                continue
            for lo in range(0, n, step):
                block = flat[lo:min(n, lo + step)]
                if base is None:
                    self.comm.Allreduce(self.MPI.IN_PLACE, block, op=self.MPI.SUM)
                    block *= scale
                else:
                    # in place, no temporary: block becomes this rank's change,
                    # then the sum of the ranks' changes, then base + gain x that
                    old = base[lo:min(n, lo + step)]
                    block -= old
                    self.comm.Allreduce(self.MPI.IN_PLACE, block, op=self.MPI.SUM)
                    if self.gain != 1.0:
                        block *= np.float32(self.gain)
                    old += block
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


class TrainerSync:
    """The ranks' rounds as :class:`w2v.trainer.Trainer` runs them (its
    :class:`w2v.trainer.Sync`), with its workers paused: :meth:`sync` every
    ``interval`` seconds while this rank trains (or at once when a stop is
    requested: the round carries it to every rank), :meth:`epoch_end` once it
    has finished the epoch (it keeps joining rounds, inactive, until no rank
    is active, then every row is combined).

    The ranks' models are combined as base + *gain* x (sum of the ranks'
    changes since the last round), from a copy of the rows as they were then
    (*gain* 1/K is the plain average, which needs no copy).  The learning rate
    follows the job's progress: after each round this rank's word counter is
    set (:meth:`w2v.trainer.Trainer.set_words_done`) to the words done by all
    ranks, scaled to its share of the text.

    With a *checkpoint* (:class:`w2v.trainer.Checkpointer`), rank 0's clock
    says when one is due (a flag in the round's control sum) and a stop
    writes one too: :meth:`write_checkpoint`.  *job_words*: the words the
    whole job had done when it was checkpointed (on -resume).  *words*: the
    words per round of all ranks together (0: rounds by time only; None:
    :func:`default_round_words` of the job's epoch)."""

    def __init__(self, dist: Dist, model, interval: float, gain: float = 1.0,
                 chunk: int = DEFAULT_CHUNK, first_rows: int = HOT_ROWS, checkpoint=None,
                 job_words: int = 0, words: Optional[int] = 0) -> None:
        self.dist = dist
        self.rs = RankSync(dist.comm, chunk=chunk, first_rows=first_rows, node=dist.local)
        self.rs.global_words = int(job_words)      # a resumed job's words so far
        # a w2v.trainer.Checkpointer (rank 0's clock says when; rank 0 writes)
        self.checkpoint = checkpoint
        self.arrays = [a for a in (model.syn0, model.syn1, model.syn1neg) if a is not None]
        self.rs.track(self.arrays, gain)
        local = int(model.progress.corpus_words)
        total = dist.comm.allreduce(local)
        self.scale = local / total if total else 0.0
        self.interval = float(interval)          # seconds between rounds (0: not by time)
        self.next_at = time.monotonic() + self.interval if self.interval > 0 else float("inf")
        # words between rounds: this rank's part of *words* done by all ranks
        # (its share of the text), so that every rank reaches it together
        if words is None:
            words = default_round_words(total)
        self.words_per_round = int(words)
        self.round_words = max(1, int(round(words * self.scale))) if words > 0 else 0
        self.reported = int(model.progress.words_done)
        self.at_barrier = False

    # ---- the trainer's calls
    def due(self, now: float, words: int) -> bool:
        """A round is due when this rank has trained its part of the words
        per round since the last one (to the nearest counter update, see
        :meth:`due_words`), or ``interval`` seconds after it."""
        return now >= self.next_at or (self.round_words > 0 and words >= self.due_words())

    def due_words(self) -> int:
        """The word count at which the next round is due (0: not by words).
        The workers pause at the first counter update (every
        COUNTER_UPDATE_WORDS words of a worker) that reaches it, so it is
        this rank's part less half an update: the rank pauses at the update
        nearest to its part, not at the first one past it (a part just over
        five updates would otherwise cost a sixth, and that rank would train
        a fifth more words than the others in every round and wait for them
        at the epoch's end)."""
        if self.round_words <= 0:
            return 0
        early = min(COUNTER_UPDATE_WORDS // 2, self.round_words // 2)
        return self.reported + self.round_words - early

    def _round(self, trainer, active: bool) -> bool:
        done = trainer.words_done
        signum = trainer.stop_signal
        ck = self.checkpoint
        save = ck is not None and self.dist.rank == 0 and ck.due(time.monotonic())
        any_active, words = self.rs.sync(active, done - self.reported, stop=signum != 0, save=save)
        self.reported = int(round(words * self.scale))
        trainer.set_words_done(self.reported)
        if self.rs.stop_requested:
            if ck is not None:
                self.write_checkpoint(trainer)
            raise Stopped(signum or 15)     # another rank got the signal: as SIGTERM
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
        if self.interval > 0:
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
                self.checkpoint.write(model, processes=records, job_words=self.rs.global_words)

        self.dist.collective(write)
        self.checkpoint.last = time.monotonic()

    def sync(self, trainer, active: bool = True) -> None:
        """A round (*active*: this rank still has work in this epoch)."""
        self._round(trainer, active)

    def epoch_end(self, trainer) -> None:
        """This rank finished the epoch: rounds until no rank is active (a
        round of :meth:`sync` may already have found that)."""
        while not self.at_barrier:
            self._round(trainer, False)
        self.at_barrier = False

    def close(self) -> None:
        """The job's training is over (every rank): shared memory freed."""
        self.rs.close()

    def total(self, values: Sequence[float]) -> List[float]:
        """The sums of *values* over the ranks (every rank calls it)."""
        send = np.asarray(values, dtype=np.float64)
        recv = np.empty_like(send)
        self.dist.comm.Allreduce(send, recv, op=self.rs.MPI.SUM)
        return [float(x) for x in recv]

    def summary(self) -> str:
        st = self.rs.stats
        return (f"MPI: {st.rounds} rounds, {st.averages} averages, {st.bytes / 1e6:.1f} MB averaged, "
                f"{st.seconds:.2f} s in MPI ({st.cpu_seconds:.2f} s CPU, {st.sum_seconds:.2f} s waiting for the other "
                f"ranks in the rounds' control sums)")
