"""Launch and errors of a multi-process run (``mpiexec -n K w2v train`` or
``srun``): whether this process runs under a launcher (read from the
environment *before* mpi4py is imported, :func:`launcher_env`; a single
process never imports mpi4py), its place in the job (:class:`Dist`), errors
every rank sees alike (:meth:`Dist.collective`, :func:`agreed_error`) and the
abort that ends the whole job on a bug (:meth:`Dist.abort`)."""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, TypeVar

from ..config import ABORT_GRACE_S, cpu_mask
from ..errors import W2VError

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


def parse_cpu_list(text: str) -> List[int]:
    """The CPUs of a Linux CPU list ("0-3,8,10-11")."""
    cpus: List[int] = []
    for part in text.strip().split(","):
        if part:
            lo, _, hi = part.partition("-")
            cpus.extend(range(int(lo), int(hi or lo) + 1))
    return cpus


def _siblings(cpu: int) -> List[int]:
    """The hardware threads of *cpu*'s physical core, *cpu* among them
    ([cpu] where the topology cannot be read)."""
    try:
        with open(f"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list") as f:
            siblings = sorted(parse_cpu_list(f.read()))
    except (OSError, ValueError):
        return [cpu]
    return siblings if cpu in siblings else [cpu]


def core_order(cpus: Sequence[int], need: int, siblings: Callable[[int], List[int]] = _siblings) -> List[int]:
    """*cpus* in the order the ranks' blocks take them: when *need* threads
    fit the physical cores, one hardware thread of each core first (by
    number); when they do not, the hardware threads of one core next to each
    other (so a rank's block holds whole cores, not halves of the others')."""
    place = {}                  # cpu: (its core's first hardware thread, its index there)
    for c in cpus:
        sib = siblings(c)
        place[c] = (sib[0], sib.index(c))
    if need <= len({core for core, _ in place.values()}):
        return sorted(cpus, key=lambda c: (place[c][1], c))
    return sorted(cpus, key=lambda c: place[c])


def core_plan(masks: Sequence[Sequence[int]], threads: Sequence[int], local_rank: int,
              siblings: Callable[[int], List[int]] = _siblings) -> Dict[str, object]:
    """Where the threads of the ranks on one node run.  *masks*: each local
    rank's allowed CPUs; *threads*: each one's worker threads.  Returns
    ``{"cpus": [...]}`` (this rank's own block of the shared mask, the
    ranks' blocks side by side in :func:`core_order`) or ``{"why": ...}``
    when the ranks are left where they are: the launcher already gave them
    different CPUs, one rank alone on the node, or more threads than CPUs."""
    sets = [tuple(sorted(set(m))) for m in masks]
    if len(sets) < 2:
        return {"why": "one process on the node"}
    if any(s != sets[0] for s in sets):
        return {"why": "placed by the launcher"}
    need = sum(int(t) for t in threads)
    if need > len(sets[0]):
        return {"why": f"placed by the OS: more threads ({need}) than cores ({len(sets[0])})"}
    order = core_order(sets[0], need, siblings)
    first = sum(int(t) for t in threads[:local_rank])
    return {"cpus": order[first:first + int(threads[local_rank])]}


@dataclass
class Dist:
    """This rank's place in the job."""

    comm: object
    MPI: object
    rank: int
    size: int
    local_rank: int
    local_size: int
    local: object = None      # the communicator of the ranks on this node
    masks: Optional[List[List[int]]] = None   # their CPU masks (node_masks)

    def node_masks(self) -> List[List[int]]:
        """The CPU masks of the ranks on this node, in local rank order (a
        collective of the node's ranks the first time; then kept)."""
        if self.masks is None:
            mine = cpu_mask()
            self.masks = self.local.allgather(mine) if self.local is not None else [mine] * self.local_size
        return self.masks

    # ---- placement ----------------------------------------------------------
    def bind(self, threads: int, enabled: bool = True) -> str:
        """Keep this rank's threads on cores of their own (``-bind 1``): the
        ranks of a node spin in their collectives, and two of them on one
        core wait for each other a scheduler slice at a time.  Every rank
        calls it (a collective of the node's ranks); returns how the ranks
        were placed, for the log."""
        if not enabled:
            return "placed by the OS: -bind 0"
        counts = self.local.allgather(int(threads)) if self.local is not None else [int(threads)] * self.local_size
        plan = core_plan(self.node_masks(), counts, self.local_rank)
        if "cpus" not in plan:
            return str(plan["why"])
        try:
            os.sched_setaffinity(0, plan["cpus"])   # this thread; the workers it starts inherit it
        except OSError as exc:
            return f"placed by the OS: {exc.strerror or exc}"
        return "each on cores of its own"

    # ---- threads and random streams ---------------------------------------
    def default_threads(self) -> int:
        """Cores for each rank of this node: when the node's ranks share one
        CPU mask (the launcher did not place them), the mask's CPUs divided
        by the ranks; else the CPUs of this rank's own mask.  A collective
        of the node's ranks (:meth:`node_masks`)."""
        masks = self.node_masks()
        own = masks[self.local_rank]
        if all(m == own for m in masks):
            return max(1, len(own) // len(masks))
        return max(1, len(own))

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
            # the launcher forwards a rank's output from a pipe; an abort kills
            # every rank at once and may cut the report short if it is sent
            # before the launcher has read it
            time.sleep(ABORT_GRACE_S)
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
            dist = Dist(comm, MPI, comm.Get_rank(), comm.Get_size(), local.Get_rank(), local.Get_size(), local)
            _abort_on_uncaught(dist)
    _dist.append(dist)
    return dist


def current() -> Optional[Dist]:
    """The job :func:`init` found (None before init or for one process)."""
    return _dist[0] if _dist else None


def agreed_error(message: str) -> W2VError:
    """A W2VError every rank raises alike (reported once, by rank 0)."""
    exc = W2VError(message)
    exc.collective = True
    return exc
