"""Training from Python::

    import w2v
    m = w2v.train("corpus.txt.gz", cbow=0, size=100, iter=5, threads=4)
    m = w2v.train([["a", "sentence"], "another sentence"], cbow=0)
    m.vectors.most_similar("king")
    m.losses                      # mean loss per example, one value per epoch
    m.save("model.w2vm"); m = w2v.Model.load("model.w2vm")
    m.train_more("new.txt", iter=2, update_vocab=True)

The same defaults and validation as ``w2v train`` (both read
:class:`w2v.config.Params` and :class:`w2v.config.TrainJob`).  A corpus is a
path (or a list of paths), or any iterable of sentences (each a string or a
sequence of tokens), read once: each item is one line.  Nothing is printed
unless ``debug``/``verbose`` asks; per-epoch results go to callbacks and to
the ``w2v`` logger."""
from __future__ import annotations

import logging
from typing import Callable, Iterable, Optional, Sequence, Union

from . import pipeline
from .config import HYPERPARAMETERS, Params, TrainJob
from .corpus import TextSource
from .errors import W2VError
from .model import Model
from .progress import Reporter
from .trainer import EpochInfo

log = logging.getLogger("w2v")
# Python code keeps its own SIGTERM handling: only Ctrl-C stops training (at a pause).
API_STOP_SIGNALS = ("SIGINT",)

Corpus = Union[str, Sequence[str], Iterable]


def train_more(model: Model, corpus: Corpus, *, iter: Optional[int] = None, update_vocab: bool = False,
               threads: Optional[int] = None, callbacks: Sequence[Callable] = (), debug: int = 0,
               verbose: bool = False, **params) -> Model:
    """Train *model* *iter* more epochs (default: the model's -iter) on
    *corpus* with a fresh learning-rate schedule (``alpha`` default: the
    model's), in place (:meth:`w2v.Model.train_more`).  Words outside the
    vocabulary are skipped unless *update_vocab*."""
    given = set(params)
    if iter is not None:
        params["iter"] = iter
        given.add("iter")
    unknown = sorted(set(params) - set(HYPERPARAMETERS))
    if unknown:
        raise W2VError(f"train_more() got an unknown parameter {unknown[0]!r}")
    job = _job(corpus, threads, debug, verbose, update_vocab=int(bool(update_vocab)), continue_from="<model>")
    job_before = model.job
    pipeline.run(model.params.replace(**params), job, source=_source(corpus), reporter=Reporter(job.debug),
                 given=given, base=model, callbacks=_with_log(callbacks), always_train=True,
                 stop_signals=API_STOP_SIGNALS)
    model.job = job_before
    return model


def _paths(corpus: Corpus) -> Optional[tuple]:
    """The files *corpus* names (a path, or a list of existing paths), or None
    for an iterable of sentences."""
    import os

    if isinstance(corpus, str):
        return (corpus,)
    if isinstance(corpus, (list, tuple)) and corpus and all(isinstance(c, str) for c in corpus) \
            and all(os.path.exists(p) or p == "-" for p in corpus):
        return tuple(corpus)
    return None


def _job(corpus: Corpus, threads: Optional[int], debug: int, verbose: bool, **kw) -> TrainJob:
    extra = {} if threads is None else {"threads": threads}
    return TrainJob(train=_paths(corpus) or "<sentences>", debug=max(int(debug), 1 if verbose else 0),
                    **extra, **kw)


def _source(corpus: Corpus) -> TextSource:
    paths = _paths(corpus)
    return TextSource(list(paths)) if paths else TextSource(sentences=corpus)


def _with_log(callbacks: Sequence[Callable]) -> list:
    def to_log(info: EpochInfo) -> None:
        log.info("epoch %d/%d: loss %.4f per example, objective %.4f, %.0f words/s", info.epoch, info.epochs,
                 info.loss, info.objective, info.words_per_sec)
    return [to_log, *callbacks]


def train(corpus: Corpus, *, threads: Optional[int] = None, callbacks: Sequence[Callable] = (),
          debug: int = 0, verbose: bool = False, read_vocab: Optional[str] = None,
          init_vectors: Optional[str] = None, **params) -> Model:
    """Train a model on *corpus* (a path, a list of paths, or an iterable of
    sentences).  Keyword arguments are ``w2v train``'s hyperparameters
    (``size``, ``window``, ``sample``, ``hs``, ``negative``, ``cbow``, ``alpha``,
    ``min_alpha``, ``iter``, ``min_count``, ``seed``, ``batch``, ``sentence_vectors``) with the same
    defaults.  ``sentence_vectors=True``: the first token of each line (of each
    sentence) is its document ID; the model's ``doc_vectors`` holds their vectors."""
    unknown = sorted(set(params) - set(HYPERPARAMETERS) - {"max_vocab_entries"})
    if unknown:
        raise W2VError(f"train() got an unknown parameter {unknown[0]!r}")
    if isinstance(params.get("sentence_vectors"), bool):
        params["sentence_vectors"] = int(params["sentence_vectors"])
    p = Params(**params)
    job = _job(corpus, threads, debug, verbose, read_vocab=read_vocab, init_vectors=init_vectors)
    m = pipeline.run(p, job, source=_source(corpus), reporter=Reporter(job.debug),
                     given=set(params) | ({"threads"} if threads else set()), callbacks=_with_log(callbacks),
                     always_train=True, stop_signals=API_STOP_SIGNALS)
    m.job = None
    return m


def infer_vectors(model: Model, documents: Iterable, *, epochs: Optional[int] = None,
                  alpha: Optional[float] = None, seed: Optional[int] = None,
                  threads: Optional[int] = None) -> "np.ndarray":
    """Vectors for new *documents* (each a string or a sequence of tokens),
    one row each in their order, trained against *model*'s frozen words and
    outputs (:func:`w2v.pipeline.infer`; ``epochs``, ``alpha`` and ``seed``
    default to the model's)."""
    def lines():
        for i, doc in enumerate(documents):
            yield [str(i)] + (doc.split() if isinstance(doc, str) else list(doc))

    docs = pipeline.infer(model, TextSource(sentences=lines()), epochs=epochs, alpha=alpha, seed=seed,
                          threads=threads, stop_signals=API_STOP_SIGNALS)
    return docs.docs


def load_model(path: str, **kwargs) -> Model:
    """Read a model file (see :meth:`w2v.model.Model.load`)."""
    return Model.load(path, **kwargs)
