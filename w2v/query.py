"""``w2v distance`` and ``w2v analogy``: nearest neighbours and analogies,
interactive like the C tools on a terminal, scriptable otherwise.

The searches themselves are in :mod:`w2v.search`."""
from __future__ import annotations

import json
import os
import sys
from typing import BinaryIO, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .config import ANALOGY_METHOD, LOOKUP_N
from .errors import W2VError
from .search import _QUERY_BLOCK, METHODS, analogy_batch, nearest

PROMPTS = {
    "distance": "Enter word or sentence (EXIT to break): ",
    "analogy": "Enter three words (EXIT to break): ",
}
_HEADERS = {
    "distance": b"\n" + b" " * 46 + b"Word       Cosine distance\n" + b"-" * 72 + b"\n",
    "analogy": b"\n" + b" " * 46 + b"Word              Distance\n" + b"-" * 72 + b"\n",
    # 3CosMul scores are not cosines (they go above 1): the column says so
    "3cosmul": b"\n" + b" " * 46 + b"Word         3CosMul score\n" + b"-" * 72 + b"\n",
}
NOT_IN_VOCABULARY = "not in vocabulary"
FORMATS = ("text", "tsv", "json")
_LINES_PER_BATCH = 4 * _QUERY_BLOCK   # query lines gathered before a search


# --------------------------------------------------------------------------- command line
class _Session:
    """Answers query lines (bytes) for ``distance`` or ``analogy``."""

    def __init__(self, vectors, kind: str, n: int, fmt: str, method: str,
                 out: BinaryIO, err: BinaryIO):
        self.v, self.kind, self.n, self.fmt, self.method = vectors, kind, n, fmt, method
        self.out, self.err = out, err
        self.index = vectors.word_index
        self.bytes_words = bool(vectors.words) and isinstance(vectors.words[0], bytes)
        self.measure = "3cosmul" if kind == "analogy" and method == "3cosmul" else "cosine"
        self.c_rows = False                   # C's tables: c_table()
        self.asked = 0                        # queries answered
        self.failed: List[Tuple[str, str]] = []   # (query, why) for those not answered

    def _word_bytes(self, w) -> bytes:
        return w if isinstance(w, bytes) else w.encode("utf-8", "surrogateescape")

    def _word_str(self, w) -> str:
        return w.decode("utf-8", "replace") if isinstance(w, bytes) else w

    def _lookup(self, token: bytes) -> int:
        key = token if self.bytes_words else token.decode("utf-8", "replace")
        return self.index.get(key, -1)

    def answer(self, lines: Iterable[bytes]) -> bool:
        """Answer every line of a batch; False once a line is ``EXIT``."""
        plans, jobs, go_on = [], [], True
        for line in lines:
            tokens = line.split()
            if not tokens:
                continue
            if tokens == [b"EXIT"]:
                go_on = False
                break
            plans.append(self._plan(tokens, jobs))
        results = self._search(jobs)
        chunks = [self._render(tokens, ids, problem, results[j] if j >= 0 else None)
                  for tokens, ids, problem, j in plans]
        self.out.write(b"".join(chunks))
        self.out.flush()
        return go_on

    def _plan(self, tokens: List[bytes], jobs: list):
        """(tokens, looked-up ids, problem, job number) for one query."""
        if self.kind == "analogy" and len(tokens) < 3:
            return tokens, [], "few", -1
        ids = []
        for t in tokens:
            i = self._lookup(t)
            ids.append(i)
            if i < 0:
                return tokens, ids, "oov", -1
        jobs.append(ids)
        return tokens, ids, None, len(jobs) - 1

    def _search(self, jobs: List[List[int]]):
        if not jobs:
            return []
        unit = self.v.unit
        if self.kind == "distance":
            q = np.stack([unit[ids].sum(axis=0) for ids in jobs])
            return nearest(unit, q, jobs, self.n)
        # word-analogy uses the first three words and leaves out every word given
        return analogy_batch(unit, np.array([ids[:3] for ids in jobs]), self.n, self.method,
                             exclude=jobs)

    def _render(self, tokens, ids, problem, result) -> bytes:
        """The answer to one query; a query that cannot be answered is
        shown too (and remembered in ``failed``)."""
        query = b" ".join(tokens).decode("utf-8", "replace")
        self.asked += 1
        message = unknown = None
        if problem == "few":
            message = f"three words are needed ({len(tokens)} given)"
        elif problem == "oov":
            message = NOT_IN_VOCABULARY
            unknown = [t.decode("utf-8", "replace") for t in tokens if self._lookup(t) < 0]
        if message is not None:
            why = message if unknown is None else f"{message}: {', '.join(unknown)}"
            self.failed.append((query, why if unknown == [query] else f"{why} (query {query!r})"))
        if self.fmt == "text":
            return self._render_text(tokens, ids, problem, result)
        if self.fmt == "json":
            rec = {"query": query, "measure": self.measure, "error": message}
            if unknown is not None:
                rec["unknown"] = unknown
            rec["results"] = [] if result is None else [
                {"word": self._word_str(self.v.words[i]), "score": round(float(s), 6)}
                for i, s in zip(*result)]
            return json.dumps(rec, ensure_ascii=False).encode("utf-8") + b"\n"
        # tsv: query, word, score; a query without results (unknown word, or
        # nothing qualified) is one line with empty word and score fields
        qb = b" ".join(tokens)
        if result is None or not len(result[0]):
            return qb + b"\t\t\n"
        return b"".join(b"%s\t%s\t%.6f\n" % (qb, self._word_bytes(self.v.words[i]), float(s))
                        for i, s in zip(*result))

    def failure(self) -> Optional[str]:
        """One line about the queries that could not be answered, if any."""
        if not self.failed:
            return None
        why = self.failed[0][1]
        if len(self.failed) == 1:
            return why
        return f"{len(self.failed)} of {self.asked} queries not answered; the first: {why}"

    def _render_text(self, tokens, ids, problem, result) -> bytes:
        """word2vec.c's output for one input line."""
        if problem == "few":
            return (b"Only %d words were entered.. three words are needed at the input "
                    b"to perform the calculation\n" % len(tokens))
        parts = []
        unknown = 0 if self.c_rows and self.kind == "analogy" else -1     # word-analogy.c says 0
        for t, i in zip(tokens, ids):
            parts.append(b"\nWord: %s  Position in vocabulary: %d\n" % (t, i if i >= 0 else unknown))
        if problem == "oov":
            parts.append(b"Out of dictionary word!\n")
            return b"".join(parts)
        parts.append(_HEADERS["3cosmul" if self.measure == "3cosmul" else self.kind])
        rows = [(self._word_bytes(self.v.words[i]), float(s)) for i, s in zip(*result)]
        for word, s in self.c_table(rows) if self.c_rows else rows:
            parts.append(b"%50s\t\t%f\n" % (word, s))
        return b"".join(parts)

    def c_table(self, rows: List[Tuple[bytes, float]]) -> List[Tuple[bytes, float]]:
        """The C tools' table: the rows scoring above C's starting best (-1
        for distance, 0 for word-analogy), then empty rows at that score, *n* in all."""
        floor = -1.0 if self.kind == "distance" else 0.0
        kept = [(w, s) for w, s in rows if s > floor]
        return kept + [(b"", floor)] * (self.n - len(kept))


