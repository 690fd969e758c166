"""Run configurations: one frozen dataclass per command, with word2vec.c's
defaults, validated once at construction.  The CLI builds these from flags;
Python users build them directly."""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from . import kernels
from .errors import W2VError

# Counts (and their sum) stay below this, so int64 sums cannot overflow
# (read by the vocabulary, the tables and the phrase counts).
MAX_TOTAL_COUNT = 1 << 62
# a rank ending the job on a bug waits this long after writing its traceback, so that the
# launcher forwards the report before the abort kills every rank
ABORT_GRACE_S = 0.5
# Entries held while counting before C's ReduceVocab rule prunes rare words
# (C: 0.7 * 30M hash slots).
MAX_VOCAB_ENTRIES = 21_000_000
# Look-ups (w2v distance / analogy / accuracy; distance.c's N and
# compute-accuracy.c's threshold).
LOOKUP_N = 40
ACCURACY_THRESHOLD = 30000
# The objective at epoch ends (w2v.objective): one sampled example per this
# many corpus words (its evaluation then costs under 1 % of an epoch), at least
# the first, at most the second number of examples.
OBJECTIVE_WORDS_PER_EXAMPLE = 400
OBJECTIVE_EXAMPLES = (2_000, 100_000)
ANALOGY_METHODS = ("3cosadd", "3cosmul")
ANALOGY_METHOD = ANALOGY_METHODS[0]


def cpu_mask() -> List[int]:
    """The CPUs this process may run on, sorted (all of the machine's where
    the OS cannot say)."""
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return list(range(max(1, os.cpu_count() or 1)))


def available_cores() -> int:
    return max(1, len(cpu_mask()))


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise W2VError(message)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@dataclass(frozen=True)
class Params:
    """The hyperparameters of a model: ``word2vec``'s training flags (same
    names with ``-`` -> ``_``, same defaults) and the ones w2v adds.  Saved
    with every model and checkpoint; ``-resume`` cannot change them.

    ``alpha=None`` means C's default: 0.05 for CBOW, 0.025 for skip-gram.
    ``min_alpha=None`` means C's schedule (decay to 0, floored at
    alpha * 1e-4); a value X decays linearly to X instead, never below it.
    """

    size: int = 100
    window: int = 5
    sample: float = 1e-3
    hs: int = 0
    negative: int = 5
    cbow: int = 1
    alpha: Optional[float] = None
    min_alpha: Optional[float] = None
    iter: int = 5
    min_count: int = 5
    seed: int = 1
    # Not a C flag: 1 = a batched kernel (w2v.kernels.UPDATES: skip-gram with
    # one loss, CBOW with negative sampling), 0 = word2vec.c's pair-by-pair
    # updates, None = the default kernel of the model (see ``batched``).
    batch: Optional[int] = None
    # The C patch's -sentence-vectors: 1 = the first token of each line is the
    # line's document ID, whose syn0 row trains as a context of every word of
    # the line (paragraph vectors; see w2v.corpus and _train.pyx).
    sentence_vectors: int = 0
    # Not a C flag: entries held while counting before C's ReduceVocab rule
    # prunes rare words (see MAX_VOCAB_ENTRIES).
    max_vocab_entries: int = MAX_VOCAB_ENTRIES

    def __post_init__(self) -> None:
        for name in ("size", "window", "hs", "negative", "cbow", "iter", "min_count", "seed", "batch",
                     "sentence_vectors", "max_vocab_entries"):
            _check(_is_int(getattr(self, name)) or name == "batch" and self.batch is None,
                   f"-{name.replace('_', '-')} must be an integer")
        for name in ("sample", "alpha", "min_alpha"):
            v = getattr(self, name)
            _check(v is None and name != "sample" or _is_number(v),
                   f"-{name.replace('_', '-')} must be a number")
        _check(1 <= self.size <= 100_000, f"-size must be between 1 and 100000 (got {self.size})")
        _check(1 <= self.window <= 10_000, f"-window must be between 1 and 10000 (got {self.window})")
        _check(self.sample >= 0 and self.sample == self.sample and self.sample < float("inf"),
               f"-sample must be >= 0 (got {self.sample:g}); 0 disables subsampling")
        _check(self.hs in (0, 1), f"-hs must be 0 or 1 (got {self.hs})")
        _check(0 <= self.negative <= 1000, f"-negative must be between 0 and 1000 (got {self.negative})")
        _check(self.hs or self.negative, "-negative 0 with -hs 0 leaves nothing to train: enable -hs 1 or -negative N")
        _check(self.cbow in (0, 1), f"-cbow must be 0 or 1 (got {self.cbow})")
        _check(self.sentence_vectors in (0, 1), f"-sentence-vectors must be 0 or 1 (got {self.sentence_vectors})")
        _check(self.batch in (None, 0, 1), f"-batch must be 0 or 1 (got {self.batch})")
        if self.batch is not None and self.hs in (0, 1) and self.cbow in (0, 1):
            _check(kernels.choose(self.cbow, self.hs, self.negative, self.batch) is not None,
                   kernels.refusal(self.batch))
        _check(1 <= self.iter <= 100_000, f"-iter must be >= 1 (got {self.iter})")
        _check(self.min_count >= 0, f"-min-count must be >= 0 (got {self.min_count})")
        if self.alpha is not None:
            _check(0 < self.alpha < float("inf"), f"-alpha must be > 0 (got {self.alpha:g})")
        if self.min_alpha is not None:
            _check(0 <= self.min_alpha <= self.start_alpha,
                   f"-min-alpha must be between 0 and the starting -alpha {self.start_alpha:g} "
                   f"(got {self.min_alpha:g})")
        _check(0 <= self.seed < 2 ** 63, f"-seed must be between 0 and 2^63-1 (got {self.seed})")
        _check(self.max_vocab_entries >= 2, "max_vocab_entries must be >= 2")

    @property
    def update(self) -> kernels.Update:
        """How the kernel trains (:mod:`w2v.kernels`): ``batch``, or the
        default update for the architecture and losses."""
        return kernels.choose(self.cbow, self.hs, self.negative, self.batch)

    @property
    def batched(self) -> bool:
        """Whether training uses a batched kernel: ``batch``, or the model's
        default kernel (w2v.kernels.UPDATES)."""
        return self.update.batched

    @property
    def start_alpha(self) -> float:
        if self.alpha is not None:
            return float(self.alpha)
        return 0.05 if self.cbow else 0.025

    def replace(self, **changes) -> "Params":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> Dict[str, object]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Dict[str, object], what: str = "model file") -> "Params":
        """Stored hyperparameters, validated like flags."""
        if not isinstance(data, dict):
            raise W2VError(f"{what}: hyperparameters are not a mapping")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise W2VError(f"{what}: unknown hyperparameter {unknown[0]!r} (written by a newer w2v?)")
        try:
            return cls(**data)
        except W2VError as exc:
            raise W2VError(f"{what}: invalid hyperparameters: {exc}") from None


