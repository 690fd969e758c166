"""Launchers named like the word2vec C tools (``w2v c-tools DIR``).

``w2v c-tools DIR`` writes small shell scripts into DIR, named as the C
toolkit's makefile names its programs (``word2vec``, ``word2phrase``,
``distance``, ``word-analogy``, ``compute-accuracy``) and as the PyPI
``word2vec`` package installs them (``word2vec-distance``,
``word2vec-word-analogy``, ``word2vec-compute-accuracy``,
``word2vec-doc2vec``).  Each one runs ``python -m w2v.ctools NAME ARGS...``
with the absolute path of the interpreter that wrote it, so it works from
any folder, when DIR is moved, and whether a venv is activated or not.

``python -m w2v.ctools NAME ARGS...`` gives w2v the C tool's command line:
its usage text and exit status 0 without arguments, its positional
arguments (``distance FILE``, ``compute-accuracy FILE [THRESHOLD]``), its
messages in its words and order on standard output (:class:`CReporter`),
its prompts before every query line, exit status 0 when a query word is
unknown, C's statuses for the errors C reports (1 for word2vec and
word2phrase, 255 for a vectors file that cannot be opened).  w2v's checks
stay: bad input is one ``w2v CMD: error: ...`` line on standard error and a
non-zero status where C would crash or go on silently, and paths have no
length limit (C keeps them in 60- or 100-byte buffers)."""
from __future__ import annotations

import os
import re
import shlex
import sys
import tempfile
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .errors import W2VError
from .progress import Reporter

MARKER = "# w2v c-tools launcher"

# --------------------------------------------------------------------------- the C tools' usage texts
_TRAIN_OPTIONS = """\
WORD VECTOR estimation toolkit v 0.1c

Options:
Parameters for training:
\t-train <file>
\t\tUse text data from <file> to train the model
\t-output <file>
\t\tUse <file> to save the resulting word vectors / word clusters
\t-size <int>
\t\tSet size of word vectors; default is 100
\t-window <int>
\t\tSet max skip length between words; default is 5
\t-sample <float>
\t\tSet threshold for occurrence of words. Those that appear with higher frequency in the training data
\t\twill be randomly down-sampled; default is 1e-3, useful range is (0, 1e-5)
\t-hs <int>
\t\tUse Hierarchical Softmax; default is 0 (not used)
\t-negative <int>
\t\tNumber of negative examples; default is 5, common values are 3 - 10 (0 = not used)
\t-threads <int>
\t\tUse <int> threads (default 12)
\t-iter <int>
\t\tRun more training iterations (default 5)
\t-min-count <int>
\t\tThis will discard words that appear less than <int> times; default is 5
\t-alpha <float>
\t\tSet the starting learning rate; default is 0.025 for skip-gram and 0.05 for CBOW
\t-classes <int>
\t\tOutput word classes rather than word vectors; default number of classes is 0 (vectors are written)
\t-debug <int>
\t\tSet the debug mode (default = 2 = more info during training)
\t-binary <int>
\t\tSave the resulting vectors in binary moded; default is 0 (off)
\t-save-vocab <file>
\t\tThe vocabulary will be saved to <file>
\t-read-vocab <file>
\t\tThe vocabulary will be read from <file>, not constructed from the training data
\t-cbow <int>
\t\tUse the continuous bag of words model; default is 1 (use 0 for skip-gram model)
"""
_SENTENCE_OPTION = """\
\t-sentence-vectors <int>
\t\tAssume the first token at the beginning of each line is a sentence ID. This token will be trained
\t\twith full sentence context instead of just the window. Use 1 to turn on.
"""
_TRAIN_EXAMPLE = """
Examples:
./word2vec -train data.txt -output vec.txt -size 200 -window 5 -sample 1e-4 -negative 5 -hs 0 -binary 0 -cbow 1 -iter 3

"""
WORD2VEC_USAGE = _TRAIN_OPTIONS + _TRAIN_EXAMPLE
DOC2VEC_USAGE = _TRAIN_OPTIONS + _SENTENCE_OPTION + _TRAIN_EXAMPLE
WORD2PHRASE_USAGE = """\
WORD2PHRASE tool v0.1a

Options:
Parameters for training:
\t-train <file>
\t\tUse text data from <file> to train the model
\t-output <file>
\t\tUse <file> to save the resulting word vectors / word clusters / phrases
\t-min-count <int>
\t\tThis will discard words that appear less than <int> times; default is 5
\t-threshold <float>
\t\t The <float> value represents threshold for forming the phrases (higher means less phrases); default 100
\t-debug <int>
\t\tSet the debug mode (default = 2 = more info during training)

Examples:
./word2phrase -train text.txt -output phrases.txt -threshold 100 -debug 2

"""
DISTANCE_USAGE = "Usage: ./distance <FILE>\nwhere FILE contains word projections in the BINARY FORMAT\n"
ANALOGY_USAGE = "Usage: ./word-analogy <FILE>\nwhere FILE contains word projections in the BINARY FORMAT\n"
ACCURACY_USAGE = ("Usage: ./compute-accuracy <FILE> <threshold>\nwhere FILE contains word projections, and "
                  "threshold is used to reduce vocabulary of the model for fast approximate evaluation "
                  "(0 = off, otherwise typical value is 30000)\n")


