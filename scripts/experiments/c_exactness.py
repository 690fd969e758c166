"""Experiment: does w2v's kernel compute what word2vec.c computes?

Trains C's ``word2vec`` and a w2v built with ``c-rng.patch`` (C's random
numbers, see that file) on one thread, one epoch, on a generated corpus of
under 10,000 tokens (so neither program updates alpha) whose 40 words have
distinct counts (so both vocabularies have the same order and hence the same
initial vectors), and compares what training added to each syn0 row.  Equal
algorithms agree to float rounding (~1e-5 relative), a different update rule
or random-number use shows up as O(1).

    python scripts/experiments/c_exactness.py --c-binary /tmp/benv/bin/word2vec \\
        --w2v /tmp/scratch-venv/bin/w2v
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile

import numpy as np

MODELS = {
    "cbow-ns": ["-cbow", "1", "-negative", "5", "-hs", "0"],
    "sg-ns": ["-cbow", "0", "-negative", "5", "-hs", "0"],
    "sg-hs": ["-cbow", "0", "-negative", "0", "-hs", "1"],
    "cbow-hs": ["-cbow", "1", "-negative", "0", "-hs", "1"],
}
FLAGS = ["-size", "20", "-window", "5", "-sample", "1e-3", "-min-count", "1", "-iter", "1",
         "-threads", "1", "-binary", "1", "-debug", "0", "-batch", "0"]   # C's pair order


def write_corpus(path: str) -> None:
    rnd = random.Random(5)
    tokens = [f"w{i:02d}" for i in range(40) for _ in range(400 - 9 * i)]   # counts 400..49
    rnd.shuffle(tokens)
    with open(path, "w") as f:
        for i in range(0, len(tokens), 20):
            f.write(" ".join(tokens[i:i + 20]) + "\n")


def read_binary(path: str):
    with open(path, "rb") as f:
        V, D = map(int, f.readline().split())
        words, rows = [], np.empty((V, D), dtype=np.float32)
        for i in range(V):
            word = b""
            while (ch := f.read(1)) != b" ":
                word += ch
            words.append(word.strip())
            rows[i] = np.frombuffer(f.read(4 * D), dtype="<f4")
    return words, rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--c-binary", default="/tmp/benv/bin/word2vec")
    ap.add_argument("--w2v", required=True, help="w2v executable built with c-rng.patch")
    args = ap.parse_args()
    from w2v import _tables
    env = dict(os.environ, W2V_MODE="7")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        write_corpus(corpus)
        for name, flags in MODELS.items():
            c_out, w_out = os.path.join(tmp, "c.bin"), os.path.join(tmp, "w.bin")
            subprocess.run([args.c_binary, "-train", corpus, "-output", c_out, *flags, *FLAGS],
                           check=True, stdout=subprocess.DEVNULL)
            subprocess.run([args.w2v, "train", "-train", corpus, "-output", w_out, "-seed", "1",
                            *flags, *FLAGS], check=True, env=env, stderr=subprocess.DEVNULL)
            wc, mc = read_binary(c_out)
            ww, mw = read_binary(w_out)
            if wc != ww:
                print(f"{name}: vocabularies differ", file=sys.stderr)
                return 1
            init = _tables.init_syn0(len(wc), mc.shape[1])
            dc, dw = mc - init, mw - init
            rel = np.linalg.norm(dc - dw) / np.linalg.norm(dc)
            print(f"{name:8s} |C update| {np.linalg.norm(dc):8.4f}  |w2v update| "
                  f"{np.linalg.norm(dw):8.4f}  relative difference {rel:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
