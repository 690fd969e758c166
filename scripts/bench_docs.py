#!/usr/bin/env python3
"""Paragraph vectors side by side: does a paragraph's nearest paragraph come from its article?

    python scripts/bench_docs.py                       # every tool, wiki1m, 10 epochs, 2 threads
    python scripts/bench_docs.py --tools w2v-sg c --iter 20

The documents are wiki1m's lines (paragraphs); ``wiki.docs.tsv.gz`` (curid,
title, lines used, in order) says which article each line belongs to.  In
articles of at least 3 paragraphs, every 10th paragraph is held out of
training.  Each tool trains one vector per training paragraph (the line's
first token is its ID, ``_*N`` for line N); the score is the share of
training paragraphs (of articles with at least 2 of them) whose nearest other
training paragraph (cosine) is from the same article.  Where the tool can
infer vectors for new text (w2v, gensim), the held-out paragraphs are inferred
and scored the same way against the training paragraphs.  The floor is the
mean of a paragraph's unit word vectors (w2v skip-gram, same flags).

Tools: ``c`` (``word2vec-doc2vec -sentence-vectors 1``, PyPI ``word2vec``;
needs ``-min-count 1``), ``gensim-dbow`` (Doc2Vec PV-DBOW with
``dbow_words=1``), ``gensim-dm`` (PV-DM), ``w2v-sg`` and ``w2v-cbow``
(``-sentence-vectors 1``), ``mean`` (the floor).  Common flags: ``-size 100
-window 10 -negative 5 -hs 0 -sample 1e-4 -min-count 5`` (C: 1), ``--iter``
epochs, ``--threads``.  Train time is the tool's wall time for the whole
command (reading included)."""
from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _benchlib as bl  # noqa: E402

TOOLS = ("c", "gensim-dbow", "gensim-dm", "w2v-sg", "w2v-cbow", "mean")
HOLD_EVERY = 10          # every 10th paragraph of an article of >= 3 is held out
ID_PREFIX = "_*"


# --------------------------------------------------------------------------- the documents
def articles_of_lines(docs_tsv: str, n_lines: int) -> np.ndarray:
    """The article index of each of the first *n_lines* lines."""
    art = np.empty(n_lines, dtype=np.int64)
    pos = 0
    with gzip.open(docs_tsv, "rt", encoding="utf-8") as f:
        for k, row in enumerate(f):
            used = int(row.rstrip("\n").split("\t")[2])
            art[pos:pos + used] = k
            pos += used
            if pos >= n_lines:
                return art
    raise SystemExit(f"bench_docs.py: {docs_tsv} lists only {pos} lines, the corpus has {n_lines}")


