"""The ``w2v train`` command: wires a job (files, outputs, threads) to a model
(:mod:`w2v.model`) and the trainer (:mod:`w2v.trainer`).

A job starts a new model, resumes a checkpoint (``-resume``) or continues a
saved model on more text (``-continue``); it then trains, and writes the
vectors (or ``-classes``), the context vectors, the model and checkpoints."""
from __future__ import annotations

import io
from typing import Dict, Iterable, List, Optional, Set

import numpy as np

from .config import HYPERPARAMETERS, Params, TrainJob, available_cores
from .corpus import Corpus, IdSpool, TextSource, count_corpus, encode_corpus, spool_errors
from .errors import W2VError, W2VInterrupted
from .io import check_share, check_writable, expand_inputs, same_file
from .model import Model, check_update_vocab, merge_counts, with_updated_vocab
from .progress import Reporter
from .trainer import Checkpointer, Trainer, plan
from .vocab import Vocab

# Hyperparameters a continued model keeps (the shape of its matrices and what they mean).
FIXED_ON_CONTINUE = ("size", "cbow", "hs")


class Terminated(KeyboardInterrupt):
    """A stop signal other than Ctrl-C (SIGTERM, Slurm's SIGUSR1)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _same_param(name: str, given, stored: Params) -> bool:
    if name == "alpha":
        return given is None and stored.alpha is None or given is not None and float(given) == stored.start_alpha
    if name == "batch":
        return given is None or bool(given) == stored.batched
    return given == getattr(stored, name)


def from_flags(values: Dict[str, object], given: Set[str]) -> tuple:
    """(Params, TrainJob, checkpoint model or None) from the command line's
    values; *given* names the flags the user typed (the others are defaults).
    With ``-resume``, every flag not given comes from the checkpoint."""
    hyper = {k: values[k] for k in HYPERPARAMETERS if k in values}
    job = {k: v for k, v in values.items() if k not in hyper}
    if not values.get("resume"):
        return Params(**hyper), TrainJob(**job), None
    path = str(values["resume"])
    ck = Model.load(path, what="checkpoint file")
    if ck.job is None:
        raise W2VError(f"checkpoint file {path!r} holds a model saved with -save-model, not a checkpoint: "
                       f"use -continue {path} to train it further")
    for name in sorted(given & set(hyper)):
        if not _same_param(name, hyper[name], ck.params):
            stored = ck.params.start_alpha if name == "alpha" else getattr(ck.params, name)
            raise W2VError(f"-{name.replace('_', '-')} {hyper[name]} differs from the checkpoint's {stored}: "
                           f"hyperparameters cannot change on -resume")
    changes = {k: job[k] for k in given if k in job and k != "resume"}
    if "continue_from" in changes or "update_vocab" in changes or "init_vectors" in changes:
        raise W2VError("-continue, -update-vocab and -init-vectors cannot be given with -resume "
                       "(the checkpoint already says how the run started)")
    return ck.params, ck.job.replace(resume=path, **changes), ck


def _check_job(params: Params, job: TrainJob) -> None:
    outputs = [(job.output, "output file"), (job.save_vocab, "vocabulary file"),
               (job.save_model, "-save-model file"), (job.save_context, "-save-context file"),
               (job.checkpoint, "checkpoint file")]
    for path, what in outputs:
        if path:
            check_writable(path, what)
    named = [(p, w) for p, w in outputs if p and p != "-"]
    for i, (a, wa) in enumerate(named):
        for b, wb in named[i + 1:]:
            if same_file(a, b):
                raise W2VError(f"the {wa} and the {wb} are the same file {a!r}")
    if (job.save_context or job.add_context) and not params.negative:
        flag = "-save-context" if job.save_context else "-add-context 1"
        raise W2VError(f"{flag} needs -negative N > 0: context vectors are the negative-sampling "
                       f"rows (hierarchical-softmax rows are tree nodes, not words)")
    if job.add_context and job.classes:
        raise W2VError("-add-context 1 applies to vectors; it cannot be combined with -classes")
    for path in (job.continue_from, job.init_vectors):
        if path:
            TextSource([path], what="file").check()


def build_corpus(params: Params, job: TrainJob, source: Optional[TextSource] = None,
                 reporter: Optional[Reporter] = None, vocab: Optional[Vocab] = None) -> Corpus:
    """The job's text as vocabulary ids: against *vocab* (a resumed model's),
    -read-vocab's, or a vocabulary counted from the text."""
    source = source or TextSource(job.train)
    reporter = reporter or Reporter(0)
    if vocab is not None:
        return encode_corpus(source, vocab, reporter)
    if job.read_vocab:
        vocab = Vocab.read(job.read_vocab, params.min_count)
        if len(vocab) < 2:
            raise W2VError(f"no word in vocabulary file {job.read_vocab!r} has count >= -min-count {params.min_count}")
        return encode_corpus(source, vocab, reporter)
    return count_corpus(source, params.min_count, reporter, params.max_vocab_entries)


