"""``w2v phrases``: word2phrase, with word2phrase's counts and scores.

The input is read once: it is tokenised in Cython (:mod:`w2v._text`, words
cut to 58 bytes, the newline is id 0), the words are counted and the ids are
spooled to a temporary file, so standard input and compressed files work like
plain files and the text is never held in memory.  The spool is then read
twice in chunks: once to count word pairs, once to write the output
(:mod:`w2v._phrases` does the counting, scoring and writing without the GIL).

Differences from word2phrase are listed in docs/phrases.md."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterator, Optional

import numpy as np

from . import _phrases, _text
from .config import PhrasesConfig
from .corpus import IdSpool, TextSource, spool_errors, spool_text
from .errors import W2VError
from .io import atomic_output, check_writable, describe, open_input, same_file
from .progress import Reporter

WORD_BYTES = _text.PHRASE_WORD_BYTES     # word2phrase keeps the first 58 bytes of a word
NEWLINE = b"\n"            # id 0 of the word table
SPOOL_CHUNK = 1 << 20      # ids per chunk when re-reading the spool
OUT_BUFFER = 1 << 20       # bytes per output write

SAVE_HEADER = b"phrase\tcount_ab\tcount_a\tcount_b\tscore\tjoined\n"


@dataclass
class PhrasesResult:
    """What a run did (returned by :func:`run`, used by tests and benchmarks)."""

    train_words: int        # word tokens (newlines excluded), word2phrase's train_words
    lines: int              # newlines in the input
    words: int              # distinct words
    words_kept: int         # distinct words with count >= min_count
    pairs_counted: int      # distinct word pairs counted
    phrases: int            # accepted pairs (score > threshold)
    joined: int             # pairs joined in the output


def _check_paths(cfg: PhrasesConfig) -> None:
    if cfg.train != "-":
        open_input(cfg.train, "input file").close()
    check_writable(cfg.output, "output file")
    if cfg.save_phrases is not None:
        if cfg.save_phrases == "-":
            raise W2VError("-save-phrases needs a file name (standard output is for -output -)")
        check_writable(cfg.save_phrases, "-save-phrases file")
        if same_file(cfg.save_phrases, cfg.output):
            raise W2VError("-save-phrases and -output name the same file")
        if same_file(cfg.save_phrases, cfg.train):
            raise W2VError("-save-phrases and -train name the same file")


def _read_spool(spool: IdSpool, chunk: int = SPOOL_CHUNK) -> Iterator[np.ndarray]:
    """The spooled ids again, chunk by chunk (reused buffer)."""
    f = spool.file
    f.flush()
    f.seek(0)
    buf = np.empty(min(chunk, max(1, spool.length)), dtype=np.int32)
    left = spool.length
    while left:
        k = min(len(buf), left)
        view = buf[:k]
        got = f.readinto(memoryview(view).cast("B"))
        if got != k * 4:
            raise W2VError("temporary file was truncated while reading it back")
        left -= k
        yield view


def _format_score(score: np.float32) -> str:
    return np.format_float_positional(np.float32(score), unique=True, trim="-")


def save_phrases(path: str, words, model) -> None:
    """TSV: one accepted bigram a_b per line, by score descending."""
    a, b = model.acc_a, model.acc_b
    counts, scores, joined = model.acc_count, model.acc_score, model.joined_counts()
    fu = model.word_counts()
    phrase = [words.word(x) + b"_" + words.word(y) for x, y in zip(a.tolist(), b.tolist())]
    order = sorted(range(len(phrase)), key=lambda i: (-float(scores[i]), phrase[i]))
    with atomic_output(path, "-save-phrases file") as out:
        out.write(SAVE_HEADER)
        for i in order:
            out.write(b"%s\t%d\t%d\t%d\t%s\t%d\n" % (
                phrase[i], counts[i], fu[a[i]], fu[b[i]],
                _format_score(scores[i]).encode(), joined[i]))


def run(cfg: PhrasesConfig, reporter: Optional[Reporter] = None) -> PhrasesResult:
    """Run word2phrase as configured: read ``cfg.train``, write ``cfg.output``."""
    reporter = reporter or Reporter(cfg.debug)
    _check_paths(cfg)
    start = "Starting phrases using file "
    reporter.info(start + (reporter.path(cfg.train, len(start)) if cfg.train != "-" else describe("-")))
    words = _text.WordTable(1 << 16)
    words.add_word(NEWLINE, 0)
    with spool_errors():
        spool = IdSpool()
    try:
        tokenizer = _text.Tokenizer(words, "count", WORD_BYTES)
        spool_text(TextSource([cfg.train], what="input file"), tokenizer, spool, reporter)
        train_words = int(tokenizer.tokens - tokenizer.newlines)
        model = _phrases.PhraseModel(words, cfg.min_count, cfg.threshold, bool(cfg.c_compat))
        for ids in _read_spool(spool):
            model.count(ids)
        nphrases = model.resolve(train_words)
        reporter.info(f"Words in train file: {train_words}")
        reporter.info(f"Vocab size: {len(words) - 1} words ({model.words_kept} with count >= "
                      f"{cfg.min_count}), {model.pairs_counted} word pairs counted")
        reporter.info(f"Phrases: {nphrases} bigrams score above {cfg.threshold:g}")
        buf = np.empty(OUT_BUFFER, dtype=np.uint8)
        written, next_report = 0, 1_000_000
        with atomic_output(cfg.output, "output file") as out:
            for ids in _read_spool(spool):
                start, n = 0, len(ids)
                while start < n:
                    start, nbytes = model.write(ids, start, buf)
                    out.write(memoryview(buf)[:nbytes])
                written += n
                if written >= next_report:
                    reporter.progress(f"Words written: {written // 1_000_000}M")
                    next_report = (written // 1_000_000 + 1) * 1_000_000
            if cfg.save_phrases is not None:   # before -output is renamed into place
                save_phrases(cfg.save_phrases, words, model)
        reporter.end_line()
        joined = int(model.joined_counts().sum())
        reporter.info(f"Phrases joined in the output: {joined}")
        return PhrasesResult(train_words=train_words, lines=int(tokenizer.newlines),
                             words=len(words) - 1, words_kept=int(model.words_kept),
                             pairs_counted=int(model.pairs_counted), phrases=int(nphrases),
                             joined=joined)
    finally:
        spool.close()
