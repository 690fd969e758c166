#!/usr/bin/env python3
"""Benchmark of the look-up side of w2v against the C tools and gensim.

* load: a generated binary file (default 1,000,000 words x 300 dims) read by
  ``w2v.load`` (in-process and through ``w2v distance``), by C ``distance``
  (``printf 'EXIT\\n' | word2vec-distance FILE``) and by gensim's
  ``KeyedVectors.load_word2vec_format``;
* query: a batch of distance queries on that file, per query, C vs w2v;
* accuracy: questions-words.txt on a 70,000 x 100 model, time and output
  of ``w2v accuracy`` vs ``compute-accuracy`` (byte-for-byte parity);
* parity on trained vectors (C word2vec on wiki1m): accuracy output equal,
  distance top-40 words equal.

The C tools and gensim come from --ref-bin / --ref-python (default /tmp/benv);
parts whose tool is missing are skipped.  Run from the repository root with
the package installed: ``.venv/bin/python scripts/bench_vectors.py``."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

import w2v
from w2v import evaluate

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "data")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def sh(cmd: str, stdin: bytes = b"") -> tuple:
    t = time.perf_counter()
    r = subprocess.run(cmd, shell=True, input=stdin, capture_output=True)
    return time.perf_counter() - t, r


def best_of(n: int, fn):
    return min(fn() for _ in range(n))


def write_random_binary(path: str, V: int, D: int, words=None, seed: int = 1) -> list:
    """A word2vec.c-style binary file (trailing newline per record), written in blocks."""
    rng = np.random.default_rng(seed)
    if words is None:
        words = [b"w%07d" % i for i in range(V)]
    with open(path, "wb") as f:
        f.write(b"%d %d\n" % (V, D))
        step = 50_000
        for s in range(0, V, step):
            block = rng.standard_normal((min(step, V - s), D), dtype=np.float32)
            f.write(b"".join(w + b" " + row.tobytes() + b"\n" for w, row in zip(words[s:s + step], block)))
    return words


def bench_load(args, path: str, res: dict) -> None:
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL)     # warm the page cache
    distance = os.path.join(args.ref_bin, "word2vec-distance")

    def ours():
        t = time.perf_counter()
        v = w2v.load(path)
        dt = time.perf_counter() - t
        del v
        return dt

    res["load_w2v_api_s"] = best_of(args.repeat, ours)
    log(f"load: w2v.load {res['load_w2v_api_s']:.2f} s")
    cli = f"printf 'EXIT\\n' | {shlex(sys.executable)} -m w2v distance {shlex(path)} > /dev/null"
    res["load_w2v_cli_s"] = best_of(args.repeat, lambda: sh(cli)[0])
    log(f"load: {cli}: {res['load_w2v_cli_s']:.2f} s")
    if os.path.exists(distance):
        cmd = f"printf 'EXIT\\n' | {distance} {shlex(path)} > /dev/null"
        res["load_c_distance_s"] = best_of(args.repeat, lambda: sh(cmd)[0])
        log(f"load: {cmd}: {res['load_c_distance_s']:.2f} s")
    if os.path.exists(args.ref_python) and not args.no_gensim:
        code = ("import time,sys; from gensim.models import KeyedVectors as K; t=time.perf_counter(); "
                "K.load_word2vec_format(sys.argv[1], binary=True); print(time.perf_counter()-t)")
        dt, r = sh(f"{shlex(args.ref_python)} -c {shlex(code)} {shlex(path)}")
        if r.returncode == 0:
            res["load_gensim_s"] = float(r.stdout.decode().split()[-1])
            log(f"load: gensim load_word2vec_format {res['load_gensim_s']:.2f} s")


def bench_query(args, path: str, words: list, res: dict) -> None:
    rng = np.random.default_rng(7)
    picks = [words[i] for i in rng.integers(0, len(words), size=args.queries)]
    batch = b"".join(w + b"\n" for w in picks) + b"EXIT\n"
    distance = os.path.join(args.ref_bin, "word2vec-distance")
    # the command: 4 rounds of the batch, minus the same command with no query
    # (best of 2 each, the load time varies by a few tenths of a second)
    cli = f"{shlex(sys.executable)} -m w2v distance {shlex(path)} > /dev/null"
    t_all = best_of(2, lambda: sh(cli, batch[:-5] * 4 + b"EXIT\n")[0])
    t_none = best_of(2, lambda: sh(cli, b"EXIT\n")[0])
    res["query_w2v_cli_ms"] = 1000 * max(0.0, t_all - t_none) / (4 * args.queries)
    v = w2v.load(path, normalize=True)
    from w2v.search import nearest
    ids = [v.index(w.decode()) for w in picks]
    t = time.perf_counter()
    nearest(v.unit, v.unit[ids], [[i] for i in ids], 40)
    res["query_w2v_batch_api_ms"] = 1000 * (time.perf_counter() - t) / len(ids)
    t = time.perf_counter()
    for w in picks[:10]:
        v.most_similar(w.decode(), n=40)
    res["query_w2v_single_ms"] = 1000 * (time.perf_counter() - t) / 10
    log(f"query: w2v distance batch {res['query_w2v_cli_ms']:.1f} ms/query (whole command, minus "
        f"its load), in-process batch {res['query_w2v_batch_api_ms']:.1f} ms/query, "
        f"most_similar one at a time {res['query_w2v_single_ms']:.1f} ms/query")
    del v
    if os.path.exists(distance):
        n_c = min(args.queries, args.c_queries)
        res["query_c_distance_ms"] = 1000 * c_seconds_per_query(distance, path, picks[:n_c])
        log(f"query: C distance {res['query_c_distance_ms']:.1f} ms/query ({n_c} queries, "
            f"timed between its prompts)")


def c_seconds_per_query(tool: str, path: str, queries: list) -> float:
    """Per-query time of a C tool: the time between its first prompt (the
    file is loaded) and its last one (every query answered)."""
    prompt = b"(EXIT to break): "
    # unbuffered, so that each prompt arrives when it is printed
    unbuf = ["stdbuf", "-o0"] if shutil.which("stdbuf") else []
    proc = subprocess.Popen(unbuf + [tool, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    proc.stdin.write(b"".join(q + b"\n" for q in queries) + b"EXIT\n")
    proc.stdin.close()
    seen, buf, first, last = 0, b"", None, None
    while True:
        chunk = os.read(proc.stdout.fileno(), 1 << 16)
        if not chunk:
            break
        buf += chunk
        k = buf.count(prompt)
        if k:
            now = time.perf_counter()
            if seen == 0:
                first = now
            seen += k
            last = now
            buf = buf[buf.rfind(prompt) + len(prompt):]
    proc.wait()
    if seen < len(queries) + 1:
        raise RuntimeError(f"{tool}: expected {len(queries) + 1} prompts, saw {seen}")
    return (last - first) / len(queries)


def question_words(path: str) -> list:
    seen, out = set(), []
    with open(path, "rb") as f:
        for line in f:
            if line.startswith(b":"):
                continue
            for w in line.lower().split():
                if w not in seen:
                    seen.add(w)
                    out.append(w)
    return out


def bench_accuracy(args, tmp: str, res: dict) -> None:
    if not os.path.exists(args.questions):
        log("accuracy: no questions file, skipped")
        return
    qwords = question_words(args.questions)
    V = args.acc_words
    # the question words spread over the 30,000 most frequent rows (all
    # questions seen at -threshold 30000: more work than a trained model's ~12k)
    head = qwords + [b"x%06d" % i for i in range(30000 - len(qwords))]
    rng = np.random.default_rng(3)
    rng.shuffle(head)
    words = head + [b"y%06d" % i for i in range(V - 30000)]
    path = os.path.join(tmp, "acc.bin")
    write_random_binary(path, V, args.acc_dims, words, seed=5)
    accuracy = os.path.join(args.ref_bin, "word2vec-compute-accuracy")
    for threshold in (30000, 0):
        cmd = f"{shlex(sys.executable)} -m w2v accuracy {shlex(path)} -threshold {threshold}"
        dt, r = sh(f"{cmd} < {shlex(args.questions)}")
        res[f"accuracy_w2v_t{threshold}_s"] = dt
        log(f"accuracy {V} x {args.acc_dims}, threshold {threshold}: w2v {dt:.2f} s")
        if os.path.exists(accuracy) and (threshold or not args.skip_c_full):
            dc, rc = sh(f"{accuracy} {shlex(path)} {threshold} < {shlex(args.questions)}")
            res[f"accuracy_c_t{threshold}_s"] = dc
            same = rc.stdout == r.stdout
            res[f"accuracy_parity_t{threshold}"] = same
            log(f"   compute-accuracy {dc:.2f} s; identical output: {same}")
    t = time.perf_counter()
    evaluate.analogy_accuracy(path, args.questions, threshold=30000)
    res["accuracy_w2v_api_t30000_s"] = time.perf_counter() - t


def trained_vectors(args, tmp: str):
    if args.vectors:
        return args.vectors
    word2vec = os.path.join(args.ref_bin, "word2vec")
    corpus = os.path.join(SHARED, "wiki1m.txt.gz")
    if not (os.path.exists(word2vec) and os.path.exists(corpus)):
        return None
    text = os.path.join(tmp, "wiki1m.txt")
    subprocess.run(f"gzip -dc {shlex(corpus)} > {shlex(text)}", shell=True, check=True)
    out = os.path.join(tmp, "wiki1m.bin")
    log("parity: training C word2vec on wiki1m (skip-gram, 1 epoch)...")
    subprocess.run([word2vec, "-train", text, "-output", out, "-binary", "1", "-size", "100", "-cbow", "0",
                    "-iter", "1", "-threads", "2", "-min-count", "5"], capture_output=True, check=True)
    return out


def bench_parity(args, tmp: str, res: dict) -> None:
    path = trained_vectors(args, tmp)
    if path is None:
        log("parity: no trained vectors and no C word2vec/corpus, skipped")
        return
    accuracy = os.path.join(args.ref_bin, "word2vec-compute-accuracy")
    if os.path.exists(accuracy) and os.path.exists(args.questions):
        ours = sh(f"{shlex(sys.executable)} -m w2v accuracy {shlex(path)} < {shlex(args.questions)}")[1].stdout
        ref = sh(f"{accuracy} {shlex(path)} 30000 < {shlex(args.questions)}")[1].stdout
        res["parity_accuracy_trained"] = ours == ref
        log(f"parity: accuracy output identical to compute-accuracy: {ours == ref}")
        log("   " + ours.decode().strip().splitlines()[-1])
    pairs = os.path.join(SHARED, "wordsim353.tsv")
    if os.path.exists(args.ref_python) and os.path.exists(pairs) and not args.no_gensim:
        ours = evaluate.similarity(path, pairs)
        code = ("import sys; from gensim.models import KeyedVectors as K; "
                "kv = K.load_word2vec_format(sys.argv[1], binary=True); "
                "p, s, oov = kv.evaluate_word_pairs(sys.argv[2]); print(p[0], s[0], oov)")
        r = sh(f"{shlex(args.ref_python)} -c {shlex(code)} {shlex(path)} {shlex(pairs)}")[1]
        if r.returncode == 0:
            gp, gs, goov = (float(x) for x in r.stdout.decode().split()[-3:])
            same = abs(gp - ours.pearson) < 1e-4 and abs(gs - ours.spearman) < 1e-4
            res["parity_similarity_gensim"] = same
            log(f"parity: wordsim353 Spearman {ours.spearman:.4f} Pearson {ours.pearson:.4f} "
                f"({ours.skipped} pairs skipped); gensim {gs:.4f} / {gp:.4f} ({goov:.1f}% oov): equal {same}")
    v = w2v.load(path, errors="bytes")
    words = [v.words[k] for k in (5, 50, 100, 500, 1000, 2000, 5000, 10000, 300, 3000) if k < len(v)]
    distance_feed = b"".join(q + b"\n" for q in words[:8]) + b"EXIT\n"
    analogy_feed = b"".join(b" ".join(words[k:k + 3]) + b"\n" for k in range(0, len(words) - 2, 3)) + b"EXIT\n"
    for tool, cmd, feed in (("word2vec-distance", "distance", distance_feed),
                            ("word2vec-word-analogy", "analogy", analogy_feed)):
        exe = os.path.join(args.ref_bin, tool)
        if not os.path.exists(exe):
            continue
        c_rows = table_rows(sh(f"{exe} {shlex(path)}", feed)[1].stdout)
        o_rows = table_rows(sh(f"{shlex(sys.executable)} -m w2v {cmd} {shlex(path)}", feed)[1].stdout)
        diffs = [k for k, (a, b) in enumerate(zip(c_rows, o_rows)) if a[0] != b[0]]
        # a swap is a near tie when the two cosines differ by <= 2e-6
        near = [k for k in diffs if abs(c_rows[k][1] - o_rows[k][1]) <= 2e-6]
        max_diff = max((abs(a[1] - b[1]) for a, b in zip(c_rows, o_rows)), default=0.0)
        res[f"parity_{cmd}_rows"] = [len(c_rows), len(o_rows)]
        res[f"parity_{cmd}_rows_differing"] = len(diffs)
        res[f"parity_{cmd}_rows_differing_not_near_tie"] = len(diffs) - len(near)
        res[f"parity_{cmd}_max_cos_diff"] = max_diff
        log(f"parity: {cmd} top-40 vs C {tool}: {len(c_rows)} / {len(o_rows)} rows, {len(diffs)} differ "
            f"({len(diffs) - len(near)} not explained by a near tie); largest cosine difference {max_diff:.6f}")


def table_rows(out: bytes) -> list:
    """(word, cosine) of every result row of the C tables (C's empty rows dropped)."""
    rows = []
    for line in out.split(b"\n"):
        if b"\t\t" in line:
            word, cos = line.split(b"\t\t")
            if word.strip():
                rows.append((word.strip(), float(cos)))
    return rows


def shlex(s: str) -> str:
    import shlex as _s
    return _s.quote(s)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--words", type=int, default=1_000_000, help="rows of the generated load/query file")
    ap.add_argument("--dims", type=int, default=300)
    ap.add_argument("--queries", type=int, default=100, help="distance queries in the batch")
    ap.add_argument("--c-queries", type=int, default=20, help="of which sent to C distance (it is slow)")
    ap.add_argument("--acc-words", type=int, default=70_000)
    ap.add_argument("--acc-dims", type=int, default=100)
    ap.add_argument("--skip-c-full", action="store_true", help="no compute-accuracy run with threshold 0")
    ap.add_argument("--questions", default=os.path.join(SHARED, "questions-words.txt"))
    ap.add_argument("--vectors", default=None, help="trained binary vectors for the parity checks")
    # `make bench` installs the C tools and gensim into this venv; else a side venv in /tmp/benv
    here = os.path.dirname(sys.executable)
    has_c = os.access(os.path.join(here, "word2vec-distance"), os.X_OK)
    ap.add_argument("--ref-bin", default=here if has_c else "/tmp/benv/bin")
    ap.add_argument("--ref-python", default=sys.executable if has_c else "/tmp/benv/bin/python")
    ap.add_argument("--no-gensim", action="store_true")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--only", default="load,query,accuracy,parity")
    ap.add_argument("--tmp", default=None, help="folder for the generated files (default: a new one in /tmp)")
    ap.add_argument("--json", default=None, help="write the results here")
    args = ap.parse_args()
    only = set(args.only.split(","))
    tmp = args.tmp or tempfile.mkdtemp(prefix="w2v-bench-vectors-", dir="/tmp")
    res: dict = {"words": args.words, "dims": args.dims}
    try:
        if only & {"load", "query"}:
            path = os.path.join(tmp, f"big{args.words}x{args.dims}.bin")
            log(f"generating {path} ...")
            words = write_random_binary(path, args.words, args.dims)
            res["file_bytes"] = os.path.getsize(path)
            if "load" in only:
                bench_load(args, path, res)
            if "query" in only:
                bench_query(args, path, words, res)
            os.unlink(path)
        if "accuracy" in only:
            bench_accuracy(args, tmp, res)
        if "parity" in only:
            bench_parity(args, tmp, res)
    finally:
        if args.tmp is None:
            shutil.rmtree(tmp, ignore_errors=True)
    ratios = {}
    if "load_c_distance_s" in res:
        ratios["load: C distance / w2v.load"] = res["load_c_distance_s"] / res["load_w2v_api_s"]
        ratios["load: C distance / w2v distance (whole process)"] = res["load_c_distance_s"] / res["load_w2v_cli_s"]
    if "load_gensim_s" in res:
        ratios["load: gensim / w2v.load"] = res["load_gensim_s"] / res["load_w2v_api_s"]
    if "query_c_distance_ms" in res and res.get("query_w2v_cli_ms"):
        ratios["query: C distance / w2v distance command (batch)"] = res["query_c_distance_ms"] / res["query_w2v_cli_ms"]
        ratios["query: C distance / w2v.search.nearest (batch)"] = res["query_c_distance_ms"] / res["query_w2v_batch_api_ms"]
        ratios["query: C distance / most_similar (one by one)"] = res["query_c_distance_ms"] / res["query_w2v_single_ms"]
    if "accuracy_c_t30000_s" in res:
        ratios["accuracy: compute-accuracy / w2v accuracy (t=30000)"] = res["accuracy_c_t30000_s"] / res["accuracy_w2v_t30000_s"]
    res["ratios"] = ratios
    for k, val in ratios.items():
        print(f"{k:55s} {val:8.1f}x")
    for k, val in res.items():
        if k != "ratios":
            print(f"{k:55s} {val}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