def _stdin_batches(fd: int, max_lines: int) -> Iterator[List[bytes]]:
    """Complete lines from *fd* as they arrive: all lines already available
    form one batch (so a pipe or file is answered in bulk, a co-process
    line by line)."""
    pending = b""
    while True:
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError as exc:
            raise W2VError(f"cannot read standard input: {exc.strerror or exc}") from None
        if not chunk:
            if pending:
                yield [pending]
            return
        pending += chunk
        lines = pending.split(b"\n")
        pending = lines.pop()
        for s in range(0, len(lines), max_lines):
            yield lines[s:s + max_lines]


def _interactive(session: _Session, prompt: str) -> None:
    try:
        import readline  # noqa: F401  (line editing and history for input())
    except ImportError:  # pragma: no cover
        pass
    while True:
        try:
            line = input(prompt)
        except EOFError:                      # Ctrl-D
            session.out.write(b"\n")
            session.out.flush()
            return
        except KeyboardInterrupt:             # Ctrl-C: w2v.cli reports it, exit 130
            session.out.write(b"\n")
            session.out.flush()
            raise
        if not session.answer([line.encode("utf-8", "surrogateescape")]):
            return


def _prompted(session: _Session, prompt: str, fd: int) -> None:
    """The C tools' dialogue on any input: the prompt, then the answer to
    the line read, until EXIT or the end of the input."""
    text = prompt.encode()
    for batch in _stdin_batches(fd, 1):
        session.out.write(text)
        if not session.answer(batch):
            return
    session.out.write(text + b"\n")
    session.out.flush()


def run(kind: str, path: str, queries: Sequence[str] = (), n: int = LOOKUP_N, fmt: str = "text",
        method: str = ANALOGY_METHOD, c_style: bool = False) -> None:
    """``w2v distance`` / ``w2v analogy``: answer *queries* (command-line
    words), else standard input: interactive on a terminal, batched otherwise.
    *c_style* (the C tools' launchers): the prompt before every line read,
    from a pipe too, exit status 0 whatever could be answered, and C's
    tables of exactly *n* rows (:meth:`_Session.c_table`)."""
    from .vectors import load

    if kind not in PROMPTS:
        raise ValueError(kind)
    if n < 1:
        raise W2VError(f"-n must be >= 1 (got {n})")
    if fmt not in FORMATS:
        raise W2VError(f"-format must be one of {', '.join(FORMATS)} (got {fmt!r})")
    if method not in METHODS:
        raise W2VError(f"-method must be one of {', '.join(METHODS)} (got {method!r})")
    lines: Optional[List[bytes]] = None
    if queries:
        lines = [q.encode("utf-8", "surrogateescape") for q in queries]
        if kind == "analogy":
            words = b" ".join(lines).split()
            if len(words) % 3:
                raise W2VError(f"analogy queries are three words each (a b c for a : b :: c : ?); "
                               f"got {len(words)} words")
            lines = [b" ".join(words[i:i + 3]) for i in range(0, len(words), 3)]
    vectors = load(path, errors="bytes", normalize=True)
    out = sys.stdout.buffer
    err = sys.stderr.buffer
    session = _Session(vectors, kind, n, fmt, method, out, err)
    session.c_rows = c_style
    if lines is not None:
        for s in range(0, len(lines), _LINES_PER_BATCH):
            session.answer(lines[s:s + _LINES_PER_BATCH])
    elif sys.stdin is None:
        return
    elif sys.stdin.isatty():
        _interactive(session, PROMPTS[kind])   # like the C tools: exit status 0
        return
    elif c_style:
        _prompted(session, PROMPTS[kind], sys.stdin.fileno())
        return
    else:
        for batch in _stdin_batches(sys.stdin.fileno(), _LINES_PER_BATCH):
            if not session.answer(batch):
                break
    # scripted: every query was answered in the output; the status says
    # whether some could not be
    problem = session.failure()
    if problem is not None:
        raise W2VError(problem)