def split(art: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Line numbers of the training and the held-out paragraphs."""
    sizes = np.bincount(art)
    rank = np.zeros(len(art), dtype=np.int64)       # a line's position within its article
    for i in range(1, len(art)):
        rank[i] = rank[i - 1] + 1 if art[i] == art[i - 1] else 0
    held = (sizes[art] >= 3) & (rank % HOLD_EVERY == HOLD_EVERY - 1)
    return np.flatnonzero(~held), np.flatnonzero(held)


def write_docs(lines: Sequence[str], which: np.ndarray, path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for i in which:
            f.write(f"{ID_PREFIX}{i} {lines[i]}\n")


# --------------------------------------------------------------------------- scoring
def unit(m: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(n > 0, n, 1)


def same_article(q: np.ndarray, q_art: np.ndarray, ref: np.ndarray, ref_art: np.ndarray,
                 self_idx: Optional[np.ndarray] = None) -> float:
    """Share of query rows whose nearest reference row (cosine) is from the same
    article; query k is reference row self_idx[k] when given (never its own nearest)."""
    q, ref = unit(q.astype(np.float32)), unit(ref.astype(np.float32))
    hits = 0
    for s in range(0, len(q), 1024):
        sims = q[s:s + 1024] @ ref.T
        if self_idx is not None:
            sims[np.arange(sims.shape[0]), self_idx[s:s + 1024]] = -np.inf
        hits += int((ref_art[sims.argmax(axis=1)] == q_art[s:s + 1024]).sum())
    return hits / len(q)


def score(train_vecs: np.ndarray, train_art: np.ndarray, held_vecs: Optional[np.ndarray],
          held_art: np.ndarray) -> Tuple[float, Optional[float]]:
    """Trained paragraphs of articles with >= 2 of them against all trained ones;
    held-out (inferred) paragraphs against the trained ones."""
    q = np.flatnonzero(np.bincount(train_art)[train_art] >= 2)
    trained = same_article(train_vecs[q], train_art[q], train_vecs, train_art, self_idx=q)
    inferred = None
    if held_vecs is not None:
        inferred = same_article(held_vecs, held_art, train_vecs, train_art)
    return trained, inferred


# --------------------------------------------------------------------------- vectors
def read_text_vectors(path: str) -> Dict[str, np.ndarray]:
    out = {}
    with open(path, "rb") as f:
        f.readline()
        for line in f:
            parts = line.rstrip(b"\n ").split(b" ")
            if len(parts) > 2:
                out[parts[0].decode("utf-8", "replace")] = np.array(parts[1:], dtype=np.float32)
    return out


def id_rows(vectors: Dict[str, np.ndarray], which: np.ndarray, tool: str) -> np.ndarray:
    missing = [i for i in which if f"{ID_PREFIX}{i}" not in vectors]
    if missing:
        raise RuntimeError(f"{tool}: no vector for {len(missing)} of {len(which)} IDs "
                           f"(e.g. {ID_PREFIX}{missing[0]})")
    return np.stack([vectors[f"{ID_PREFIX}{i}"] for i in which])


def mean_rows(vectors: Dict[str, np.ndarray], lines: Sequence[str], which: np.ndarray) -> np.ndarray:
    dim = len(next(iter(vectors.values())))
    out = np.zeros((len(which), dim), dtype=np.float32)
    for k, i in enumerate(which):
        rows = [vectors[w] for w in lines[i].split() if w in vectors]
        if rows:
            out[k] = unit(np.stack(rows)).mean(axis=0)
    return out


# --------------------------------------------------------------------------- tools
def run(cmd: List[str], cwd: str, log: str) -> float:
    res = bl.run_child(cmd, cwd=cwd, log_path=log)
    if res.rc != 0:
        raise RuntimeError(f"{os.path.basename(cmd[0])} exited {res.rc}: "
                           f"{res.text().strip().splitlines()[-1:] or ''} (log: {log})")
    return res.wall_s


def common(a) -> List[str]:
    return ["-size", "100", "-window", "10", "-negative", "5", "-hs", "0", "-sample", "1e-4",
            "-iter", str(a.iter), "-threads", str(a.threads)]


def tool_c(a, work, lines, tr, held):
    exe = bl.find_tool("word2vec-doc2vec")
    if exe is None:
        raise RuntimeError("word2vec-doc2vec not found (pip install word2vec)")
    wall = run([exe, "-train", "train.txt", "-output", "c.txt", "-cbow", "0", *common(a),
                "-min-count", "1", "-binary", "0", "-sentence-vectors", "1"], work,
               os.path.join(work, "c.log"))
    return wall, id_rows(read_text_vectors(os.path.join(work, "c.txt")), tr, "c"), None


def tool_w2v(cbow: str):
    def train(a, work, lines, tr, held):
        w2v = bl.find_tool("w2v")
        name = f"w2v-{'cbow' if cbow == '1' else 'sg'}"
        wall = run([w2v, "train", "-train", "train.txt", "-output", f"{name}.txt", "-cbow", cbow,
                    *common(a), "-min-count", "5", "-binary", "0", "-sentence-vectors", "1",
                    "-save-model", f"{name}.w2vm"], work, os.path.join(work, f"{name}.log"))
        vecs = read_text_vectors(os.path.join(work, f"{name}.txt"))
        run([w2v, "infer", f"{name}.w2vm", "-train", "held.txt", "-output", f"{name}.held.txt",
             "-threads", str(a.threads)], work, os.path.join(work, f"{name}.infer.log"))
        inferred = read_text_vectors(os.path.join(work, f"{name}.held.txt"))
        return wall, id_rows(vecs, tr, name), id_rows(inferred, held, name + " infer")
    return train


def tool_mean(a, work, lines, tr, held):
    w2v = bl.find_tool("w2v")
    plain = os.path.join(work, "plain.txt")
    with open(plain, "w", encoding="utf-8") as f:
        for i in tr:
            f.write(lines[i] + "\n")
    wall = run([w2v, "train", "-train", "plain.txt", "-output", "mean.txt", "-cbow", "0",
                *common(a), "-min-count", "5", "-binary", "0"], work, os.path.join(work, "mean.log"))
    vecs = read_text_vectors(os.path.join(work, "mean.txt"))
    return wall, mean_rows(vecs, lines, tr), mean_rows(vecs, lines, held)


def tool_gensim(dm: int):
    def train(a, work, lines, tr, held):
        py = bl.python_with("gensim")
        if py is None:
            raise RuntimeError("gensim not found (pip install gensim)")
        out = os.path.join(work, f"gensim{dm}.npz")
        p = subprocess.run([py, os.path.abspath(__file__), "--gensim-child", str(dm), work, out,
                            str(a.iter), str(a.threads)], capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"gensim: {p.stderr.strip().splitlines()[-1:]}")
        wall = json.loads(p.stdout.strip().splitlines()[-1])["train_s"]
        z = np.load(out)
        return wall, z["train"], z["held"]
    return train


def gensim_child(dm: str, work: str, out: str, epochs: str, threads: str) -> None:
    from gensim.models.doc2vec import Doc2Vec, TaggedDocument

    def docs(path):
        with open(path, encoding="utf-8") as f:
            return [TaggedDocument(w[1:], [w[0]]) for w in (line.split() for line in f)]

    train, held = docs(os.path.join(work, "train.txt")), docs(os.path.join(work, "held.txt"))
    t0 = time.perf_counter()
    kw = dict(dm=int(dm), vector_size=100, window=10, negative=5, hs=0, sample=1e-4, min_count=5,
              epochs=int(epochs), workers=int(threads), seed=1)
    if not int(dm):
        kw["dbow_words"] = 1
    model = Doc2Vec(train, **kw)
    train_s = time.perf_counter() - t0
    tv = np.stack([model.dv[d.tags[0]] for d in train])
    hv = np.stack([model.infer_vector(d.words) for d in held])
    np.savez(out, train=tv, held=hv)
    print(json.dumps({"train_s": train_s}))


RUNNERS = {"c": tool_c, "gensim-dbow": tool_gensim(0), "gensim-dm": tool_gensim(1),
           "w2v-sg": tool_w2v("0"), "w2v-cbow": tool_w2v("1"), "mean": tool_mean}


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--gensim-child"]:
        gensim_child(*argv[1:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=os.path.join(bl.SHARED_DATA, "wiki1m.txt.gz"))
    ap.add_argument("--docs", default=os.path.join(bl.SHARED_DATA, "wiki.docs.tsv.gz"))
    ap.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    ap.add_argument("--iter", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default=None, help="folder for the files (default: a temporary one)")
    a = ap.parse_args(argv)

    with (gzip.open if a.corpus.endswith(".gz") else open)(a.corpus, "rt", encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    art = articles_of_lines(a.docs, len(lines))
    tr, held = split(art)
    work = a.work or tempfile.mkdtemp(prefix="bench_docs.")
    os.makedirs(work, exist_ok=True)
    write_docs(lines, tr, os.path.join(work, "train.txt"))
    write_docs(lines, held, os.path.join(work, "held.txt"))
    print(f"{len(lines)} paragraphs of {art.max() + 1} articles: {len(tr)} trained, "
          f"{len(held)} held out; -iter {a.iter} -threads {a.threads}; files in {work}", flush=True)

    rows = []
    for tool in a.tools:
        try:
            wall, tv, hv = RUNNERS[tool](a, work, lines, tr, held)
        except RuntimeError as e:
            print(f"  {tool}: {e}", flush=True)
            rows.append([tool, "-", "-", "-"])
            continue
        trained, inferred = score(tv, art[tr], hv, art[held])
        print(f"  {tool}: {wall:.1f} s, trained {trained:.4f}, held out {inferred if inferred is None else round(inferred, 4)}",
              flush=True)
        rows.append([tool, f"{wall:.1f}", f"{trained:.4f}", "-" if inferred is None else f"{inferred:.4f}"])
    print()
    print(bl.format_table(["tool", "train s", "same article (trained)", "same article (held out, inferred)"],
                          rows, markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