# --------------------------------------------------------------------------- C's console
Lines = List[Tuple[str, int]]        # (text to print, the C tool's minimum -debug for it)


class CReporter(Reporter):
    """The C tools' console: only their messages, in their words, on standard
    output (w2v's own extra lines are left out; warnings stay on standard
    error).  *translate* turns one w2v message into the C tool's lines.
    Progress lines are C's ``\\r`` lines, never ended by a newline."""

    def __init__(self, debug: int, translate: Callable[[str], Lines], stream=None):
        super().__init__(debug, stream=stream if stream is not None else sys.stdout, tty=False)
        self._translate = translate

    def info(self, message: str, level: int = 1) -> None:
        for text, c_level in self._translate(message):
            if self.debug >= c_level:
                self._write(text)

    always = info

    def warn(self, message: str) -> None:
        try:
            sys.stderr.write("warning: " + message + "\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass

    def progress(self, line, final: bool = False) -> None:
        if self.debug < 2:
            return
        now = time.monotonic()
        if not final and now - self._last < 0.1:
            return
        self._last = now
        if isinstance(line, str):
            texts = [t for t, _ in self._translate(line)]
        else:
            fields = [t for t, _ in line if t.startswith(_C_PROGRESS_FIELDS)]
            texts = ["\r" + "  ".join(fields) + "  "] if fields else []
        for text in texts:
            self._write(text)

    def end_line(self) -> None:
        """C never ends its ``\\r`` lines."""


_C_PROGRESS_FIELDS = ("Alpha: ", "Progress: ", "Words/thread/sec: ")
_MILLIONS = re.compile(r"(Words read|Words written): (\d+)M$")


def _thousands(message: str, label: str) -> Optional[str]:
    """``Words read: 3M`` as C's ``3000K`` figure (None for other messages)."""
    m = _MILLIONS.match(message)
    return f"{int(m.group(2)) * 1000}K" if m and m.group(1) == label else None


def train_lines(message: str) -> Lines:
    """word2vec.c's lines for one of ``w2v train``'s messages."""
    if message.startswith("Starting training using "):
        return [(message + "\n", 0)]          # printed whatever -debug
    if message.startswith(("Vocab size: ", "Words in train file: ")):
        return [(message + "\n", 1)]
    counted = _thousands(message, "Words read")
    if counted is not None:
        return [(counted + "\r", 2)]
    return []


class PhraseLines:
    """word2phrase.c's lines for ``w2v phrases``'s messages (C prints the
    vocabulary size before the word count)."""

    _VOCAB = re.compile(r"Vocab size: (\d+) words \(\d+ with count >= \d+\), (\d+) word pairs counted$")

    def __init__(self) -> None:
        self._words: Optional[str] = None

    def __call__(self, message: str) -> Lines:
        if message.startswith("Starting phrases using file "):
            return [("Starting training using file " + message[len("Starting phrases using file "):] + "\n", 0)]
        if message.startswith("Starting phrases using "):
            return [("Starting training using " + message[len("Starting phrases using "):] + "\n", 0)]
        if message.startswith("Words in train file: "):
            self._words = message
            return []
        m = self._VOCAB.match(message)
        if m:
            # the unigrams and bigrams counted (C prints a figure between them
            # and the number kept, from a bug in its pruning loop)
            lines = [(f"\nVocab size (unigrams + bigrams): {int(m.group(1)) + int(m.group(2))}\n", 1)]
            if self._words is not None:
                lines.append((self._words + "\n", 1))
            return lines
        written = _thousands(message, "Words written")
        if written is not None:
            return [(f"Words written: {written}\r", 2)]
        return []


# --------------------------------------------------------------------------- the tools
def _usage(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
    sys.exit(0)


def _train(usage: str, rewrite: Callable[[List[str]], List[str]] = list) -> Callable[[List[str]], None]:
    def run(args: List[str]) -> None:
        from .cli import main

        if not args:
            _usage(usage)
        main(["train", *rewrite(args)], reporter=lambda debug: CReporter(debug, train_lines))
    return run


def pypi_doc2vec_args(args: List[str]) -> List[str]:
    """The PyPI ``word2vec`` package's ``doc2vec()`` ends its command line
    with ``sentence-vectors 1``, without the dash (the C tool ignores it as
    a stray argument and trains word vectors only): read as what it means,
    ``-sentence-vectors 1``.  Any other stray argument stays an error."""
    if len(args) >= 2 and args[-2] == "sentence-vectors":
        return [*args[:-2], "-sentence-vectors", args[-1]]
    return list(args)


def _word2phrase(args: List[str]) -> None:
    from .cli import main

    if not args:
        _usage(WORD2PHRASE_USAGE)
    # -c-compat 1: bigrams counted across line ends, like word2phrase (the
    # output is word2phrase's); a -c-compat given on the command line wins
    main(["phrases", "-c-compat", "1", *args], reporter=lambda debug: CReporter(debug, PhraseLines()))


def _lookup(kind: str, usage: str, name: str) -> Callable[[List[str]], None]:
    def run(args: List[str]) -> None:
        from .cli import guarded
        from .query import run as query

        if not args:
            _usage(usage)

        def answer() -> None:
            if len(args) > 1:
                raise W2VError(f"{name} takes one argument, the vectors file ({name} FILE, queries on standard "
                               f"input); got {len(args)}: {' '.join(map(shlex.quote, args))}")
            query(kind, args[0], (), c_style=True)
        guarded(answer, f"w2v {kind}")
    return run


def _accuracy(name: str) -> Callable[[List[str]], None]:
    def run(args: List[str]) -> None:
        from .cli import guarded, main

        if not args:
            _usage(ACCURACY_USAGE)
        if len(args) > 2:
            def stray() -> None:
                raise W2VError(f"{name} takes the vectors file and an optional threshold ({name} FILE "
                               f"[THRESHOLD] < questions-words.txt); got {len(args)} arguments")
            guarded(stray, "w2v accuracy")
        threshold = args[1] if len(args) > 1 else "0"   # C: no threshold = all words
        main(["accuracy", args[0], "-threshold", threshold])
    return run


# name -> what it runs: the makefile's names, then the PyPI package's
TOOLS: Dict[str, Callable[[List[str]], None]] = {
    "word2vec": _train(WORD2VEC_USAGE),
    "word2phrase": _word2phrase,
    "distance": _lookup("distance", DISTANCE_USAGE, "distance"),
    "word-analogy": _lookup("analogy", ANALOGY_USAGE, "word-analogy"),
    "compute-accuracy": _accuracy("compute-accuracy"),
    "word2vec-distance": _lookup("distance", DISTANCE_USAGE, "word2vec-distance"),
    "word2vec-word-analogy": _lookup("analogy", ANALOGY_USAGE, "word2vec-word-analogy"),
    "word2vec-compute-accuracy": _accuracy("word2vec-compute-accuracy"),
    "word2vec-doc2vec": _train(DOC2VEC_USAGE, pypi_doc2vec_args),   # w2v train, every flag it has
}


# --------------------------------------------------------------------------- w2v c-tools DIR
def launcher_text(name: str, python: Optional[str] = None) -> str:
    python = os.path.abspath(python or sys.executable)
    return (f"#!/bin/sh\n{MARKER}: the C tool {name!r} run by w2v (rewrite with: w2v c-tools DIR)\n"
            f"exec {shlex.quote(python)} -m w2v.ctools {name} \"$@\"\n")


def _is_launcher(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    lines = head.split(b"\n")
    return len(lines) > 1 and lines[0] == b"#!/bin/sh" and lines[1].startswith(MARKER.encode())


def write_launchers(directory: str, force: bool = False, python: Optional[str] = None) -> List[str]:
    """Write every launcher into *directory* (created if missing).  Files
    there that are launchers are rewritten; any other file of the same name
    is an error unless *force*.  Nothing is written when one cannot be."""
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise W2VError(f"{directory!r} exists and is not a folder")
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise W2VError(f"cannot create folder {directory!r}: {exc.strerror or exc}") from None
    paths = [os.path.join(directory, name) for name in TOOLS]
    for path in paths:
        if os.path.isdir(path) and not os.path.islink(path):
            raise W2VError(f"{path!r} is a folder: remove it or choose another DIR")
        if os.path.lexists(path) and not force and not _is_launcher(path):
            raise W2VError(f"{path!r} exists and is not a w2v launcher: remove it, choose another DIR, "
                           f"or give -force 1 to replace it")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise W2VError(f"cannot write in folder {directory!r}: permission denied")
    mask = os.umask(0)
    os.umask(mask)
    for name, path in zip(TOOLS, paths):
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
        except OSError as exc:
            raise W2VError(f"cannot write in folder {directory!r}: {exc.strerror or exc}") from None
        try:
            with os.fdopen(fd, "w") as f:
                f.write(launcher_text(name, python))
            os.chmod(tmp, 0o777 & ~mask)
            os.replace(tmp, path)
        except OSError as exc:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise W2VError(f"cannot write {path!r}: {exc.strerror or exc}") from None
    return paths


# the training tools: C's only error status is 1 ("Argument missing for -size",
# "ERROR: training data file not found!")
_TRAINERS = ("word2vec", "word2phrase", "word2vec-doc2vec")


def c_status(name: str, args: Sequence[str], status) -> int:
    """The C tool *name*'s exit status for w2v's *status* (``sys.exit``'s
    argument): 1 for the training tools' errors, 255 when a look-up's
    vectors file cannot be opened (C: ``Input file not found``).  Where C
    has no error of its own (it would crash or go on), w2v's status stays;
    so do interruptions (130) and a closed pipe (141)."""
    code = 0 if status is None else status if isinstance(status, int) else 1
    if code == 0 or code > 128:
        return code
    if name in _TRAINERS:
        return 1
    if args:
        try:
            with open(args[0], "rb"):
                pass
        except OSError:
            return 255
    return code


def main(argv: Optional[List[str]] = None) -> None:
    """``python -m w2v.ctools NAME ARGS...``: the C tool NAME's command line."""
    args = sys.argv[1:] if argv is None else list(argv)
    if not args or args[0] not in TOOLS:
        sys.stderr.write("w2v.ctools: error: the first argument names a C tool: " + ", ".join(TOOLS) + "\n")
        sys.exit(2)
    try:
        TOOLS[args[0]](args[1:])
    except SystemExit as exc:
        sys.exit(c_status(args[0], args[1:], exc.code))


if __name__ == "__main__":
    main()
