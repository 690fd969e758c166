"""One training run, whoever starts it: ``w2v train`` (:mod:`w2v.train_command`),
``w2v.train`` and ``Model.train_more`` (:mod:`w2v.api`), and ``mpiexec -n K
w2v train`` (a *world* of several processes, :mod:`w2v.distributed`).

:func:`run` takes the run through its steps, each in one place:

1. vocabulary: counted from the text, read (-read-vocab), the model's
   (-resume, -continue) or grown (-update-vocab); merged across the
   processes of a world;
2. corpus ids: the text (a process's share of it in a world) as ids;
3. model: new (or -init-vectors), resumed from a checkpoint, or continued;
4. plan: the run's work streams (a resumed run keeps its own);
5. the :class:`w2v.trainer.Trainer`, with callbacks, the checkpointer and,
   in a world, the synchroniser (:class:`w2v.distributed.TrainerSync`);
6. outputs: vectors or classes, context vectors, the model (the first
   process of a world writes them).

A world adds a synchroniser and the reading of shares; every other step is
the same code for one process and for several."""
from __future__ import annotations

import io
from typing import Callable, Iterable, Optional, Sequence, Set, Tuple

import numpy as np

from . import _tables
from .config import HYPERPARAMETERS, Params, TrainJob, available_cores
from .corpus import Corpus, IdSpool, TextSource, count_corpus, encode_corpus, spool_errors
from .errors import W2VError, W2VInterrupted
from .io import check_share, check_writable, expand_inputs, same_file
from .model import Model, check_update_vocab, merge_counts
from .progress import Reporter
from .trainer import STOP_SIGNALS, Checkpointer, Trainer, plan
from .vocab import Vocab

# Hyperparameters a continued model keeps (the shape of its matrices and what they mean).
FIXED_ON_CONTINUE = ("size", "cbow", "hs")


def run(params: Params, job: TrainJob, *, source: Optional[TextSource] = None,
        reporter: Optional[Reporter] = None, given: Iterable[str] = (), resumed: Optional[Model] = None,
        base: Optional[Model] = None, callbacks: Sequence[Callable] = (), world=None,
        always_train: bool = False, stop_signals: Sequence[str] = STOP_SIGNALS) -> Optional[Model]:
    """The whole run; returns the trained model (None when the job only
    builds the vocabulary).

    * *source*: the text (default: the job's -train files, expanded);
    * *given*: the hyperparameters and flags the caller chose (the others are
      defaults: a continued model keeps its own);
    * *resumed*: the checkpoint of ``-resume``; *base*: the model to continue
      (default: ``job.continue_from`` read from its file);
    * *world*: the processes of a multi-process run (:class:`w2v.distributed.Dist`),
      None for one process;
    * *always_train*: train even when the job writes nothing (the Python API);
    * *stop_signals*: the signals that stop training at the trainer's next pause."""
    given = set(given)
    expand = source is None
    lead = world is None or world.rank == 0
    if lead:
        reporter = reporter or Reporter(job.debug)
    else:
        reporter = Reporter(0, stream=io.StringIO())
    collective = world.collective if world is not None else (lambda fn: fn())

    # 0. the job and its text
    def setup() -> Tuple[TextSource, Optional[Model]]:
        if resumed is not None:
            _check_processes(resumed, job, 1 if world is None else world.size)
        if world is not None and job.continue_from and job.update_vocab:
            raise W2VError(f"-update-vocab 1 is not supported with several processes (mpiexec -n {world.size}): "
                           f"grow the vocabulary with one process")
        if lead:
            _check_job(params, job, continuing=base is None)
        text = source
        if text is None:
            paths = expand_inputs(job.train)
            if world is not None:
                check_share(paths, (world.rank, world.size))
            text = TextSource(paths)
        text.check()
        start = base
        if job.continue_from:
            start = start if start is not None else Model.load(job.continue_from)
            start.params = continued_params(params, given, start)
        _check_documents(params if start is None else start.params, job, world)
        return text, start

    source, base = collective(setup)
    if expand and world is None:
        job = job.replace(train=tuple(source.paths))     # a checkpoint names the files, not the patterns
    _start_line(reporter, source)

    # 1-3. vocabulary, corpus ids, model
    threads = job.effective_threads(None if world is None else world.default_threads())
    placed = world.bind(threads, bool(job.bind)) if world is not None else ""
    if world is not None:
        from .distributed import load_corpus

        corpus = load_corpus(world, source.paths, params.min_count, job.read_vocab, params.max_vocab_entries,
                             reporter, vocab=base.vocab if base is not None else resumed.vocab
                             if resumed is not None else None)
    if resumed is not None:
        model = resumed.writable()
        if world is None:
            corpus = build_corpus(params, job, source, reporter, vocab=model.vocab, docs=model.doc_ids)
            why, words = "its fingerprint differs", model.progress.words_done
        else:
            model.progress = resumed.progress.for_rank(world.rank)
            why, words = f"the share of rank {world.rank} differs", model.progress.job_words
        collective(lambda: _check_resumed_text(corpus, model.progress, source.name, why))
        _resume_line(reporter, model.progress, words)
    else:
        if base is not None:
            if world is None:
                model, corpus = continue_model(base, source, reporter, bool(job.update_vocab))
            else:
                model = base.writable()
        else:
            if world is None:
                corpus = build_corpus(params, job, source, reporter)
            model = Model.new(params, corpus.vocab, corpus.docs)
            if job.init_vectors:
                collective(lambda: _init_vectors(model, job.init_vectors, reporter))
        # 4. the plan
        streams = threads if world is None else max(1, min(threads, len(corpus.ids)))
        plan(model, len(corpus.ids), streams, corpus.fingerprint,
             first_stream=0 if world is None else world.worker_offset(streams))
    reporter.info(f"Vocab size: {len(corpus.vocab)}")
    if model.doc_ids is not None:
        reporter.info(f"Documents: {len(model.doc_ids)}")
    reporter.info(f"Words in train file: {corpus.vocab.train_words}")
    if world is not None:
        reporter.info(f"Processes: {world.size}, threads each: {threads} ({placed})", level=2)
    if job.save_vocab:
        collective(lambda: corpus.vocab.save(job.save_vocab) if lead else None)
    if not (job.output or job.save_model or job.save_context or job.checkpoint or always_train):
        return None
    cores = available_cores()
    if world is None and "threads" in given and job.threads > cores:
        reporter.info(f"Using {cores} threads: -threads {job.threads} is more than the {cores} available cores",
                      level=2)

    # 5. the trainer
    model.job = job
    checkpoint = Checkpointer(job.checkpoint, job.checkpoint_every * 60.0) if job.checkpoint else None
    sync = None
    if world is not None:
        from .distributed import TrainerSync

        # several processes checkpoint together, at a round (the synchroniser writes)
        sync = TrainerSync(world, model, job.sync_every, words=job.sync_words, checkpoint=checkpoint,
                           job_words=model.progress.job_words)
        checkpoint = None
    trainer = Trainer(model, corpus.ids, threads=threads, reporter=reporter, callbacks=callbacks,
                      checkpoint=checkpoint, sync=sync, stop_signals=stop_signals,
                      objective_key=0 if world is None else world.rank)
    try:
        model = trainer.run()
    except KeyboardInterrupt as exc:
        command = "w2v train" if world is None else f"mpiexec -n {world.size} w2v train"
        stopped = interrupted(trainer.model, job, 128 + getattr(exc, "signum", 2), command)
        stopped.collective = world is not None
        raise stopped from None
    if sync is not None:
        reporter.info(sync.summary(), level=2)
        sync.close()

    # 6. outputs
    collective(lambda: write_outputs(model, job) if lead else None)
    return model


