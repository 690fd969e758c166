"""A word2vec model: hyperparameters, vocabulary with counts, the matrices
(``syn0`` word vectors, ``syn1`` hierarchical-softmax nodes, ``syn1neg``
context vectors) and the progress of its training run, with save and load.

The progress is what an exact resume needs: the epoch, the shared word
counter, and for each work stream (one per worker of the run) its share of
the corpus, the position reached (a sentence start), its random state, the
words it read but did not yet add to the shared counter, its learning rate
and its loss so far.  A checkpoint is a model saved mid-run; a finished
model has ``progress.finished``.

Paragraph vectors (``-sentence-vectors 1``): ``doc_ids`` and their rows
``docs``, stored after syn0's rows in one input matrix (:meth:`Model.inputs`)
that the kernel trains.

The file is :mod:`w2v.modelfile` (the safetensors layout): arrays are memory
mapped read-only on load, and copied before anything trains them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from . import _tables, memory, modelfile
from .config import Params, TrainJob
from .errors import W2VError
from .vectors import Vectors, save_word2vec
from .vocab import EOS, Vocab

_MASK64 = (1 << 64) - 1


def stream_seed(seed: int, stream: int) -> int:
    """Independent generator seeds per (seed, work stream)."""
    z = (seed * 0x9E3779B97F4A7C15 + (stream + 1) * 0xD1B54A32D192ED03) & _MASK64
    z ^= z >> 31
    return (z * 0xBF58476D1CE4E5B9) & _MASK64


def split_ranges(n: int, parts: int) -> List[tuple]:
    """Exact, disjoint shares of n positions."""
    return [(n * k // parts, n * (k + 1) // parts) for k in range(parts)]


@dataclass
class Stream:
    """One work stream: a share [start, end) of the corpus trained every epoch."""

    start: int
    end: int
    pos: int
    rng: int
    begun: bool = False         # has begin_epoch run for the current epoch
    pending: int = 0
    alpha: float = 0.0
    loss: float = 0.0
    examples: int = 0

    @property
    def done(self) -> bool:
        return self.begun and self.pos >= self.end


_STREAM_ARRAYS = (("start", np.int64), ("end", np.int64), ("pos", np.int64), ("rng", np.uint64),
                  ("begun", np.int64), ("pending", np.int64), ("alpha", np.float32),
                  ("loss", np.float64), ("examples", np.int64))


@dataclass
class Progress:
    """Where a training run stands.  ``epochs`` and ``start_alpha`` are those
    of the run (a continued model starts a new run with a fresh schedule)."""

    epochs: int = 0                 # epochs of this run
    epoch: int = 0                  # epochs finished
    words_done: int = 0             # the shared counter (pending words not included)
    corpus_words: int = 0           # length of the id array (tokens kept, sentence ends included)
    fingerprint: str = ""           # of the training text
    streams: List[Stream] = field(default_factory=list)
    losses: List[float] = field(default_factory=list)     # per finished epoch, per example
    # per finished epoch: the objective on the run's fixed sample (w2v.objective;
    # every process's sample together), nan where it was not evaluated
    objectives: List[float] = field(default_factory=list)
    seconds: float = 0.0            # training time so far
    runs: int = 0                   # training runs finished before this one
    # a checkpoint of K > 1 processes (mpiexec): every rank's own progress
    # (words_done, corpus_words, fingerprint, losses, streams; the rest is
    # shared) and the words done by the whole job; empty for one process
    ranks: List["Progress"] = field(default_factory=list)
    job_words: int = 0

    def own(self) -> "Progress":
        """A copy of the fields that differ between the processes of one job."""
        return Progress(words_done=self.words_done, corpus_words=self.corpus_words, fingerprint=self.fingerprint,
                        streams=[Stream(**vars(s)) for s in self.streams], losses=list(self.losses))

    def for_rank(self, rank: int) -> "Progress":
        """Rank *rank*'s progress in a checkpoint of several processes."""
        pr = self.ranks[rank].own()
        pr.epochs, pr.epoch, pr.seconds, pr.runs = self.epochs, self.epoch, self.seconds, self.runs
        pr.objectives = list(self.objectives)
        pr.job_words = self.job_words
        return pr

    @property
    def finished(self) -> bool:
        return self.epochs > 0 and self.epoch >= self.epochs

    @property
    def total_words(self) -> float:
        """C's denominator of the learning-rate schedule."""
        return float(self.epochs) * self.corpus_words + 1

    @classmethod
    def plan(cls, epochs: int, corpus_words: int, streams: int, seed: int, fingerprint: str,
             runs: int = 0, first_stream: int = 0) -> "Progress":
        """*first_stream*: global index of the first stream (under MPI, the
        streams of all ranks are numbered, so each has its own random seed)."""
        parts = split_ranges(corpus_words, streams)
        return cls(epochs=epochs, corpus_words=corpus_words, fingerprint=fingerprint,
                   streams=[Stream(lo, hi, lo, stream_seed(seed, first_stream + k))
                            for k, (lo, hi) in enumerate(parts)],
                   runs=runs)