def _remapped(corpus: Corpus, vocab: Vocab) -> Corpus:
    """The corpus's ids as indices of *vocab* (words it lacks are dropped)."""
    index = vocab.index
    mapping = np.array([index.get(w, -1) for w in corpus.vocab.words], dtype=np.int32)
    with spool_errors():
        spool = IdSpool()
        try:
            step = 1 << 22
            for s in range(0, len(corpus.ids), step):
                ids = mapping[corpus.ids[s:s + step]]
                spool.append(ids[ids >= 0])
            return Corpus(vocab, spool.array(), corpus.tokens_read, corpus.fingerprint, corpus.pruned)
        finally:
            spool.close()


def _continued_params(params: Params, given: Set[str], base: Model) -> Params:
    """-continue: the saved model's hyperparameters with the ones given that may change."""
    for name in FIXED_ON_CONTINUE:
        if name in given and getattr(params, name) != getattr(base.params, name):
            raise W2VError(f"-{name} {getattr(params, name)} differs from the model's {getattr(base.params, name)}: "
                           f"-size, -cbow and -hs of a model cannot change")
    if "negative" in given and bool(params.negative) != bool(base.params.negative):
        raise W2VError("-negative cannot switch negative sampling on or off for a saved model")
    keep = {k: getattr(params, k) for k in HYPERPARAMETERS if k in given and k not in FIXED_ON_CONTINUE}
    if "alpha" not in given:
        keep["alpha"] = base.params.alpha
    return base.params.replace(**keep)


def _continue_model(params: Params, job: TrainJob, given: Set[str], source: TextSource,
                    reporter: Reporter, base: Optional[Model] = None) -> tuple:
    if base is None:
        base = Model.load(job.continue_from)
    new_params = _continued_params(params, given, base)
    if job.update_vocab:
        check_update_vocab(base.params)
        counted = count_corpus(source, 0, reporter, new_params.max_vocab_entries)
        merged = merge_counts(base.vocab, counted.vocab.words, counted.vocab.counts, new_params.min_count)
        model = with_updated_vocab(base, merged)
        corpus = _remapped(counted, merged)
        added = len(merged) - len(base.vocab)
        reporter.info(f"New words: {added} (vocabulary {len(base.vocab)} -> {len(merged)})")
    else:
        corpus = encode_corpus(source, base.vocab, reporter)
        model = base.writable()
    model.params = new_params
    return model, corpus


def _init_vectors(model: Model, path: str, reporter: Reporter) -> None:
    """-init-vectors: syn0 rows of the words the file has."""
    from .vectors import load

    vec = load(path, errors="bytes")
    if vec.vectors.shape[1] != model.params.size:
        raise W2VError(f"-init-vectors {path!r} has {vec.vectors.shape[1]} dimensions, but -size is "
                       f"{model.params.size}")
    index = vec.word_index
    rows = [(i, index[w]) for i, w in enumerate(model.vocab.words) if w in index]
    if rows:
        dst, src = np.array(rows, dtype=np.int64).T
        model.syn0[dst] = vec.vectors[src]
    reporter.info(f"Initial vectors: {len(rows)} of {len(model.vocab)} words from {reporter.path(path, 40)}")


