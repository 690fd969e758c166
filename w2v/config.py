"""Run configurations: one frozen dataclass per command, with word2vec.c's
defaults, validated once at construction.  The CLI builds these from flags;
Python users build them directly."""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Optional, Tuple, Union

from .errors import W2VError


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise W2VError(message)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


@dataclass(frozen=True)
class TrainConfig:
    """Flags of ``word2vec`` (same names with ``-`` -> ``_``, same defaults).

    ``alpha=None`` means C's default: 0.05 for CBOW, 0.025 for skip-gram.
    ``threads=0`` means one per available core; more threads than cores are
    capped at the core count (see :meth:`effective_threads`).
    """

    train: Union[str, Tuple[str, ...]]   # a file, or several (globs allowed)
    output: Optional[str] = None
    size: int = 100
    window: int = 5
    sample: float = 1e-3
    hs: int = 0
    negative: int = 5
    threads: int = 12
    iter: int = 5
    min_count: int = 5
    alpha: Optional[float] = None
    classes: int = 0
    debug: int = 2
    binary: int = 0
    save_vocab: Optional[str] = None
    read_vocab: Optional[str] = None
    cbow: int = 1
    seed: int = 1
    # Not a C flag: entries held while counting before C's ReduceVocab rule
    # prunes rare words (C: 0.7 * 30M hash slots).
    max_vocab_entries: int = 21_000_000
    # Under MPI (mpiexec -n K): seconds between the ranks' model averagings.
    sync_every: float = 1.0

    def __post_init__(self) -> None:
        _check(isinstance(self.train, str) and self.train != ""
               or isinstance(self.train, tuple) and len(self.train) > 0
               and all(isinstance(t, str) and t != "" for t in self.train),
               "-train: a training file is required (use - for standard input)")
        for name in ("size", "window", "hs", "negative", "threads", "iter", "min_count",
                     "classes", "debug", "binary", "cbow", "seed", "max_vocab_entries"):
            _check(_is_int(getattr(self, name)), f"-{name.replace('_', '-')} must be an integer")
        _check(1 <= self.size <= 100_000, f"-size must be between 1 and 100000 (got {self.size})")
        _check(1 <= self.window <= 10_000, f"-window must be between 1 and 10000 (got {self.window})")
        _check(self.sample >= 0 and self.sample == self.sample and self.sample < float("inf"),
               f"-sample must be >= 0 (got {self.sample:g}); 0 disables subsampling")
        _check(self.hs in (0, 1), f"-hs must be 0 or 1 (got {self.hs})")
        _check(0 <= self.negative <= 1000, f"-negative must be between 0 and 1000 (got {self.negative})")
        _check(self.hs or self.negative, "-negative 0 with -hs 0 leaves nothing to train: enable -hs 1 or -negative N")
        _check(self.threads >= 0, f"-threads must be >= 0 (got {self.threads}); 0 means one per core")
        _check(1 <= self.iter <= 100_000, f"-iter must be >= 1 (got {self.iter})")
        _check(self.min_count >= 0, f"-min-count must be >= 0 (got {self.min_count})")
        if self.alpha is not None:
            _check(0 < self.alpha < float("inf"), f"-alpha must be > 0 (got {self.alpha:g})")
        _check(self.classes >= 0, f"-classes must be >= 0 (got {self.classes})")
        _check(self.binary in (0, 1), f"-binary must be 0 or 1 (got {self.binary})")
        _check(self.cbow in (0, 1), f"-cbow must be 0 or 1 (got {self.cbow})")
        _check(0 <= self.seed < 2 ** 63, f"-seed must be between 0 and 2^63-1 (got {self.seed})")
        _check(self.max_vocab_entries >= 2, "max_vocab_entries must be >= 2")
        _check(isinstance(self.sync_every, (int, float)) and not isinstance(self.sync_every, bool)
               and 0 < self.sync_every < float("inf"),
               f"-sync-every must be a number of seconds > 0 (got {self.sync_every})")

    @property
    def start_alpha(self) -> float:
        if self.alpha is not None:
            return float(self.alpha)
        return 0.05 if self.cbow else 0.025

    def effective_threads(self, cores: Optional[int] = None) -> int:
        cores = available_cores() if cores is None else cores
        if self.threads == 0:
            return cores
        return min(self.threads, cores)

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)


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
        _check(self.min_count < 2 ** 62, f"-min-count is too large (got {self.min_count})")
        _check(isinstance(self.threshold, (int, float)) and not isinstance(self.threshold, bool)
               and self.threshold == self.threshold and abs(self.threshold) < float("inf"),
               f"-threshold must be a finite number (got {self.threshold})")
        _check(_is_int(self.debug), "-debug must be an integer")
        _check(self.save_phrases is None or (isinstance(self.save_phrases, str) and self.save_phrases != ""),
               "-save-phrases: empty file name")
        _check(self.c_compat in (0, 1) and _is_int(self.c_compat), f"-c-compat must be 0 or 1 (got {self.c_compat})")
