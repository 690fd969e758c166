"""Shared helpers for the benchmark scripts (``scripts/bench*.py``).

* :func:`run_child` runs a command and measures its wall time, CPU time and
  peak resident memory (the child's own ``rusage`` from ``os.wait4``), and the
  time at which given marker strings first appear in its output.
* :func:`plain_corpus` decompresses a ``.gz``/``.bz2``/``.xz`` corpus once into
  a cache folder (the C tools cannot read compressed input), so every tool
  reads the same plain file; :func:`count_words` counts its tokens (cached),
  :func:`corpus_stats` the words a pass keeps after -min-count and
  subsampling and their mean Huffman code length (by w2v, cached).
* :func:`load_vectors`, :func:`analogy_accuracy` and :func:`wordsim_spearman`
  are the ONE evaluator used for every tool's vectors file: thin adapters over
  ``w2v.load`` and ``w2v.evaluate`` (compute-accuracy's rules), imported lazily.
* :func:`format_table` prints aligned plain-text tables.

Only the standard library is imported at module level, so this
file also runs under the gensim interpreter as a small driver::

    python scripts/_benchlib.py gensim-train --corpus F --output V.bin ...
    python scripts/_benchlib.py gensim-eval V.bin --questions Q --pairs P
"""
from __future__ import annotations

import argparse
import bz2
import gzip
import json
import lzma
import os
import selectors
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.path.normpath(os.path.join(REPO, "..", "shared", "data"))
DEFAULT_OUT = os.path.join(REPO, "bench-out")
DEFAULT_CACHE = os.path.join(DEFAULT_OUT, "cache")
FALLBACK_PREFIX = "/tmp/benv/bin"

EOS = b"</s>"
SEMANTIC_SECTIONS = 5          # compute-accuracy: sections 1-5 are semantic
ANALOGY_RESTRICT = 30000
PAIRS_RESTRICT = 300000

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


# --------------------------------------------------------------------------- running children
@dataclass
class RunResult:
    cmd: List[str]
    rc: int
    wall_s: float                 # fork to reaped exit, measured by the parent
    user_s: float                 # child CPU time (rusage)
    sys_s: float
    peak_rss_mib: float           # child ru_maxrss
    stdout: bytes
    stderr: bytes
    marks: Dict[str, float] = field(default_factory=dict)   # marker -> seconds after start
    machine_cpu_s: float = float("nan")   # CPU time used by the whole machine meanwhile

    @property
    def cpu_percent(self) -> float:
        return 100.0 * (self.user_s + self.sys_s) / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def others_cpu_percent(self) -> float:
        """CPU used by other processes while the child ran (100 = one core busy)."""
        other = self.machine_cpu_s - self.user_s - self.sys_s
        return max(0.0, 100.0 * other / self.wall_s) if self.wall_s > 0 else float("nan")

    def text(self) -> str:
        return (self.stdout + self.stderr).decode("utf-8", "replace")


def run_child(cmd: Sequence[str], *, cwd: Optional[str] = None, env: Optional[dict] = None,
              marks: Iterable[str] = (), log_path: Optional[str] = None,
              stdin_path: Optional[str] = None) -> RunResult:
    """Run *cmd*, reading its stdout/stderr as they come so that the first
    appearance of each marker string can be time-stamped.  Peak RSS is the
    child's ``ru_maxrss`` as returned by ``os.wait4`` for that pid alone."""
    cmd = [str(c) for c in cmd]
    want = [m.encode() for m in marks]
    seen: Dict[str, float] = {}
    bufs = {"out": bytearray(), "err": bytearray()}
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    cpu0 = machine_cpu_seconds()
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=stdin,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    finally:
        if stdin_path:
            stdin.close()
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "out")
    sel.register(proc.stderr, selectors.EVENT_READ, "err")
    open_streams = 2
    while open_streams:
        for key, _ in sel.select():
            chunk = os.read(key.fileobj.fileno(), 1 << 16)
            if not chunk:
                sel.unregister(key.fileobj)
                open_streams -= 1
                continue
            now = time.perf_counter() - start
            buf = bufs[key.data]
            tail = len(buf)
            buf += chunk
            for m, mb in zip(marks, want):
                if m not in seen and buf.find(mb, max(0, tail - len(mb))) >= 0:
                    seen[m] = now
    sel.close()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    cpu1 = machine_cpu_seconds()
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    proc.stderr.close()
    res = RunResult(cmd, proc.returncode, wall, ru.ru_utime, ru.ru_stime, ru.ru_maxrss / 1024.0,
                    bytes(bufs["out"]), bytes(bufs["err"]), seen, cpu1 - cpu0)
    if log_path:
        with open(log_path, "wb") as f:
            f.write(b"$ " + " ".join(cmd).encode() + b"\n")
            f.write(res.stdout.replace(b"\r", b"\n"))
            f.write(res.stderr.replace(b"\r", b"\n"))
    return res


