#!/usr/bin/env python3
"""Is a poor two-thread speed-up ours or the host's?

Each round runs, one after the other on the same corpus and flags:
  solo    one w2v process, -threads 1;
  pair    two independent w2v processes of -threads 1 at the same time (no
          memory shared between them: what the host's cores deliver to two
          busy programs);
  two     one w2v process, -threads 2 (the two threads share the matrices).
Times are training times (after the vocabulary, as in scripts/bench.py).

    "2T speed-up" = solo / two;   "host limit" = 2 x solo / (slower of pair):
the speed-up two threads would get if sharing the model cost nothing.  Where
the 2T speed-up stays near the host limit, the host is what caps it; where it
falls well below, the threads' shared writes (or their schedule) cost it.
CPU % shows whether a slow run was starved (low) or busy and slowed (high).
"apart %" is the share of the two-thread run's time the two CPUs were far
apart: scripts/core_latency.c (built with cc when there is one) measures the
one-way core-to-core latency of CPUs 0 and 1 every 250 ms while the run trains
(about 1 % of the CPUs' time); a figure over _benchlib.APART_NS counts as apart (tens of
ns between cores that share a cache, over 150 ns on this host's far ones).
The same for the pair, whose speed should not depend on it.

    python scripts/thread_check.py --corpus ../shared/data/wiki17m.txt.gz --rounds 5 \\
        -- -cbow 1 -size 200 -window 8 -negative 25 -hs 0 -sample 1e-4 -iter 1
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import sys
from typing import List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _benchlib as bl  # noqa: E402
import bench  # noqa: E402


def train(args, flags: List[str], threads: int, tag: str) -> dict:
    out = os.path.join(args.out, f"thread-check-{tag}.bin")
    cmd = bench.w2v_command(args) + ["train", "-train", args.corpus, "-output", out, "-binary", "1",
                                     *flags, "-threads", str(threads)]
    res = bl.run_child(cmd, marks=[bench.VOCAB_DONE])
    if res.rc != 0:
        sys.exit(f"thread_check.py: error: w2v failed (exit {res.rc}): {res.text().strip()[-300:]}")
    t0 = res.marks.get(bench.VOCAB_DONE, 0.0)
    return {"train_s": res.wall_s - t0, "wall_s": res.wall_s, "cpu_percent": res.cpu_percent}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, help="training text, plain or .gz/.bz2/.xz")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of solo, pair, two [default: 5]")
    ap.add_argument("--out", default=bl.DEFAULT_OUT, help="folder for vectors and the summary [default: bench-out]")
    ap.add_argument("--cache", default=bl.DEFAULT_CACHE, help="decompressed corpora [default: bench-out/cache]")
    ap.add_argument("--w2v-python", default=sys.executable, help="python whose w2v is measured")
    ap.add_argument("flags", nargs="*", help="w2v train flags after --, e.g. -- -cbow 1 -iter 1")
    args = ap.parse_args(argv)
    if args.rounds < 1:
        sys.exit("thread_check.py: error: --rounds must be >= 1")
    if not os.path.isfile(args.corpus):
        sys.exit(f"thread_check.py: error: corpus {args.corpus!r} not found")
    os.makedirs(args.out, exist_ok=True)
    args.corpus = bl.plain_corpus(args.corpus, args.cache)
    rows, records = [], []
    probe = bl.latency_probe(args.out)
    for r in range(1, args.rounds + 1):
        solo = train(args, args.flags, 1, "solo")
        with bl.Latency(probe) as pair_lat, concurrent.futures.ThreadPoolExecutor(2) as pool:
            pair = list(pool.map(lambda tag: train(args, args.flags, 1, tag), ("pair-a", "pair-b")))
        with bl.Latency(probe) as two_lat:
            two = train(args, args.flags, 2, "two")
        slow = max(p["train_s"] for p in pair)
        rec = {"round": r, "solo": solo, "pair": pair, "two": two,
               "speedup": solo["train_s"] / two["train_s"], "host_limit": 2 * solo["train_s"] / slow,
               "two_core_ns": two_lat.ns, "pair_core_ns": pair_lat.ns}
        records.append(rec)
        rows.append([r, bl.fmt(solo["train_s"]), bl.fmt(pair[0]["train_s"]) + " / " + bl.fmt(pair[1]["train_s"]),
                     bl.fmt(two["train_s"]), bl.fmt(rec["speedup"], ".2f"), bl.fmt(rec["host_limit"], ".2f"),
                     bl.fmt(solo["cpu_percent"], ".0f"), bl.fmt(two["cpu_percent"], ".0f"),
                     bl.fmt(pair_lat.apart(), ".0f"), bl.fmt(two_lat.apart(), ".0f")])
        print(f"round {r}: solo {solo['train_s']:.1f} s, pair {pair[0]['train_s']:.1f} / {pair[1]['train_s']:.1f} s, "
              f"two {two['train_s']:.1f} s: speed-up {rec['speedup']:.2f}, host limit {rec['host_limit']:.2f}, "
              f"apart {bl.fmt(pair_lat.apart(), '.0f')} % (pair) / {bl.fmt(two_lat.apart(), '.0f')} % (two)",
              flush=True)
    head = ["round", "solo s", "pair s (each)", "two threads s", "2T speed-up", "host limit", "solo CPU %", "two CPU %",
            "pair apart %", "two apart %"]
    print()
    print(f"corpus {args.corpus}, flags {' '.join(args.flags)}, {bl.cores()} cores, {bl.git_describe()}")
    print(bl.format_table(head, rows, True))
    with open(os.path.join(args.out, "thread-check.json"), "w") as f:
        json.dump({"flags": args.flags, "corpus": args.corpus, "rounds": records}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
