#!/usr/bin/env python3
"""Training speed of w2v built with different C compilers, same CPU.

    python scripts/bench_compilers.py                          # gcc-12 gcc-11 clang clang-16
    python scripts/bench_compilers.py --cc gcc-12 clang --repeat 5 --no-build

Each compiler builds the sdist into build/cc/NAME (scripts/cc_build.sh: wheel
and venv; --no-build reuses them).  Runs are interleaved (every build, SG then
CBOW, then the next round) and the fastest of --repeat runs is kept, as the
machine may be shared.  Flags: -size 100 -window 5 -negative 5 -hs 0
-sample 1e-3 -min-count 5 -iter 1 -threads 2.  Words/s = corpus words x iter
/ wall time after the vocabulary (as scripts/bench.py).  The first compiler is
the reference of the last column.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from typing import List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _benchlib as bl  # noqa: E402
from bench import VOCAB_DONE  # noqa: E402

MODES = {"sg": "0", "cbow": "1"}


def simd_level(w2v: str) -> str:
    """simd_level() of the build whose w2v script is w2v (its venv's python)."""
    py = os.path.join(os.path.dirname(w2v), "python")
    out = subprocess.run([py, "-c", "import w2v._train as t; print(t.simd_level())"],
                         cwd=tempfile.gettempdir(), capture_output=True, text=True, check=True)
    return out.stdout.strip()


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cc", nargs="+", default=["gcc-12", "gcc-11", "clang", "clang-16"])
    ap.add_argument("--corpus", default=os.path.join(bl.SHARED_DATA, "wiki1m.txt.gz"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iter", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--also", nargs="*", default=[], metavar="NAME=W2V",
                    help="other builds to time: a name and the path of their w2v script")
    args = ap.parse_args(argv)

    builds = {}
    for cc in args.cc:
        d = os.path.join(bl.REPO, "build", "cc", cc)
        if not (args.no_build and os.path.exists(os.path.join(d, "venv", "bin", "w2v"))):
            subprocess.run([os.path.join(bl.REPO, "scripts", "cc_build.sh"), cc, d], cwd=bl.REPO, check=True)
        builds[cc] = os.path.join(d, "venv", "bin", "w2v")
    for spec in args.also:
        name, w2v = spec.split("=", 1)
        builds[name] = w2v
    builds = {name: (w2v, simd_level(w2v)) for name, w2v in builds.items()}

    corpus = bl.plain_corpus(args.corpus)
    words = bl.count_words(corpus)[0]
    best = {(cc, m): 0.0 for cc in builds for m in MODES}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.repeat):
            for cc, (w2v, _) in builds.items():
                for mode, cbow in MODES.items():
                    cmd = [w2v, "train", "-train", corpus, "-output", os.path.join(tmp, "v.bin"),
                           "-cbow", cbow, "-size", "100", "-window", "5", "-negative", "5", "-hs", "0",
                           "-sample", "1e-3", "-min-count", "5", "-iter", str(args.iter),
                           "-threads", str(args.threads), "-binary", "1"]
                    res = bl.run_child(cmd, cwd=tmp, marks=[VOCAB_DONE])
                    if res.rc != 0 or VOCAB_DONE not in res.marks:
                        sys.exit(f"bench_compilers.py: {cc} {mode} failed (exit {res.rc})")
                    wps = words * args.iter / (res.wall_s - res.marks[VOCAB_DONE])
                    best[cc, mode] = max(best[cc, mode], wps)
                    print(f"  round {k + 1} {cc:10s} {mode:4s} {wps / 1e6:.3f}M words/s "
                          f"(others' CPU {res.others_cpu_percent:.0f}%)", flush=True)
    ref = args.cc[0]
    rows = [[cc, level, f"{best[cc, 'sg'] / 1e6:.3f}M", f"{best[cc, 'cbow'] / 1e6:.3f}M",
             f"{best[cc, 'sg'] / best[ref, 'sg']:.3f} / {best[cc, 'cbow'] / best[ref, 'cbow']:.3f}"]
            for cc, (_, level) in builds.items()]
    print(f"\n{os.path.basename(args.corpus)}, {words} words, -threads {args.threads} -iter {args.iter}, "
          f"fastest of {args.repeat}:")
    print(bl.format_table(["compiler", "simd_level()", "SG words/s", "CBOW words/s",
                           f"vs {ref} (SG / CBOW)"], rows, markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