HYPERPARAMETERS = tuple(f.name for f in dataclasses.fields(Params) if f.name != "max_vocab_entries")


@dataclass(frozen=True)
class TrainJob:
    """What one ``w2v train`` run reads and writes, and how (the flags that
    are not hyperparameters: they may change on ``-resume``)."""

    train: Tuple[str, ...] = ()
    output: Optional[str] = None
    threads: int = 12
    classes: int = 0
    debug: int = 2
    binary: int = 0
    save_vocab: Optional[str] = None
    read_vocab: Optional[str] = None
    save_model: Optional[str] = None
    save_context: Optional[str] = None
    add_context: int = 0
    checkpoint: Optional[str] = None
    checkpoint_every: float = 10.0
    resume: Optional[str] = None
    continue_from: Optional[str] = None
    update_vocab: int = 0
    init_vectors: Optional[str] = None
    # Under MPI (mpiexec -n K): a round of the ranks after this many words
    # trained by all of them (0: none by words; None: the job's default,
    # w2v.distributed.sync.default_round_words), and/or every this many
    # seconds (0: none by time); given both, whichever comes first.
    sync_words: Optional[int] = None
    sync_every: float = 0.0
    # Under MPI: 1 = the threads of the ranks on a node kept on cores of
    # their own (when the launcher has not placed them and the node has a
    # core for each thread); 0 = the OS places them.
    bind: int = 1

    def __post_init__(self) -> None:
        train = (self.train,) if isinstance(self.train, str) else tuple(self.train)
        object.__setattr__(self, "train", train)
        _check(len(train) > 0 and all(isinstance(t, str) and t != "" for t in train),
               "-train: a training file is required (use - for standard input)")
        for name in ("threads", "classes", "debug", "binary", "add_context", "update_vocab", "bind"):
            _check(_is_int(getattr(self, name)), f"-{name.replace('_', '-')} must be an integer")
        _check(self.threads >= 0, f"-threads must be >= 0 (got {self.threads}); 0 means one per core")
        _check(self.classes >= 0, f"-classes must be >= 0 (got {self.classes})")
        _check(self.binary in (0, 1), f"-binary must be 0 or 1 (got {self.binary})")
        _check(self.add_context in (0, 1), f"-add-context must be 0 or 1 (got {self.add_context})")
        _check(self.update_vocab in (0, 1), f"-update-vocab must be 0 or 1 (got {self.update_vocab})")
        _check(self.bind in (0, 1), f"-bind must be 0 or 1 (got {self.bind})")
        _check(_is_number(self.checkpoint_every) and 0 < self.checkpoint_every < float("inf"),
               f"-checkpoint-every must be > 0 minutes (got {self.checkpoint_every})")
        _check(_is_number(self.sync_every) and 0 <= self.sync_every < float("inf"),
               f"-sync-every must be a number of seconds >= 0 (got {self.sync_every})")
        _check(self.sync_words is None or _is_int(self.sync_words) and self.sync_words >= 0,
               f"-sync-words must be an integer >= 0 (got {self.sync_words})")
        _check(self.sync_words != 0 or self.sync_every > 0,
               "-sync-words 0 needs -sync-every SEC > 0: the ranks must meet by words or by time")
        for name in ("output", "save_vocab", "read_vocab", "save_model", "save_context", "checkpoint",
                     "resume", "continue_from", "init_vectors"):
            v = getattr(self, name)
            flag = "-continue" if name == "continue_from" else "-" + name.replace("_", "-")
            _check(v is None or (isinstance(v, str) and v != ""), f"{flag}: empty file name")
        _check(not (self.resume and self.continue_from), "-resume and -continue cannot be combined")
        _check(not (self.update_vocab and not self.continue_from), "-update-vocab 1 needs -continue MODEL")
        _check(len(self.train) == 1 or "-" not in self.train,
               "-train -: standard input cannot be combined with other training files")

    def effective_threads(self, cores: Optional[int] = None) -> int:
        cores = available_cores() if cores is None else cores
        if self.threads == 0:
            return cores
        return min(self.threads, cores)

    def replace(self, **changes) -> "TrainJob":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> Dict[str, object]:
        d = dataclasses.asdict(self)
        d["train"] = list(self.train)
        return d

    @classmethod
    def from_dict(cls, data: Dict[str, object], what: str = "model file") -> "TrainJob":
        known = {f.name for f in dataclasses.fields(cls)}
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except (W2VError, TypeError) as exc:
            raise W2VError(f"{what}: invalid job settings: {exc}") from None


