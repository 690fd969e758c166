"""The ``w2v train`` command: the command line's flags as a job
(:class:`w2v.config.Params`, :class:`w2v.config.TrainJob`, the checkpoint of
``-resume``), run by :mod:`w2v.pipeline` in this process or, under an MPI
launcher, in every process of the job (:mod:`w2v.distributed`)."""
from __future__ import annotations

from typing import Dict, Iterable, Optional, Set

from .config import HYPERPARAMETERS, Params, TrainJob
from .errors import W2VError
from .model import Model
from .pipeline import build_corpus  # noqa: F401  (the job's text as ids; tests use it from here)
from .progress import Reporter


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


def run(params: Params, job: TrainJob, reporter: Optional[Reporter] = None,
        given: Iterable[str] = (), resumed: Optional[Model] = None) -> Optional[Model]:
    """The whole ``w2v train`` job.  *given*: the flags the user typed;
    *resumed*: the checkpoint of ``-resume`` (from :func:`from_flags`)."""
    from . import distributed, pipeline

    return pipeline.run(params, job, reporter=reporter, given=given, resumed=resumed, world=distributed.init())