class Model:
    """Hyperparameters, vocabulary, matrices and progress: a trained (or
    loaded) model.  :meth:`train_more` trains it further (the Python API's
    entry to :mod:`w2v.pipeline`)."""

    def __init__(self, params: Params, vocab: Vocab, syn0: np.ndarray, syn1: Optional[np.ndarray] = None,
                 syn1neg: Optional[np.ndarray] = None, progress: Optional[Progress] = None,
                 job: Optional[TrainJob] = None, path: Optional[str] = None,
                 docs: Optional[np.ndarray] = None, doc_ids: Optional[List[bytes]] = None) -> None:
        self.params = params
        self.vocab = vocab
        self.syn0 = syn0
        self.docs = docs                # paragraph vectors: one row per document ID ...
        self.doc_ids = doc_ids          # ... (None without -sentence-vectors)
        self.syn1 = syn1
        self.syn1neg = syn1neg
        self.progress = progress or Progress()
        self.job = job                  # the job of the run (kept in checkpoints, for -resume)
        self.path = path
        self._version = 0               # changes when the matrices may have changed
        self._views: Dict[str, tuple] = {}   # name -> (version, matrix, vocab, Vectors)

    # ------------------------------------------------------------------ making one
    @classmethod
    def new(cls, params: Params, vocab: Vocab, doc_ids: Optional[List[bytes]] = None) -> "Model":
        """C's initial weights: syn0 from the seeded LCG, syn1/syn1neg zero;
        the documents' rows (*doc_ids*, with -sentence-vectors) continue the
        LCG after the words' (as C's, where IDs are words)."""
        V, D = len(vocab), params.size
        rows = V + len(doc_ids or ())
        model = cls(params, vocab, _tables.init_syn0(rows, D, params.seed, out=memory.zeros((rows, D))),
                    memory.zeros((V, D)) if params.hs else None,
                    memory.zeros((V, D)) if params.negative else None)
        if doc_ids is not None:
            model._split_inputs(model.syn0, list(doc_ids))
        return model

    def _split_inputs(self, inputs: np.ndarray, doc_ids: List[bytes]) -> None:
        """syn0 and docs as the two parts of one input matrix."""
        V = len(self.vocab)
        self._inputs = inputs
        self.syn0, self.docs, self.doc_ids = inputs[:V], inputs[V:], doc_ids
        self.touch()

    def inputs(self) -> np.ndarray:
        """The matrix the kernel trains as input rows: syn0, or with
        paragraph vectors syn0's rows then the documents' (one array, of
        which syn0 and docs are views; made so when they are not)."""
        if self.docs is None:
            return self.syn0
        held = getattr(self, "_inputs", None)
        if held is None or not (np.shares_memory(self.syn0, held) and np.shares_memory(self.docs, held)) \
                or not held.flags.writeable:
            self._split_inputs(memory.stacked(self.syn0, self.docs), self.doc_ids)
        return self._inputs

    def set_docs(self, doc_ids: List[bytes], docs: np.ndarray) -> None:
        """Replace the documents and their rows (inference, see w2v.infer)."""
        self._split_inputs(memory.stacked(self.syn0, docs), list(doc_ids))

    def touch(self) -> None:
        """The matrices changed (training, a new vocabulary): :attr:`vectors`
        and :attr:`context_vectors` are built again on their next use."""
        self._version += 1

    def update_vocab(self, new: Vocab) -> "Model":
        """Grow the vocabulary in place (-update-vocab): *new* holds the
        summed counts of every old word (and of new words), in C's order;
        rows move with their words, new words get C's initial syn0 rows and
        zero context rows."""
        check_update_vocab(self.params)
        old_index = self.vocab.index
        V, D = len(new), self.params.size
        src = np.array([old_index.get(w, -1) for w in new.words], dtype=np.int64)
        fresh = np.flatnonzero(src < 0)
        syn0 = memory.zeros((V, D))
        keep = src >= 0
        syn0[keep] = self.syn0[src[keep]]
        if len(fresh):
            # C's initialisation for the new rows, from the model's seed and old size
            init = _tables.init_syn0(len(fresh), D, (self.params.seed + len(self.vocab)) & ((1 << 63) - 1))
            syn0[fresh] = init
        syn1neg = None
        if self.syn1neg is not None:
            syn1neg = memory.zeros((V, D))
            syn1neg[keep] = self.syn1neg[src[keep]]
        self.vocab, self.syn0, self.syn1, self.syn1neg = new, syn0, None, syn1neg
        self.touch()
        return self

    def train_more(self, corpus, *, iter: Optional[int] = None, update_vocab: bool = False,
                   threads: Optional[int] = None, callbacks: Sequence[Callable] = (), debug: int = 0,
                   verbose: bool = False, **params) -> "Model":
        """Train *iter* more epochs (default: the model's -iter) on *corpus*
        (a path, a list of paths or an iterable of sentences) with a fresh
        learning-rate schedule (``alpha`` default: the model's).  Words
        outside the vocabulary are skipped unless *update_vocab*.  Trains
        this model in place and returns it (see :func:`w2v.api.train_more`)."""
        from .api import train_more     # the Python API's training entry (above this module)

        return train_more(self, corpus, iter=iter, update_vocab=update_vocab, threads=threads,
                          callbacks=callbacks, debug=debug, verbose=verbose, **params)

    def infer_vectors(self, documents, *, epochs: Optional[int] = None, alpha: Optional[float] = None,
                      seed: Optional[int] = None, threads: Optional[int] = None) -> np.ndarray:
        """Vectors for new documents (each a string or a list of tokens), one
        row each, with this model's words and outputs frozen (like gensim's
        ``infer_vector``; see :func:`w2v.api.infer_vectors`)."""
        from .api import infer_vectors     # the Python API (above this module)

        return infer_vectors(self, documents, epochs=epochs, alpha=alpha, seed=seed, threads=threads)

    def infer_vector(self, tokens, *, epochs: Optional[int] = None, alpha: Optional[float] = None,
                     seed: Optional[int] = None) -> np.ndarray:
        """The vector of one new document (a string or a list of tokens)."""
        return self.infer_vectors([tokens], epochs=epochs, alpha=alpha, seed=seed, threads=1)[0]

    def writable(self) -> "Model":
        """Make the matrices private, writable copies (a loaded model's arrays
        are read-only mappings of its file, which training must never write)."""
        for name in ("syn0", "syn1", "syn1neg", "docs"):
            a = getattr(self, name)
            if a is not None and (isinstance(a, np.memmap) or not a.flags.writeable
                                  or not a.flags.c_contiguous or a.dtype != np.float32):
                setattr(self, name, memory.copy(a))
                self.touch()
        self.inputs()
        return self

    # ------------------------------------------------------------------ views
    @property
    def words_done(self) -> int:
        return self.progress.words_done

    @property
    def epoch(self) -> int:
        return self.progress.epoch

    @property
    def losses(self) -> List[float]:
        """Training loss per finished epoch (mean per example)."""
        return list(self.progress.losses)

    @property
    def objectives(self) -> List[float]:
        """The objective per finished epoch (:mod:`w2v.objective`): the loss
        of a fixed sample of examples against the model at the epoch's end."""
        return list(self.progress.objectives)

    def _words(self) -> list:
        return [w.decode("utf-8", "replace") for w in self.vocab.words]

    def _view(self, name: str, matrix: np.ndarray) -> Vectors:
        """One :class:`w2v.Vectors` over *matrix*, kept until the matrices or
        the vocabulary change (its unit rows are computed once)."""
        held = self._views.get(name)
        if held is not None and held[0] == self._version and held[1] is matrix and held[2] is self.vocab:
            return held[3]
        vec = Vectors(self._words(), matrix, path=self.path)
        self._views[name] = (self._version, matrix, self.vocab, vec)
        return vec

    @property
    def vectors(self) -> Vectors:
        """The word vectors (syn0) as :class:`w2v.Vectors`: one object per
        model (like gensim's ``wv``), built again only after the matrices
        change (training, a vocabulary update)."""
        return self._view("vectors", self.syn0)

    @property
    def doc_vectors(self) -> Vectors:
        """The documents' vectors (-sentence-vectors 1) as :class:`w2v.Vectors`,
        by document ID."""
        if self.docs is None:
            raise W2VError("this model has no document vectors: train it with -sentence-vectors 1 "
                           "(sentence_vectors=True)")
        held = self._views.get("docs")
        if held is not None and held[0] == self._version and held[1] is self.docs:
            return held[3]
        vec = Vectors([d.decode("utf-8", "replace") for d in self.doc_ids], self.docs, path=self.path)
        self._views["docs"] = (self._version, self.docs, self.vocab, vec)
        return vec

    @property
    def context_vectors(self) -> Vectors:
        """The context vectors (syn1neg, one row per word) as :class:`w2v.Vectors`
        (kept like :attr:`vectors`)."""
        return self._view("context", self.context_matrix())

    def context_matrix(self) -> np.ndarray:
        if self.syn1neg is None:
            raise W2VError("this model has no context vectors: they come from negative sampling "
                           "(-negative N > 0); hierarchical-softmax rows are tree nodes, not words")
        return self.syn1neg

    def output_matrix(self, add_context: bool = False) -> np.ndarray:
        """syn0, or syn0 + syn1neg (Levy et al.'s w+c) with *add_context*."""
        if add_context:
            return self.syn0 + self.context_matrix()
        return self.syn0

    def save_vectors(self, path: str, binary: bool = True, add_context: bool = False) -> None:
        """Write the word vectors (or w+c) in word2vec's format, then the
        documents' vectors under their IDs (-sentence-vectors 1, as C's)."""
        matrix = self.output_matrix(add_context)
        if self.docs is None:
            save_word2vec(path, self.vocab.words, matrix, binary=bool(binary))
        else:
            save_word2vec(path, list(self.vocab.words) + list(self.doc_ids),
                          self.inputs() if not add_context else np.vstack([matrix, self.docs]), binary=bool(binary))

    def __repr__(self) -> str:
        p = self.params
        kind = ("cbow" if p.cbow else "sg") + ("-hs" if p.hs else "") + (f"-ns{p.negative}" if p.negative else "")
        state = "finished" if self.progress.finished else f"epoch {self.epoch}/{self.progress.epochs}"
        return f"<w2v.Model {kind} {len(self.vocab)} words x {p.size}, {state}>"

    # ------------------------------------------------------------------ saving
    def save(self, path: str, what: str = "model file", checkpoint: bool = False,
             processes: Sequence[Progress] = (), job_words: int = 0) -> None:
        """Write the whole model (atomically).  A *checkpoint* also keeps the
        job (files and outputs) so that ``-resume`` can finish the run, and
        for a run of several processes every process's own progress
        (*processes*) and the words they did together (*job_words*)."""
        blob, offsets = modelfile.vocab_to_arrays(self.vocab.words)
        arrays: Dict[str, np.ndarray] = {"syn0": self.syn0, "vocab.counts": self.vocab.counts,
                                         "vocab.offsets": offsets, "vocab.bytes": blob}
        if self.syn1 is not None:
            arrays["syn1"] = self.syn1
        if self.syn1neg is not None:
            arrays["syn1neg"] = self.syn1neg
        if self.docs is not None:
            arrays["docs"] = self.docs
            arrays["docs.bytes"], arrays["docs.offsets"] = modelfile.vocab_to_arrays(self.doc_ids)
        pr = self.progress
        for name, dtype in _STREAM_ARRAYS:
            arrays["streams." + name] = np.array([getattr(s, name) for s in pr.streams], dtype=dtype)
        arrays["losses"] = np.array(pr.losses, dtype=np.float64)
        arrays["objectives"] = np.array(pr.objectives, dtype=np.float64)
        meta = {
            "params": self.params.to_dict(),
            "progress": {"epochs": pr.epochs, "epoch": pr.epoch, "words_done": pr.words_done,
                         "corpus_words": pr.corpus_words, "fingerprint": pr.fingerprint,
                         "seconds": pr.seconds, "runs": pr.runs},
            "job": self.job.to_dict() if checkpoint and self.job is not None else None,
        }
        processes, job_words = (processes, job_words) if processes else (pr.ranks, pr.job_words)
        if checkpoint and processes:
            meta["ranks"] = {"job_words": int(job_words), "records": [_rank_record(r) for r in processes]}
        modelfile.write(path, arrays, meta, what)

    @classmethod
    def load(cls, path: str, *, mmap: bool = True, verify: bool = True, what: str = "model file") -> "Model":
        """Read a model file; every inconsistency is a one-line W2VError.
        The matrices are read-only memory maps of the file (``mmap=False``:
        copies); training makes its own copies first."""
        f = modelfile.read_model(path, verify=verify, mmap=mmap, what=what)
        params, meta, need, bad = f.params, f.meta, f.need, f.bad
        vocab = Vocab(f.words, f.counts)
        syn0, syn1, syn1neg = f.syn0, f.syn1, f.syn1neg
        p = meta["progress"]
        try:
            progress = Progress(epochs=int(p["epochs"]), epoch=int(p["epoch"]), words_done=int(p["words_done"]),
                                corpus_words=int(p["corpus_words"]), fingerprint=str(p["fingerprint"]),
                                seconds=float(p["seconds"]), runs=int(p.get("runs", 0)),
                                losses=[float(x) for x in need("losses")],
                                objectives=[float(x) for x in f.arrays.get("objectives", ())])
            missing = len(progress.losses) - len(progress.objectives)
            if missing < 0:
                raise ValueError("more objectives than epochs")
            progress.objectives[:0] = [float("nan")] * missing     # a file written before objectives
            progress.streams = _streams({name: need("streams." + name) for name, _ in _STREAM_ARRAYS},
                                        progress.corpus_words)
            if not 0 <= progress.epoch <= progress.epochs or progress.words_done < 0:
                raise ValueError("epoch or word count out of range")
            if "ranks" in meta:
                progress.job_words = int(meta["ranks"]["job_words"])
                progress.ranks = [_rank_progress(r) for r in meta["ranks"]["records"]]
                if len(progress.ranks) < 2 or progress.job_words < 0:
                    raise ValueError("bad records of the processes")
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise bad(f"invalid progress ({exc})") from None
        job = TrainJob.from_dict(meta["job"], f"{what} {path!r}") if isinstance(meta.get("job"), dict) else None
        return cls(params, vocab, syn0, syn1, syn1neg, progress, job, path, f.docs, f.doc_ids)