def infer(model: Model, source: TextSource, *, epochs: Optional[int] = None, alpha: Optional[float] = None,
          seed: Optional[int] = None, threads: Optional[int] = None, reporter: Optional[Reporter] = None,
          stop_signals: Sequence[str] = ()) -> Model:
    """Vectors for new documents (``w2v infer``, ``Model.infer_vectors``):
    each line of *source* is a document (its first token the ID, repeated
    IDs one document), trained against *model*'s words and outputs, which
    stay as they are (only the documents' rows change, each epoch at one
    learning rate: the model's schedule at the epoch's start).  The work
    streams start at line starts, so each document is trained by one thread
    and the result depends only on *seed* and *threads*.  Returns a model
    whose ``doc_ids`` and ``docs`` are the new documents'."""
    reporter = reporter or Reporter(0)
    changes = {"sentence_vectors": 1, "batch": 0}
    for name, value in (("iter", epochs), ("alpha", alpha), ("seed", seed)):
        if value is not None:
            changes[name] = value
    params = model.params.replace(**changes)
    source.check()
    corpus = encode_corpus(source, model.vocab, reporter, require_words=False, docs=True)
    if not corpus.docs:
        raise W2VError(f"{source.what} {source.name} has no document (a line's first token is its ID)")
    reporter.info(f"Documents: {len(corpus.docs)}")
    docs = Model(params, model.vocab, model.syn0, model.syn1, model.syn1neg,
                 docs=_tables.init_syn0(len(corpus.docs), params.size, params.seed), doc_ids=corpus.docs)
    threads = max(1, threads or available_cores())
    plan(docs, len(corpus.ids), threads, corpus.fingerprint)
    _streams_at_lines(docs, corpus.ids)
    Trainer(docs, corpus.ids, threads=threads, reporter=reporter, stop_signals=stop_signals, frozen=True,
            objective=False).run()
    return docs