def run(params: Params, job: TrainJob, reporter: Optional[Reporter] = None,
        given: Iterable[str] = (), resumed: Optional[Model] = None,
        source: Optional[TextSource] = None, callbacks=()) -> Optional[Model]:
    """The whole ``w2v train`` job.  *given*: the flags the user typed.
    *source*: the text (default: the job's -train files); given (the Python
    API), the model is trained even when the job writes nothing."""
    from . import distributed

    given = set(given)
    if source is None:
        dist = distributed.init()
        if dist is not None:
            return _run_ranks(dist, params, job, reporter, given, resumed)
        job = job.replace(train=tuple(expand_inputs(job.train)))
    if resumed is not None and resumed.progress.ranks:
        raise W2VError(_other_ranks(job.resume, len(resumed.progress.ranks), 1))
    reporter = reporter or Reporter(job.debug)
    _check_job(params, job)
    train_always = source is not None
    source = source or TextSource(job.train)
    source.check()
    _start_line(reporter, source)
    if resumed is not None:
        model = resumed.writable()
        corpus = build_corpus(params, job, source, reporter, vocab=model.vocab)
        _check_resumed_text(corpus, model.progress, source.name, "its fingerprint differs")
        _resume_line(reporter, model.progress, model.progress.words_done)
    elif job.continue_from:
        model, corpus = _continue_model(params, job, given, source, reporter)
        params = model.params
        plan(model, len(corpus.ids), job.effective_threads(), corpus.fingerprint)
    else:
        corpus = build_corpus(params, job, source, reporter)
        model = Model.new(params, corpus.vocab)
        if job.init_vectors:
            _init_vectors(model, job.init_vectors, reporter)
        plan(model, len(corpus.ids), job.effective_threads(), corpus.fingerprint)
    reporter.info(f"Vocab size: {len(corpus.vocab)}")
    reporter.info(f"Words in train file: {corpus.vocab.train_words}")
    if job.save_vocab:
        corpus.vocab.save(job.save_vocab)
    if not (job.output or job.save_model or job.save_context or job.checkpoint or train_always):
        return None
    cores = available_cores()
    if "threads" in given and job.threads > cores:
        reporter.info(f"Using {cores} threads: -threads {job.threads} is more than the {cores} available cores",
                      level=2)
    model.job = job
    checkpoint = None
    if job.checkpoint:
        checkpoint = Checkpointer(job.checkpoint, job.checkpoint_every * 60.0)
    trainer = Trainer(model, corpus.ids, threads=job.effective_threads(), reporter=reporter,
                      checkpoint=checkpoint, callbacks=callbacks)
    try:
        model = trainer.run()
    except KeyboardInterrupt as exc:
        code = 128 + exc.signum if isinstance(exc, Terminated) else 130
        raise _interrupted(model, job, code, "w2v train") from None
    write_outputs(model, job)
    return model


def _check_resumed_text(corpus: Corpus, pr, name: str, why: str) -> None:
    """-resume: the text read now must be the one the checkpoint was trained on."""
    if corpus.fingerprint != pr.fingerprint or len(corpus.ids) != pr.corpus_words:
        raise W2VError(f"-train {name} is not the text this checkpoint was trained on ({why}): "
                       f"give -train the same text")


def _resume_line(reporter: Reporter, pr, words: int) -> None:
    if pr.finished:
        reporter.info("The checkpoint's run is finished: writing its outputs")
    else:
        reporter.info(f"Resuming at epoch {pr.epoch + 1}/{pr.epochs}, {words} words done")


def _interrupted(model: Model, job: TrainJob, code: int, command: str) -> W2VInterrupted:
    """The stop's message: where the checkpoint is and how to resume, or that nothing was written."""
    if not job.checkpoint:
        return W2VInterrupted("training stopped, no output written", exit_code=code)
    pr = model.progress
    return W2VInterrupted(
        f"stopped at epoch {min(pr.epoch + 1, pr.epochs)}/{pr.epochs} "
        f"({100.0 * pr.words_done / max(pr.total_words - 1, 1):.1f} % done); checkpoint written to "
        f"{job.checkpoint}; resume with: {command} -resume {job.checkpoint}", exit_code=code)


def _other_ranks(path: str, written: int, running: int) -> str:
    """A checkpoint resumed by another number of processes than wrote it."""
    def procs(n: int) -> str:
        return "one process" if n == 1 else f"{n} processes"

    how = f"mpiexec -n {written} w2v train" if written > 1 else "w2v train"
    return (f"checkpoint file {path!r} was written by {procs(written)}, this run has {procs(running)}: "
            f"resume it with {how} -resume {path}")


def _start_line(reporter: Reporter, source: TextSource) -> None:
    if len(source.paths) == 1 and source.paths[0] != "-":
        start = "Starting training using file "
        reporter.info(start + reporter.path(source.paths[0], len(start)))
    else:
        reporter.info(f"Starting training using {source.name}")