def default(cls, name: str):
    """The default of field *name* of dataclass *cls* (the one definition the
    CLI and the Python API read)."""
    for f in dataclasses.fields(cls):
        if f.name == name:
            return f.default
    raise KeyError(name)


@dataclass(frozen=True)
class PhrasesConfig:
    """Flags of ``word2phrase`` (same names and defaults) plus our extras."""

    train: str
    output: str
    min_count: int = 5
    threshold: float = 100.0
    debug: int = 2
    save_phrases: Optional[str] = None
    # 1 = count bigrams across line ends like word2phrase (for exact comparisons)
    c_compat: int = 0

    def __post_init__(self) -> None:
        _check(isinstance(self.train, str) and self.train != "", "-train: an input file is required (use - for standard input)")
        _check(isinstance(self.output, str) and self.output != "", "-output: an output file is required (use - for standard output)")
        _check(_is_int(self.min_count) and self.min_count >= 0, f"-min-count must be >= 0 (got {self.min_count})")
        _check(self.min_count < MAX_TOTAL_COUNT, f"-min-count is too large (got {self.min_count})")
        _check(isinstance(self.threshold, (int, float)) and not isinstance(self.threshold, bool)
               and self.threshold == self.threshold and abs(self.threshold) < float("inf"),
               f"-threshold must be a finite number (got {self.threshold})")
        _check(_is_int(self.debug), "-debug must be an integer")
        _check(self.save_phrases is None or (isinstance(self.save_phrases, str) and self.save_phrases != ""),
               "-save-phrases: empty file name")
        _check(self.c_compat in (0, 1) and _is_int(self.c_compat), f"-c-compat must be 0 or 1 (got {self.c_compat})")
