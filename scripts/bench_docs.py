"""Paragraph vectors on Wikipedia paragraphs: w2v -sentence-vectors 1 (skip-gram and
CBOW), C's word2vec-doc2vec (PyPI ``word2vec``, needs -min-count 1), gensim Doc2Vec
(PV-DBOW with dbow_words=1, PV-DM) and the mean of the word vectors, same machine,
same threads.

The lines of ../shared/data/wiki1m.txt.gz are paragraphs; wiki.docs.tsv.gz (curid, title,
lines used, in order) says which article each belongs to.  Every 10th paragraph of an
article with at least 3 is held out of training.  Score (trained): for each trained
paragraph of an article with >= 2 trained paragraphs, is its nearest other trained
paragraph (cosine) from the same article?  Score (held out, w2v infer and gensim's
infer_vector): is the held-out paragraph's nearest trained paragraph from its article?

    .venv/bin/python scripts/bench_docs.py [--iter 20] [--window 10] [--runs 3] [--threads 2] [--only w2v-sg,...]

With --runs N the systems run in N interleaved rounds; the summary gives each
system's mean scores and its fastest training time.
"""
from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _benchlib import find_tool, run_child  # noqa: E402

DATA = os.path.join(HERE, "..", "..", "shared", "data")


def paragraphs(data: str):
    """(lines, article index per line)."""
    with gzip.open(os.path.join(data, "wiki1m.txt.gz"), "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    article = np.full(len(lines), -1)
    pos = 0
    with gzip.open(os.path.join(data, "wiki.docs.tsv.gz"), "rt", encoding="utf-8") as f:
        for k, row in enumerate(f):
            n = int(row.rstrip("\n").split("\t")[2])
            article[pos:pos + n] = k
            pos += n
            if pos >= len(lines):
                break
    return lines, article


def nearest(queries: np.ndarray, keys: np.ndarray, same: bool) -> np.ndarray:
    """Index of each query's nearest key by cosine (itself excluded when *same*)."""
    q = queries / np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
    k = keys / np.maximum(np.linalg.norm(keys, axis=1, keepdims=True), 1e-12)
    out = np.empty(len(q), dtype=np.int64)
    for s in range(0, len(q), 2048):
        sim = q[s:s + 2048] @ k.T
        if same:
            sim[np.arange(sim.shape[0]), np.arange(s, s + sim.shape[0])] = -np.inf
        out[s:s + 2048] = sim.argmax(1)
    return out


def score(vecs: np.ndarray, art: np.ndarray) -> float:
    counts = np.bincount(art)
    use = counts[art] >= 2
    nn = nearest(vecs, vecs, True)
    return float((art[nn] == art)[use].mean())


def read_vectors(path: str) -> dict:
    with open(path, "rb") as f:
        n, d = map(int, f.readline().split())
        out = {}
        for _ in range(n):
            parts = f.readline().rstrip(b" \n").split(b" ")
            out[parts[0].decode("utf-8", "replace")] = np.array(parts[1:], dtype=np.float32)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iter", type=int, default=20)
    ap.add_argument("--window", type=int, default=10)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", default="")
    ap.add_argument("--data", default=DATA)
    args = ap.parse_args()
    lines, article = paragraphs(args.data)
    counts = np.bincount(article[article >= 0])
    held = np.array([article[i] >= 0 and counts[article[i]] >= 3 and i % 10 == 9 for i in range(len(lines))])
    train = np.flatnonzero(~held & (article >= 0))
    test = np.flatnonzero(held)
    tmp = tempfile.mkdtemp(prefix="w2v-bench-docs-")
    corpus, new = os.path.join(tmp, "docs.txt"), os.path.join(tmp, "new.txt")
    with open(corpus, "w") as f:
        f.writelines(f"p{i} {lines[i]}\n" for i in train)
    with open(new, "w") as f:
        f.writelines(f"p{i} {lines[i]}\n" for i in test)
    art_train, art_test = article[train], article[test]
    ids = [f"p{i}" for i in train]
    w2v = os.path.join(os.path.dirname(sys.executable), "w2v")
    common = ["-size", args.size, "-window", args.window, "-negative", 5, "-hs", 0, "-sample", "1e-4", "-iter", args.iter,
              "-threads", args.threads]
    rows = []
    for round_ in range(args.runs):
        if args.runs > 1:
            print(f"round {round_ + 1}/{args.runs}", flush=True)
        one_round(args, Setup(lines, train, test, corpus, new, art_train, art_test, ids, w2v, common, tmp), rows)
    if args.runs > 1:
        print(f"\nmean of {args.runs} runs (time: fastest)")
        for name in dict.fromkeys(r[0] for r in rows):
            mine = [r for r in rows if r[0] == name]
            inf = [r[3] for r in mine if r[3] is not None]
            print(f"{name:<22} {min(r[1] for r in mine):7.1f} s   trained "
                  f"{100 * np.mean([r[2] for r in mine]):5.1f} %   held out "
                  f"{'-' if not inf else f'{100 * np.mean(inf):5.1f} %'}   "
                  f"(trained {', '.join(f'{100 * r[2]:.1f}' for r in mine)})")
    print(f"\n{len(train)} trained paragraphs ({int((counts[art_train] >= 2).sum())} scored), "
          f"{len(test)} held out; {args.iter} epochs, window {args.window}, {args.threads} threads")


@dataclass
class Setup:
    """What every round trains on and scores against."""

    lines: list
    train: np.ndarray         # indices of the trained paragraphs
    test: np.ndarray          # indices of the held-out paragraphs
    corpus: str
    new: str
    art_train: np.ndarray
    art_test: np.ndarray
    ids: list
    w2v: str
    common: list
    tmp: str


def one_round(args, setup: Setup, rows: list) -> None:
    """Train and score every system once, appending (name, seconds, trained, held out) to *rows*."""
    only = [x for x in args.only.split(",") if x]
    lines, train, test, corpus, new = setup.lines, setup.train, setup.test, setup.corpus, setup.new
    art_train, art_test, ids, w2v, common, tmp = (setup.art_train, setup.art_test, setup.ids, setup.w2v,
                                                  setup.common, setup.tmp)

    def want(name):
        return not only or name in only

    def report(name, seconds, trained, inferred=None):
        rows.append((name, seconds, trained, inferred))
        print(f"{name:<22} {seconds:7.1f} s   trained {100 * trained:5.1f} %   held out "
              f"{'-' if inferred is None else f'{100 * inferred:5.1f} %'}", flush=True)

    for name, flags in (("w2v-sg", ["-cbow", "0"]), ("w2v-cbow", ["-cbow", "1"])):
        if not want(name):
            continue
        out, model = os.path.join(tmp, name + ".txt"), os.path.join(tmp, name + ".w2vm")
        r = run_child([w2v, "train", "-train", corpus, "-output", out, "-save-model", model, "-sentence-vectors",
                       "1", "-min-count", 5, "-debug", 0, *common, *flags])
        assert r.rc == 0, r.text()
        v = read_vectors(out)
        inf = os.path.join(tmp, name + ".inf.txt")
        r2 = run_child([w2v, "infer", model, "-train", new, "-output", inf, "-threads", args.threads, "-debug", 0])
        assert r2.rc == 0, r2.text()
        vi = read_vectors(inf)
        trained = np.stack([v[i] for i in ids])
        held_out = np.stack([vi[f"p{i}"] for i in test])
        report(name, r.wall_s, score(trained, art_train), float((art_train[nearest(held_out, trained, False)]
                                                                   == art_test).mean()))
        if name == "w2v-sg" and want("mean-of-words"):
            dim = trained.shape[1]
            mean = np.stack([np.mean([v[w] for w in lines[i].split() if w in v] or
                                     [np.zeros(dim, np.float32)], axis=0) for i in train])
            report("mean of word vectors", r.wall_s, score(mean, art_train))
    c_tool = find_tool("word2vec-doc2vec")
    if c_tool and want("c-doc2vec"):
        out = os.path.join(tmp, "c.txt")
        r = run_child([c_tool, "-train", corpus, "-output", out, "-cbow", "0", "-sentence-vectors", "1",
                       "-min-count", "1", "-binary", "0", *common])
        assert r.rc == 0, r.text()
        v = read_vectors(out)
        report("C word2vec-doc2vec", r.wall_s, score(np.stack([v[i] for i in ids]), art_train))
    elif want("c-doc2vec"):
        print("word2vec-doc2vec not found (pip install word2vec)")
    gensim_py = sys.executable
    if subprocess.run([gensim_py, "-c", "import gensim"], capture_output=True).returncode == 0:
        for name, dm in (("gensim PV-DBOW+words", 0), ("gensim PV-DM", 1)):
            if not want(name.split()[1]):
                continue
            from gensim.models.doc2vec import Doc2Vec, TaggedDocument

            docs = [TaggedDocument(lines[i].split(), [k]) for k, i in enumerate(train)]
            t0 = time.perf_counter()
            m = Doc2Vec(docs, dm=dm, dbow_words=1 - dm, vector_size=args.size, window=args.window, negative=5, hs=0,
                        sample=1e-4, min_count=5, epochs=args.iter, workers=args.threads)
            seconds = time.perf_counter() - t0
            trained = np.stack([m.dv[k] for k in range(len(train))])
            held_out = np.stack([m.infer_vector(lines[i].split()) for i in test])
            report(name, seconds, score(trained, art_train),
                   float((art_train[nearest(held_out, trained, False)] == art_test).mean()))


if __name__ == "__main__":
    main()