def _run_ranks(dist, params: Params, job: TrainJob, reporter: Optional[Reporter], given: Set[str] = frozenset(),
               resumed: Optional[Model] = None) -> Optional[Model]:
    """``mpiexec -n K w2v train``: this rank trains its share of the text
    (:mod:`w2v.distributed`); rank 0 reports and writes the outputs and the
    checkpoints.  Every rank reads a -resume checkpoint or a -continue model
    itself (the same file: identical matrices on every rank)."""
    from . import distributed

    lead = dist.rank == 0
    reporter = (reporter or Reporter(job.debug)) if lead else Reporter(0, stream=io.StringIO())

    def setup() -> tuple:
        if resumed is not None and len(resumed.progress.ranks) != dist.size:
            raise W2VError(_other_ranks(job.resume, max(1, len(resumed.progress.ranks)), dist.size))
        if job.continue_from and job.update_vocab:
            raise W2VError(f"-update-vocab 1 is not supported with several processes (mpiexec -n {dist.size}): "
                           f"grow the vocabulary with one process")
        if lead:
            _check_job(params, job)
        paths = expand_inputs(job.train)
        check_share(paths, (dist.rank, dist.size))
        TextSource(paths).check()
        base = resumed
        if job.continue_from:
            base = Model.load(job.continue_from)
            base.params = _continued_params(params, given, base)
        return paths, base

    paths, base = dist.collective(setup)
    _start_line(reporter, TextSource(paths))
    corpus = distributed.load_corpus(dist, paths, params.min_count, job.read_vocab, params.max_vocab_entries,
                                     reporter, vocab=base.vocab if base is not None else None)
    threads = job.effective_threads(dist.default_threads())
    if resumed is not None:
        model = resumed.writable()
        model.progress = pr = resumed.progress.for_rank(dist.rank)
        dist.collective(lambda: _check_resumed_text(corpus, pr, TextSource(paths).name,
                                                    f"the share of rank {dist.rank} differs"))
        _resume_line(reporter, pr, pr.job_words)
    else:
        model = base.writable() if base is not None else Model.new(params, corpus.vocab)
        if job.init_vectors:
            dist.collective(lambda: _init_vectors(model, job.init_vectors, reporter))
        streams = max(1, min(threads, len(corpus.ids)))
        plan(model, len(corpus.ids), streams, corpus.fingerprint, first_stream=dist.worker_offset(streams))
    reporter.info(f"Vocab size: {len(corpus.vocab)}")
    reporter.info(f"Words in train file: {corpus.vocab.train_words}")
    reporter.info(f"Processes: {dist.size}, threads each: {threads}", level=2)
    if job.save_vocab:
        dist.collective(lambda: corpus.vocab.save(job.save_vocab) if lead else None)
    if not (job.output or job.save_model or job.save_context or job.checkpoint):
        return None
    model.job = job
    trainer = Trainer(model, corpus.ids, threads=threads, reporter=reporter)
    checkpoint = Checkpointer(job.checkpoint, job.checkpoint_every * 60.0) if job.checkpoint else None
    sync = distributed.TrainerSync(dist, trainer.model, job.sync_every, checkpoint=checkpoint,
                                   job_words=model.progress.job_words)
    trainer.sync = sync
    sync.catch_signals()
    try:
        model = trainer.run()
    except KeyboardInterrupt as exc:
        stopped = _interrupted(trainer.model, job, 128 + getattr(exc, "signum", 2),
                               f"mpiexec -n {dist.size} w2v train")
        stopped.collective = True
        raise stopped from None
    finally:
        sync.release_signals()
    reporter.info(sync.summary(), level=2)
    dist.collective(lambda: write_outputs(model, job) if lead else None)
    return model


def write_outputs(model: Model, job: TrainJob) -> None:
    from . import vectors
    from .classes import kmeans_classes

    if job.output:
        if job.classes > 0:
            classes = kmeans_classes(model.syn0, job.classes)
            vectors.save_classes(job.output, model.vocab.words, classes)
        else:
            model.save_vectors(job.output, binary=bool(job.binary), add_context=bool(job.add_context))
    if job.save_context:
        vectors.save_word2vec(job.save_context, model.vocab.words, model.context_matrix(), binary=bool(job.binary))
    if job.save_model:
        model.save(job.save_model, "-save-model file")
