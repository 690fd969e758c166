"""``w2v accuracy`` (compute-accuracy) and ``w2v similarity`` (word-pair
correlation), vectorised with numpy.

:func:`analogy_accuracy` reproduces compute-accuracy's numbers: the vocabulary
is cut to the first *threshold* words and ASCII-upper-cased (C's
``toupper``), a question counts as *seen* only when all four words are in
that vocabulary, the prediction is the best word other than a, b and c with
a score above 0, and the first five sections are semantic."""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import BinaryIO, List, Optional, Union

import numpy as np

from .config import ACCURACY_THRESHOLD, ANALOGY_METHOD
from .errors import W2VError
from .io import describe, iter_chunks, open_input

_UPPER = bytes.maketrans(b"abcdefghijklmnopqrstuvwxyz", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
SEMANTIC_SECTIONS = 5


def _upper(word) -> bytes:
    """C's toupper() over the bytes of a word (ASCII letters only)."""
    if isinstance(word, str):
        word = word.encode("utf-8", "surrogateescape")
    return word.translate(_UPPER)


def _vectors(vectors, limit: Optional[int] = None):
    from .vectors import Vectors, load

    if isinstance(vectors, Vectors):
        return vectors
    return load(vectors, errors="bytes", limit=limit)


# --------------------------------------------------------------------------- analogies
@dataclass
class SectionResult:
    name: Optional[str]       # None: questions before the first ': section' line
    index: int                # C's QID: 1 for the first named section
    correct: int = 0
    seen: int = 0
    total: int = 0

    @property
    def semantic(self) -> bool:
        return self.index <= SEMANTIC_SECTIONS

    @property
    def accuracy(self) -> float:
        return self.correct / self.seen if self.seen else float("nan")


@dataclass
class AccuracyResult:
    """compute-accuracy's counts.  ``seen`` questions have all four words in
    the restricted vocabulary; accuracies are fractions (0..1), NaN when
    nothing was seen."""

    sections: List[SectionResult] = field(default_factory=list)
    threshold: int = 0
    method: str = ANALOGY_METHOD

    def _sum(self, attr: str, semantic: Optional[bool] = None) -> int:
        return sum(getattr(s, attr) for s in self.sections if semantic is None or s.semantic == semantic)

    correct = property(lambda self: self._sum("correct"))
    seen = property(lambda self: self._sum("seen"))
    total = property(lambda self: self._sum("total"))
    semantic_correct = property(lambda self: self._sum("correct", True))
    semantic_seen = property(lambda self: self._sum("seen", True))
    syntactic_correct = property(lambda self: self._sum("correct", False))
    syntactic_seen = property(lambda self: self._sum("seen", False))

    @property
    def accuracy(self) -> float:
        return self.correct / self.seen if self.seen else float("nan")

    @property
    def semantic_accuracy(self) -> float:
        return self.semantic_correct / self.semantic_seen if self.semantic_seen else float("nan")

    @property
    def syntactic_accuracy(self) -> float:
        return self.syntactic_correct / self.syntactic_seen if self.syntactic_seen else float("nan")

    def report(self) -> str:
        """The text compute-accuracy prints (same numbers, same layout)."""
        lines = []
        cc = tc = sec = sea = syc = sya = 0
        for s in self.sections:
            if s.name is not None:
                lines.append(f"{s.name}:\n")
            cc += s.correct
            tc += s.seen
            if s.semantic:
                sea += s.correct
                sec += s.seen
            else:
                sya += s.correct
                syc += s.seen
            if s.name is None:
                continue
            lines.append("ACCURACY TOP1: %s %%  (%d / %d)\n" % (_pct(s.correct, max(1, s.seen)), s.correct, max(1, s.seen)))
            lines.append("Total accuracy: %s %%   Semantic accuracy: %s %%   Syntactic accuracy: %s %% \n"
                         % (_pct(cc, tc), _pct(sea, sec), _pct(sya, syc)))
        lines.append("Questions seen / total: %d %d   %s %% \n" % (self.seen, self.total, _pct(self.seen, self.total)))
        return "".join(lines)


def _pct(num: int, den: int) -> str:
    """C's ``num / (float)den * 100`` printed with %.2f (-nan for 0/0)."""
    if den == 0:
        return "-nan" if num == 0 else ("inf" if num > 0 else "-inf")
    v = np.float32(num) / np.float32(den) * np.float32(100)
    return "%.2f" % float(v)


def _read_all(source, what: str) -> bytes:
    """The bytes of a path (``-`` = stdin, compressed too), an open file, or bytes."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    if hasattr(source, "read"):
        data = source.read()
        return data.encode("utf-8") if isinstance(data, str) else data
    with open_input(source, what) as f:
        return b"".join(iter_chunks(f, source, what))


def _parse_sections(data: bytes):
    """Run compute-accuracy's token loop; yields (section, [(a, b, c, d), ...])
    with upper-cased byte tokens, in file order."""
    tokens = data.split()
    n = len(tokens)
    # C's feof(): true after reading the file's last token when no
    # whitespace follows it.
    eof_at_last = bool(data) and not data[-1:].isspace()
    sections = [(SectionResult(None, 0), [])]
    i = 0
    while True:
        if i >= n:
            break
        t1 = tokens[i].translate(_UPPER)
        i += 1
        if t1 == b":" or t1 == b"EXIT" or (i == n and eof_at_last):
            if i >= n:
                break
            name = tokens[i]
            i += 1
            if i == n and eof_at_last:
                break
            sections.append((SectionResult(name.decode("utf-8", "replace"), len(sections)), []))
            continue
        if i + 3 > n:       # an incomplete last question is ignored
            break
        q = (t1, tokens[i].translate(_UPPER), tokens[i + 1].translate(_UPPER), tokens[i + 2].translate(_UPPER))
        i += 3
        sections[-1][0].total += 1
        sections[-1][1].append(q)
    if sections[0][0].total == 0:
        sections.pop(0)
    return sections


def analogy_accuracy(vectors, questions, threshold: int = ACCURACY_THRESHOLD,
                     method: str = ANALOGY_METHOD) -> AccuracyResult:
    """Evaluate analogies like compute-accuracy.

    *vectors*: a :class:`w2v.vectors.Vectors` or a path; *questions*: a path
    (``-`` = standard input), an open binary file or the bytes themselves;
    *threshold*: use only the first words (0 = all); *method*: ``3cosadd``
    (compute-accuracy) or ``3cosmul``."""
    from .search import METHODS, analogy_batch

    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 0:
        raise W2VError(f"-threshold must be an integer >= 0 (got {threshold}); 0 = whole vocabulary")
    if method not in METHODS:
        raise W2VError(f"-method must be one of {', '.join(METHODS)} (got {method!r})")
    v = _vectors(vectors, threshold or None)
    W = len(v) if threshold == 0 else min(threshold, len(v))
    upper = [_upper(w) for w in v.words[:W]]
    index = dict(zip(reversed(upper), range(W - 1, -1, -1)))
    unit = v.unit[:W] if v._unit is not None else _unit_rows(v.vectors[:W])
    result = AccuracyResult(threshold=threshold, method=method)
    for sec, qs in _parse_sections(_read_all(questions, "questions file")):
        result.sections.append(sec)
        ids, answers = [], []
        for a, b, c, d in qs:
            ia, ib, ic = index.get(a, -1), index.get(b, -1), index.get(c, -1)
            if ia < 0 or ib < 0 or ic < 0 or d not in index:
                continue
            ids.append((ia, ib, ic))
            answers.append(d)
        sec.seen = len(ids)
        if not ids:
            continue
        # compute-accuracy: the best word other than a, b, c scoring above 0
        for (best, _), d in zip(analogy_batch(unit, np.array(ids), 1, method), answers):
            if len(best) and upper[best[0]] == d:
                sec.correct += 1
    return result


def _unit_rows(m: np.ndarray) -> np.ndarray:
    from .vectors import normalize_rows

    return normalize_rows(m)


# --------------------------------------------------------------------------- word pairs
@dataclass
class SimilarityResult:
    spearman: float
    pearson: float
    used: int
    skipped: int
    oov: List[str] = field(default_factory=list)


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties get the average of their ranks."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    starts = np.r_[0, np.flatnonzero(xs[1:] != xs[:-1]) + 1]
    ends = np.r_[starts[1:], len(xs)]
    avg = (starts + ends + 1) / 2.0          # mean of ranks start+1 .. end
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[order] = np.repeat(avg, ends - starts)
    return ranks


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 2:
        return float("nan")
    x = x - x.mean()
    y = y - y.mean()
    den = math.sqrt(float(x @ x) * float(y @ y))
    return float(x @ y) / den if den > 0 else float("nan")


def spearman(x, y) -> float:
    """Spearman's rank correlation (average ranks for ties)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return _pearson(_ranks(x), _ranks(y))


def pearson(x, y) -> float:
    return _pearson(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))