def _streams_at_lines(model: Model, ids: np.ndarray) -> None:
    """Move each boundary between work streams to the next line start."""
    starts = np.flatnonzero(np.asarray(ids) == 0) + 1
    streams = model.progress.streams
    for before, s in zip(streams, streams[1:]):
        k = int(np.searchsorted(starts, s.start))
        s.start = s.pos = max(before.start, int(starts[k]) if k < len(starts) else len(ids))
        before.end = s.start
    # a stream may be left empty: it ends where it starts


# --------------------------------------------------------------------------- the steps
def _check_job(params: Params, job: TrainJob, continuing: bool = True) -> None:
    """The job's outputs and inputs, before anything is read (*continuing*:
    -continue names a model file to read)."""
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
    if params.sentence_vectors and job.classes:
        raise W2VError("-classes writes word classes; it cannot be combined with -sentence-vectors 1 "
                       "(write the vectors with -output)")
    for path in (job.continue_from if continuing else None, job.init_vectors):
        if path:
            TextSource([path], what="file").check()


def _check_documents(params: Params, job: TrainJob, world) -> None:
    """Paragraph vectors are trained in one run of one process."""
    if params.sentence_vectors and (world is not None or job.continue_from):
        how = f"several processes (mpiexec -n {world.size})" if world is not None else "-continue"
        raise W2VError(f"-sentence-vectors 1 is not supported with {how}: train paragraph vectors "
                       f"in one run of one process")


def _check_processes(resumed: Model, job: TrainJob, running: int) -> None:
    """-resume: the checkpoint was written by as many processes as run now."""
    written = max(1, len(resumed.progress.ranks))
    if written != running:
        raise W2VError(_other_processes(job.resume, written, running))


def build_corpus(params: Params, job: TrainJob, source: Optional[TextSource] = None,
                 reporter: Optional[Reporter] = None, vocab: Optional[Vocab] = None,
                 docs: Optional[Sequence[bytes]] = None) -> Corpus:
    """The job's text as vocabulary ids: against *vocab* (a resumed model's,
    with its document IDs *docs*), -read-vocab's, or a vocabulary counted
    from the text.  With -sentence-vectors the first token of each line is
    the line's document ID (:mod:`w2v.corpus`)."""
    source = source or TextSource(job.train)
    reporter = reporter or Reporter(0)
    docs = (docs if docs is not None else True) if params.sentence_vectors else None
    if vocab is not None:
        return encode_corpus(source, vocab, reporter, docs=docs)
    if job.read_vocab:
        vocab = Vocab.read(job.read_vocab, params.min_count)
        if len(vocab) < 2:
            raise W2VError(f"no word in vocabulary file {job.read_vocab!r} has count >= -min-count {params.min_count}")
        return encode_corpus(source, vocab, reporter, docs=docs)
    return count_corpus(source, params.min_count, reporter, params.max_vocab_entries, docs=docs)


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


def continued_params(params: Params, given: Set[str], base: Model) -> Params:
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


def continue_model(base: Model, source: TextSource, reporter: Reporter, update_vocab: bool) -> Tuple[Model, Corpus]:
    """-continue (*base* has its hyperparameters for this run): the text
    against the model's vocabulary, or, with *update_vocab*, against the
    vocabulary grown by the text's new words (the model grown in place)."""
    if update_vocab:
        check_update_vocab(base.params)
        counted = count_corpus(source, 0, reporter, base.params.max_vocab_entries)
        merged = merge_counts(base.vocab, counted.vocab.words, counted.vocab.counts, base.params.min_count)
        old = len(base.vocab)
        corpus = _remapped(counted, merged)
        model = base.writable().update_vocab(merged)
        reporter.info(f"New words: {len(merged) - old} (vocabulary {old} -> {len(merged)})")
    else:
        corpus = encode_corpus(source, base.vocab, reporter)
        model = base.writable()
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
        model.touch()
    reporter.info(f"Initial vectors: {len(rows)} of {len(model.vocab)} words from {reporter.path(path, 40)}")


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


def interrupted(model: Model, job: TrainJob, code: int, command: str) -> W2VInterrupted:
    """The stop's message: where the checkpoint is and how to resume, or that nothing was written."""
    if not job.checkpoint:
        return W2VInterrupted("training stopped, no output written", exit_code=code)
    pr = model.progress
    return W2VInterrupted(
        f"stopped at epoch {min(pr.epoch + 1, pr.epochs)}/{pr.epochs} "
        f"({100.0 * pr.words_done / max(pr.total_words - 1, 1):.1f} % done); checkpoint written to "
        f"{job.checkpoint}; resume with: {command} -resume {job.checkpoint}", exit_code=code)


def _other_processes(path: str, written: int, running: int) -> str:
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


def write_outputs(model: Model, job: TrainJob) -> None:
    """The job's outputs: vectors (or -classes), context vectors, the model."""
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