def _streams(cols: Dict[str, object], corpus_words: int) -> List[Stream]:
    """Streams from their columns ({field: sequence}), checked against the corpus length."""
    n = len(cols["start"])
    if any(np.shape(c) != (n,) for c in cols.values()):
        raise ValueError("stream arrays differ in length")
    streams = []
    for k in range(n):
        s = Stream(**{name: dtype(cols[name][k]).item() if name != "begun" else bool(cols[name][k])
                      for name, dtype in _STREAM_ARRAYS})
        if not 0 <= s.start <= s.pos <= s.end <= corpus_words or s.pending < 0:
            raise ValueError(f"stream {k} is out of range")
        streams.append(s)
    return streams


def _rank_record(pr: Progress) -> dict:
    """One process's own progress as JSON (a checkpoint of several processes)."""
    return {"words_done": pr.words_done, "corpus_words": pr.corpus_words, "fingerprint": pr.fingerprint,
            "losses": [float(x) for x in pr.losses],
            "streams": {name: [dtype(getattr(s, name)).item() for s in pr.streams] for name, dtype in _STREAM_ARRAYS}}


def _rank_progress(record: dict) -> Progress:
    """The inverse of :func:`_rank_record` (only the process's own fields)."""
    pr = Progress(words_done=int(record["words_done"]), corpus_words=int(record["corpus_words"]),
                  fingerprint=str(record["fingerprint"]), losses=[float(x) for x in record["losses"]])
    pr.streams = _streams(record["streams"], pr.corpus_words)
    if pr.words_done < 0 or not pr.streams:
        raise ValueError("bad record of a process")
    return pr


def check_update_vocab(params: Params) -> None:
    """-update-vocab needs negative sampling: a new Huffman tree would make
    the trained syn1 rows meaningless."""
    if params.hs:
        raise W2VError("-update-vocab 1 cannot be used with -hs 1: a new Huffman tree would "
                       "make the trained syn1 rows meaningless (use -negative N with -hs 0)")


def merge_counts(old: Vocab, words: List[bytes], counts: np.ndarray, min_count: int) -> Vocab:
    """Old words keep their rows whatever their new count; a new word joins
    when its count in the new text reaches *min_count*.  Counts are summed
    and the whole vocabulary re-sorted like C's (ties: old words first, in
    their order, then new words in order of first occurrence)."""
    index = old.index
    total = old.counts.copy()
    add_w: List[bytes] = []
    add_c: List[int] = []
    for w, c in zip(words, np.asarray(counts).tolist()):
        i = index.get(w)
        if i is not None:
            total[i] += c
        elif c >= min_count and w != EOS:
            add_w.append(w)
            add_c.append(c)
    all_words = list(old.words) + add_w
    all_counts = np.concatenate([total, np.asarray(add_c, dtype=np.int64)])
    merged, _ = Vocab.from_counts(all_words, all_counts, 0)
    return merged