def read_pairs(path, what: str = "pairs file"):
    """``word1 word2 score`` lines (tabs or spaces; ``#`` comments and blank
    lines skipped) -> list of (word1, word2, score)."""
    data = _read_all(path, what)
    pairs = []
    for no, raw in enumerate(data.split(b"\n"), 1):
        line = raw.strip()
        if not line or line.startswith(b"#"):
            continue
        fields = line.split(b"\t") if b"\t" in line else line.split()
        fields = [f.strip() for f in fields]
        where = describe(path) if isinstance(path, str) else what
        if len(fields) != 3:
            raise W2VError(f"{what} {where} line {no}: expected 'word1<TAB>word2<TAB>score', "
                           f"found {len(fields)} fields")
        try:
            score = float(fields[2])
        except ValueError:
            raise W2VError(f"{what} {where} line {no}: score {fields[2][:30].decode('utf-8', 'replace')!r} "
                           f"is not a number") from None
        if not math.isfinite(score):
            raise W2VError(f"{what} {where} line {no}: score is not finite")
        pairs.append((fields[0], fields[1], score))
    return pairs


def similarity(vectors, pairs_path, threshold: int = 0, case_sensitive: bool = False) -> SimilarityResult:
    """Spearman and Pearson correlation between human scores and cosines.

    Words are matched case-insensitively (ASCII) by default, against the
    first *threshold* words (0 = all); pairs with an unknown word are skipped
    and counted."""
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 0:
        raise W2VError(f"-threshold must be an integer >= 0 (got {threshold}); 0 = whole vocabulary")
    pairs = read_pairs(pairs_path)
    if not pairs:
        raise W2VError(f"pairs file {describe(pairs_path) if isinstance(pairs_path, str) else ''} has no word pairs")
    v = _vectors(vectors, threshold or None)
    W = len(v) if threshold == 0 else min(threshold, len(v))
    fold = (lambda w: _upper(w)) if not case_sensitive else (
        lambda w: w if isinstance(w, bytes) else w.encode("utf-8", "surrogateescape"))
    keys = [fold(w) for w in v.words[:W]]
    index = dict(zip(reversed(keys), range(W - 1, -1, -1)))
    unit = v.unit
    human, model, oov = [], [], []
    for a, b, score in pairs:
        ia, ib = index.get(fold(a), -1), index.get(fold(b), -1)
        if ia < 0 or ib < 0:
            oov.append(f"{a.decode('utf-8', 'replace')} {b.decode('utf-8', 'replace')}")
            continue
        human.append(score)
        model.append(float(unit[ia] @ unit[ib]))
    return SimilarityResult(spearman=spearman(human, model), pearson=pearson(human, model),
                            used=len(human), skipped=len(oov), oov=oov)