def machine_cpu_seconds() -> float:
    """Busy CPU seconds of the whole machine since boot (Linux /proc/stat), or NaN."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return float("nan")
    # user nice system idle iowait irq softirq steal (guest is already in user)
    busy = sum(fields[:3]) + sum(fields[5:8])
    return busy / os.sysconf("SC_CLK_TCK")


def wait_for_quiet(max_busy_cores: float = 0.25, timeout: float = 600.0, probe: float = 3.0,
                   log=print) -> float:
    """Wait until the machine's CPU use over *probe* seconds stays below
    *max_busy_cores* (or *timeout* passes); returns the last measured value."""
    deadline = time.monotonic() + timeout
    said = False
    while True:
        a = machine_cpu_seconds()
        time.sleep(probe)
        busy = (machine_cpu_seconds() - a) / probe
        if busy != busy or busy <= max_busy_cores or time.monotonic() >= deadline:
            return busy
        if not said:
            log(f"  waiting for the machine to go quiet ({busy:.2f} cores busy) ...")
            said = True


def load_average() -> Tuple[float, float, float]:
    try:
        return os.getloadavg()
    except OSError:
        return (float("nan"),) * 3


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def git_describe(path: str = REPO) -> str:
    try:
        head = subprocess.run(["git", "-C", path, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", path, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def find_tool(name: str, venv_python: str = sys.executable) -> Optional[str]:
    """A program from the running venv if installed there, else /tmp/benv/bin."""
    for folder in (os.path.dirname(venv_python), FALLBACK_PREFIX):
        path = os.path.join(folder, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return shutil.which(name)


def python_with(module: str, venv_python: str = sys.executable) -> Optional[str]:
    """The running venv's python if it can import *module*, else /tmp/benv/bin/python."""
    for py in (venv_python, os.path.join(FALLBACK_PREFIX, "python")):
        if os.path.isfile(py) and subprocess.run([py, "-c", f"import {module}"],
                                                 capture_output=True).returncode == 0:
            return py
    return None


# --------------------------------------------------------------------------- corpora
def _stamp(path: str) -> str:
    st = os.stat(path)
    return f"{os.path.abspath(path)}|{st.st_size}|{st.st_mtime_ns}"


def _sidecar(cache_dir: str, path: str) -> str:
    return os.path.join(cache_dir, os.path.basename(path) + ".meta.json")


