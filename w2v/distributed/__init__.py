"""Training on several processes (ranks) over MPI, through mpi4py:
``mpiexec -n K w2v train ...`` (or ``srun``) starts K copies of the command,
and :func:`w2v.pipeline.run` runs them as one job (a *world*).

* :mod:`.launch`: whether this process runs under a launcher, its place in
  the job (:class:`Dist`), errors every rank sees alike, the abort on a bug;
* :mod:`.shares`: each rank's share of the text, its counts, and the exact
  merge of the ranks' counts into the vocabulary one process would build;
* :mod:`.sync`: the rounds that combine the ranks' models (hot rows, the
  epoch barrier, checkpoints, the job's progress), the trainer's
  :class:`w2v.trainer.Sync` (:class:`TrainerSync`).

docs/distributed.md has the design."""
from .launch import MPI_EXTRA, Dist, Launch, agreed_error, current, env_rank, init, launcher_env, node_cores
from .shares import Counts, bcast_vocab, count_share, load_corpus, merge_counts, merge_vocab
from .sync import DEFAULT_CHUNK, HOT_ROWS, RankSync, SyncStats, TrainerSync, hot_rows

__all__ = ["MPI_EXTRA", "Dist", "Launch", "agreed_error", "current", "env_rank", "init", "launcher_env",
           "node_cores", "Counts", "bcast_vocab", "count_share", "load_corpus", "merge_counts", "merge_vocab",
           "DEFAULT_CHUNK", "HOT_ROWS", "RankSync", "SyncStats", "TrainerSync", "hot_rows"]