# --------------------------------------------------------------------------- command line
def run_accuracy(path: str, threshold: int = ACCURACY_THRESHOLD, method: str = ANALOGY_METHOD,
                 questions: Optional[str] = None) -> None:
    if questions is None:
        if sys.stdin is None or sys.stdin.isatty():
            raise W2VError("no questions: redirect a file to standard input "
                           "(w2v accuracy FILE < questions-words.txt) or use -questions FILE")
        questions = "-"
    data = _read_all(questions, "questions file")
    result = analogy_accuracy(path, data, threshold=threshold, method=method)
    source = describe(questions)
    if result.total == 0:
        raise W2VError(f"no analogy questions in {source}: expected ': section' lines and "
                       "'a b c d' lines of four words, like questions-words.txt")
    if result.seen == 0:
        where = f"the first {threshold} words" if threshold else "the vocabulary"
        raise W2VError(f"none of the {result.total} questions in {source} has all four words in "
                       f"{where} of {describe(path)}, so nothing can be scored (is it an analogy "
                       "questions file like questions-words.txt?)")
    sys.stdout.write(result.report())
    sys.stdout.flush()


def run_similarity(path: str, pairs: str, threshold: int = 0, fmt: str = "text") -> None:
    import json

    r = similarity(path, pairs, threshold=threshold)
    if r.used < 2 or not math.isfinite(r.spearman):
        why = (f"only {r.used} of the {r.used + r.skipped} pairs in {describe(pairs)} have both words "
               f"in the vocabulary of {describe(path)}" if r.used < 2
               else f"the scores in {describe(pairs)} or the cosines of its pairs are all equal")
        raise W2VError(f"{why}: no correlation can be computed")
    if fmt == "json":
        print(json.dumps({"spearman": r.spearman, "pearson": r.pearson, "used": r.used,
                          "skipped": r.skipped, "oov_pairs": r.oov}))
        return
    if fmt != "text":
        raise W2VError(f"-format must be text or json (got {fmt!r})")
    print(f"Spearman: {r.spearman:.4f}   Pearson: {r.pearson:.4f}   "
          f"pairs used: {r.used} / {r.used + r.skipped} ({r.skipped} skipped: out of vocabulary)")