def _read_meta(cache_dir: str, path: str) -> dict:
    try:
        with open(_sidecar(cache_dir, path)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def _write_meta(cache_dir: str, path: str, meta: dict) -> None:
    tmp = _sidecar(cache_dir, path) + ".tmp"
    with open(tmp, "w") as f:
        json.dump(meta, f)
    os.replace(tmp, _sidecar(cache_dir, path))


def plain_corpus(path: str, cache_dir: str = DEFAULT_CACHE, log=print) -> str:
    """*path* itself if it is plain text, else its decompressed copy in
    *cache_dir* (made once; redone only when the source changes)."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in _OPENERS:
        return path
    os.makedirs(cache_dir, exist_ok=True)
    target = os.path.join(cache_dir, os.path.basename(path)[: -len(ext)])
    stamp = _stamp(path)
    if os.path.exists(target) and _read_meta(cache_dir, target).get("source") == stamp:
        return target
    log(f"decompressing {path} -> {target}")
    tmp = target + ".tmp"
    with _OPENERS[ext](path, "rb") as src, open(tmp, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 22)
    os.replace(tmp, target)
    _write_meta(cache_dir, target, {"source": stamp})
    return target


def count_words(path: str, cache_dir: str = DEFAULT_CACHE) -> Tuple[int, int]:
    """(tokens separated by space/tab/newline, lines) of a plain file; cached."""
    os.makedirs(cache_dir, exist_ok=True)
    stamp = _stamp(path)
    meta = _read_meta(cache_dir, path)
    if meta.get("stamp") == stamp and "words" in meta:
        return meta["words"], meta["lines"]
    words = lines = 0
    carry = b""
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 22)
            if not chunk:
                break
            lines += chunk.count(b"\n")
            chunk = carry + chunk
            cut = max(chunk.rfind(b" "), chunk.rfind(b"\n"), chunk.rfind(b"\t"))
            if cut < 0:
                carry = chunk
                continue
            words += len(chunk[:cut].split())
            carry = chunk[cut:]
    words += len(carry.split())
    meta.update({"stamp": stamp, "words": words, "lines": lines})
    _write_meta(cache_dir, path, meta)
    return words, lines


def corpus_stats(path: str, min_count: int, samples: Sequence[float], cache_dir: str = DEFAULT_CACHE,
                 python: str = sys.executable) -> dict:
    """What a training pass over *path* keeps, per subsampling threshold:
    ``{"train_words": T, "vocab": V, "sample": {"0.001": {"kept": K,
    "hs_code_len": L}}}``.  K = sum over words of count x min(1, keep), keep
    being w2v's own subsampling probability (``w2v._tables.keep_probabilities``,
    T = train_words after -min-count); sentence ends are not centre words.
    L = the mean Huffman code length (w2v's ``_tables.huffman``) weighted by
    the kept words.  Computed by w2v in a child process run by *python* (the
    benchmark process stays small) and cached next to the corpus."""
    os.makedirs(cache_dir, exist_ok=True)
    stamp = _stamp(path)
    meta = _read_meta(cache_dir, path)
    key = f"stats-min-count-{min_count}"
    have = meta.get(key) if meta.get("stats_stamp") == stamp else None
    want = [format(x, "g") for x in samples]
    if have is None or any(x not in have["sample"] for x in want):
        cmd = [python, os.path.abspath(__file__), "corpus-stats", path, "--min-count", str(min_count),
               "--sample", ",".join(want)]
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, cwd=cache_dir).stdout
        have = json.loads(out)
        meta = _read_meta(cache_dir, path)
        if meta.get("stats_stamp") != stamp:
            meta = {k: v for k, v in meta.items() if not k.startswith("stats-")}
        meta.update({"stats_stamp": stamp, key: have})
        _write_meta(cache_dir, path, meta)
    return have


def _corpus_stats(argv: Sequence[str]) -> None:
    ap = argparse.ArgumentParser(prog="_benchlib.py corpus-stats")
    ap.add_argument("corpus")
    ap.add_argument("--min-count", type=int, required=True)
    ap.add_argument("--sample", required=True, help="comma list of thresholds")
    a = ap.parse_args(argv)
    import numpy as np
    from w2v import _tables
    from w2v.corpus import count_corpus

    vocab = count_corpus(a.corpus, a.min_count).vocab
    counts = vocab.counts
    codelens = np.asarray(_tables.huffman(counts)[2], dtype=np.float64)
    out: dict = {"train_words": vocab.train_words, "vocab": len(vocab), "sample": {}}
    for text in a.sample.split(","):
        sample = float(text)
        keep = np.ones(len(counts))
        if sample > 0:
            keep = np.minimum(1.0, np.asarray(_tables.keep_probabilities(counts, sample, vocab.train_words),
                                              dtype=np.float64))
        kept = counts[1:] * keep[1:]
        total = float(kept.sum())
        out["sample"][text] = {"kept": total, "hs_code_len": float((kept * codelens[1:]).sum() / total)}
    print(json.dumps(out))


# --------------------------------------------------------------------------- vectors files
# One evaluator for every tool: w2v's own loader and compute-accuracy /
# WordSim-353 code (w2v.vectors, w2v.evaluate), imported lazily because this
# module also runs under a python that has gensim but not w2v.

def load_vectors(path: str):
    """A vectors file as ``w2v.Vectors`` (words kept as bytes)."""
    import w2v

    return w2v.load(path, errors="bytes", warn=lambda message: None)


def _without_eos(v, drop_eos: bool):
    """The vectors without a ``</s>`` row 0 (C and w2v write one, gensim does not),
    so that every tool is restricted to the same number of real words."""
    from w2v.vectors import Vectors

    if drop_eos and v.words and v.words[0] == EOS:
        return Vectors(v.words[1:], v.vectors[1:])
    return v


def analogy_accuracy(v, questions_path: str, restrict: int = ANALOGY_RESTRICT,
                     drop_eos: bool = True) -> dict:
    """compute-accuracy's numbers (w2v.evaluate) as percentages, on the first
    *restrict* rows (with ``drop_eos``, a ``</s>`` row is not counted)."""
    from w2v.evaluate import analogy_accuracy as accuracy

    r = accuracy(_without_eos(v, drop_eos), questions_path, threshold=restrict)
    return {"overall": 100 * r.accuracy, "semantic": 100 * r.semantic_accuracy,
            "syntactic": 100 * r.syntactic_accuracy, "correct": r.correct, "seen": r.seen,
            "total": r.total, "restrict": restrict, "drop_eos": drop_eos,
            "sections": [{"section": sec.name or "", "correct": sec.correct, "seen": sec.seen}
                         for sec in r.sections]}


def wordsim_spearman(v, pairs_path: str, restrict: int = PAIRS_RESTRICT) -> dict:
    """Spearman correlation (w2v.evaluate.similarity: average ranks, words
    matched case-insensitively among the first *restrict* real words)."""
    from w2v.evaluate import similarity

    r = similarity(_without_eos(v, True), pairs_path, threshold=restrict)
    return {"spearman": r.spearman, "pairs_used": r.used, "pairs_total": r.used + r.skipped}


def evaluate_file(path: str, questions: Optional[str], pairs: Optional[str],
                  simlex: Optional[str] = None) -> dict:
    """Analogy, WordSim-353 and (given *simlex*, a file in the same word-pair
    format) SimLex-999 scores of one vectors file."""
    v = load_vectors(path)
    out: dict = {"rows": len(v.words), "eos_row": bool(v.words) and v.words[0] == EOS}
    if questions:
        out["analogy"] = analogy_accuracy(v, questions)
    if pairs:
        out["wordsim"] = wordsim_spearman(v, pairs)
    if simlex:
        out["simlex"] = wordsim_spearman(v, simlex)
    return out


def find_eval_data(gensim_python: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
    """questions-words.txt and wordsim353.tsv: ../shared/data, else gensim's test data."""
    q = os.path.join(SHARED_DATA, "questions-words.txt")
    p = os.path.join(SHARED_DATA, "wordsim353.tsv")
    if (not os.path.exists(q) or not os.path.exists(p)) and gensim_python:
        r = subprocess.run([gensim_python, "-c", "import gensim, os; print(os.path.dirname(gensim.__file__))"],
                           capture_output=True, text=True)
        if r.returncode == 0:
            td = os.path.join(r.stdout.strip(), "test", "test_data")
            q = q if os.path.exists(q) else os.path.join(td, "questions-words.txt")
            p = p if os.path.exists(p) else os.path.join(td, "wordsim353.tsv")
    return (q if os.path.exists(q) else None), (p if os.path.exists(p) else None)


# --------------------------------------------------------------------------- printing
def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]], markdown: bool = False) -> str:
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def right(i: int) -> bool:
        return any(r[i][:1].isdigit() or r[i][:1] in "-+." for r in cells[1:] if r[i] not in ("", "-"))

    def line(r: Sequence[str]) -> str:
        parts = [c.rjust(w) if right(i) else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))]
        return ("| " + " | ".join(parts) + " |") if markdown else "  ".join(parts).rstrip()

    out = [line(cells[0])]
    if markdown:
        out.append("|" + "|".join(("-" * (w + 1) + ":") if right(i) else ("-" * (w + 2))
                                  for i, w in enumerate(widths)) + "|")
    else:
        out.append("  ".join("-" * w for w in widths))
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


