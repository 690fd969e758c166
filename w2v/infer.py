"""The ``w2v infer`` command: vectors for the documents of a new text (each
line a document, its first token the ID), trained against a saved model's
frozen words and outputs (:func:`w2v.pipeline.infer`), written in word2vec's
format under their IDs."""
from __future__ import annotations

from typing import Optional

from . import pipeline, vectors
from .corpus import TextSource
from .errors import W2VError
from .io import check_writable
from .model import Model
from .progress import Reporter


def run(model_path: str, train: str, output: str, *, epochs: Optional[int] = None, alpha: Optional[float] = None,
        seed: Optional[int] = None, threads: int = 0, binary: int = 0, debug: int = 1) -> None:
    if threads < 0:
        raise W2VError(f"-threads must be >= 0 (got {threads})")
    check_writable(output, "output file")
    model = Model.load(model_path)
    reporter = Reporter(debug)
    docs = pipeline.infer(model, TextSource([train]), epochs=epochs, alpha=alpha, seed=seed, threads=threads,
                          reporter=reporter)
    vectors.save_word2vec(output, docs.doc_ids, docs.docs, binary=bool(binary))