def fmt(x: Optional[float], spec: str = ".1f") -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "-"
    return format(x, spec)


# --------------------------------------------------------------------------- where the host runs the CPUs
# A core-to-core latency of CPUs 0 and 1 over this counts as "apart" (here ~30 ns between
# cores that share a cache, ~160 ns between far ones: docs/benchmarks.md, "where the host
# runs the two vCPUs"), sampled every SAMPLE_MS while a run trains
APART_NS = 80.0
SAMPLE_MS = 250


def latency_probe(out: str) -> Optional[str]:
    """scripts/core_latency.c built into *out* (None: no C compiler, or one CPU)."""
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None or (os.cpu_count() or 1) < 2:
        return None
    exe = os.path.join(out, "core_latency")
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "core_latency.c")
    done = subprocess.run([cc, "-O2", "-pthread", "-o", exe, src], capture_output=True)
    return exe if done.returncode == 0 else None


class Latency:
    """Core-to-core latency samples taken while a run trains (a context)."""

    def __init__(self, exe: Optional[str]) -> None:
        self.exe, self.proc, self.ns = exe, None, []

    def __enter__(self) -> "Latency":
        if self.exe is not None:
            self.proc = subprocess.Popen([self.exe, "0", "1", str(SAMPLE_MS), "1000000"],
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.terminate()
            out, _ = self.proc.communicate()
            self.ns = [float(x) for x in out.split() if x.replace(".", "", 1).isdigit()]

    def apart(self) -> Optional[float]:
        """Percentage of the samples over APART_NS (None: no samples)."""
        return 100.0 * sum(x > APART_NS for x in self.ns) / len(self.ns) if self.ns else None


# --------------------------------------------------------------------------- gensim drivers
def _gensim_train(argv: Sequence[str]) -> None:
    ap = argparse.ArgumentParser(prog="_benchlib.py gensim-train")
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--output", required=True)
    for name, typ in (("sg", int), ("hs", int), ("negative", int), ("size", int), ("window", int),
                      ("sample", float), ("iter", int), ("min-count", int), ("threads", int),
                      ("alpha", float)):
        ap.add_argument("--" + name, type=typ, required=True)
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    from gensim.models import Word2Vec
    t_import = time.perf_counter()
    # C's learning rate: linear decay from alpha, floor alpha * 1e-4.
    model = Word2Vec(vector_size=a.size, window=a.window, min_count=a.min_count, sample=a.sample,
                     sg=a.sg, hs=a.hs, negative=a.negative, workers=a.threads, alpha=a.alpha,
                     min_alpha=a.alpha * 1e-4, epochs=a.iter, seed=1)
    model.build_vocab(corpus_file=a.corpus)
    t_vocab = time.perf_counter()
    trained, raw = model.train(corpus_file=a.corpus, total_words=model.corpus_total_words,
                               epochs=model.epochs)
    t_train = time.perf_counter()
    model.wv.save_word2vec_format(a.output, binary=True)
    t_save = time.perf_counter()
    print(json.dumps({"import_s": t_import - t0, "vocab_s": t_vocab - t_import,
                      "train_s": t_train - t_vocab, "save_s": t_save - t_train,
                      "vocab_size": len(model.wv), "corpus_total_words": model.corpus_total_words,
                      "raw_words_trained": raw, "effective_words_trained": trained}))


def _gensim_eval(argv: Sequence[str]) -> None:
    ap = argparse.ArgumentParser(prog="_benchlib.py gensim-eval")
    ap.add_argument("vectors")
    ap.add_argument("--questions", required=True)
    ap.add_argument("--pairs", required=True)
    a = ap.parse_args(argv)
    import logging
    logging.disable(logging.CRITICAL)
    from gensim.models import KeyedVectors
    kv = KeyedVectors.load_word2vec_format(a.vectors, binary=True, unicode_errors="replace")
    _, sections = kv.evaluate_word_analogies(a.questions, restrict_vocab=ANALOGY_RESTRICT)
    out = {"sections": [{"section": s["section"], "correct": len(s["correct"]),
                         "seen": len(s["correct"]) + len(s["incorrect"])} for s in sections]}
    pearson, spear, oov = kv.evaluate_word_pairs(a.pairs)
    out["spearman"] = float(spear[0])
    out["oov_percent"] = float(oov)
    print(json.dumps(out))


def evaluate_in_child(path: str, questions: Optional[str], pairs: Optional[str],
                      simlex: Optional[str] = None) -> dict:
    """evaluate_file in a separate process.  A child's peak RSS (ru_maxrss)
    starts at its parent's RSS at fork time, so the benchmark process must stay
    small: loading vectors files in it would inflate every later measurement."""
    cmd = [sys.executable, os.path.abspath(__file__), "evaluate", path]
    if questions:
        cmd += ["--questions", questions]
    if pairs:
        cmd += ["--pairs", pairs]
    if simlex:
        cmd += ["--simlex", simlex]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout
    return json.loads(out)


def _evaluate(argv: Sequence[str]) -> None:
    ap = argparse.ArgumentParser(prog="_benchlib.py evaluate")
    ap.add_argument("vectors")
    ap.add_argument("--questions")
    ap.add_argument("--pairs")
    ap.add_argument("--simlex")
    a = ap.parse_args(argv)
    print(json.dumps(evaluate_file(a.vectors, a.questions, a.pairs, a.simlex)))


def summarise_sections(sections: Sequence[dict]) -> dict:
    """overall/semantic/syntactic from per-section counts (first 5 semantic)."""
    sec = [s for s in sections if s["section"] != "Total accuracy"]

    def pct(part: Sequence[dict]) -> Tuple[float, int, int]:
        c, n = sum(s["correct"] for s in part), sum(s["seen"] for s in part)
        return (100.0 * c / n if n else float("nan")), c, n

    ov, c, n = pct(sec)
    return {"overall": ov, "semantic": pct(sec[:SEMANTIC_SECTIONS])[0],
            "syntactic": pct(sec[SEMANTIC_SECTIONS:])[0], "correct": c, "seen": n}


if __name__ == "__main__":
    commands = {"gensim-train": _gensim_train, "gensim-eval": _gensim_eval, "evaluate": _evaluate,
                "corpus-stats": _corpus_stats}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(commands)}}} ...")
    commands[sys.argv[1]](sys.argv[2:])
