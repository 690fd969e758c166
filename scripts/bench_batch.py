#!/usr/bin/env python3
"""The batched skip-gram kernel (-batch 1) against the pair kernel (-batch 0):
speed and quality, same build, runs interleaved (pair, batch, pair, batch, ...).

    python scripts/bench_batch.py                       # wiki17m, 2 threads, -size 100, 3 runs each
    python scripts/bench_batch.py --size 300 --repeat 1

Flags: -cbow 0 -hs 0 -negative 5 -window 5 -sample 1e-3 -min-count 5 -iter 5.
Words/s as in scripts/bench.py (corpus words x iter / wall time after the
vocabulary); every vectors file is scored by the same evaluator (analogy on
the 30,000 most frequent words, WordSim-353).  The 1-minute load average is
recorded before and after each run: the machine may be shared.
See docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
from typing import List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _benchlib as bl  # noqa: E402
import bench  # noqa: E402


def one_run(batch: int, k: int, corpus: str, words: int, args) -> dict:
    out_vec = os.path.join(args.out, f"batch{batch}-size{args.size}-{k}.bin")
    log_path = out_vec[:-4] + ".log"
    flags = bench.train_flags("sg-ns", args)
    flags[flags.index("-size") + 1] = str(args.size)
    cmd = bench.w2v_command(args) + ["train", "-train", corpus, "-output", out_vec, "-batch", str(batch)] + flags
    rec = {"batch": batch, "run": k, "size": args.size, "load_before": bl.load_average()[0]}
    res = bl.run_child(cmd, cwd=args.out, marks=[bench.VOCAB_DONE], log_path=log_path)
    rec["load_after"] = bl.load_average()[0]
    if res.rc != 0 or bench.VOCAB_DONE not in res.marks:
        sys.exit(f"bench_batch.py: -batch {batch} failed (exit {res.rc}): {res.text().strip()[-300:]}")
    rec["train_s"] = res.wall_s - res.marks[bench.VOCAB_DONE]
    rec["words_per_sec"] = words * args.iter / rec["train_s"]
    rec["cpu_percent"], rec["others_cpu_percent"] = res.cpu_percent, res.others_cpu_percent
    if args.evaluate:
        ev = bl.evaluate_in_child(out_vec, args.questions, args.pairs)
        rec["analogy"] = ev["analogy"]["overall"]
        rec["wordsim"] = ev["wordsim"]["spearman"]
    print(f"  -batch {batch} run {k}: train {rec['train_s']:.1f}s  {rec['words_per_sec'] / 1e3:.0f}k words/s  "
          f"CPU {rec['cpu_percent']:.0f}% (others {rec['others_cpu_percent']:.0f}%)  "
          f"load {rec['load_before']:.2f} -> {rec['load_after']:.2f}"
          + (f"  analogy {rec['analogy']:.2f}%  ws353 {rec['wordsim']:.3f}" if args.evaluate else ""),
          flush=True)
    return rec


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=os.path.join(bl.SHARED_DATA, "wiki17m.txt.gz"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--iter", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3, help="runs per kernel, interleaved")
    ap.add_argument("--no-evaluate", dest="evaluate", action="store_false")
    ap.add_argument("--out", default=os.path.join(bl.DEFAULT_OUT, "batch"))
    ap.add_argument("--cache", default=bl.DEFAULT_CACHE)
    ap.add_argument("--w2v-python", default=sys.executable)
    q, p = bl.find_eval_data(None)
    ap.add_argument("--questions", default=q, help="analogy questions [default: ../shared/data's]")
    ap.add_argument("--pairs", default=p, help="WordSim-353 pairs [default: ../shared/data's]")
    args = ap.parse_args(argv)
    args.out = os.path.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)
    if args.evaluate and not (args.questions and args.pairs):
        sys.exit("bench_batch.py: error: evaluation files not found: give --questions and --pairs")
    corpus = bl.plain_corpus(args.corpus, args.cache)
    words, _ = bl.count_words(corpus, args.cache)
    print(f"corpus {corpus}: {words:,} words; -size {args.size}, {args.threads} threads, "
          f"{args.repeat} runs per kernel; {bl.git_describe()}", flush=True)
    records = []
    for k in range(args.repeat):
        for batch in (0, 1):
            records.append(one_run(batch, k, corpus, words, args))
    summary = {}
    for batch in (0, 1):
        rs = [r for r in records if r["batch"] == batch]
        s = {"words_per_sec": statistics.mean(r["words_per_sec"] for r in rs),
             "words_per_sec_best": max(r["words_per_sec"] for r in rs)}
        if args.evaluate:
            s["analogy"] = statistics.mean(r["analogy"] for r in rs)
            s["wordsim"] = statistics.mean(r["wordsim"] for r in rs)
        summary[batch] = s
    ratios = [b["words_per_sec"] / a["words_per_sec"]
              for a, b in zip(records[0::2], records[1::2])]
    print(f"words/s ratio batch/pair per interleaved pair: {', '.join(f'{r:.2f}' for r in ratios)}; "
          f"of the means {summary[1]['words_per_sec'] / summary[0]['words_per_sec']:.2f}")
    for batch in (0, 1):
        s = summary[batch]
        print(f"-batch {batch}: mean {s['words_per_sec'] / 1e3:.0f}k words/s (best {s['words_per_sec_best'] / 1e3:.0f}k)"
              + (f", analogy {s['analogy']:.2f}%, ws353 {s['wordsim']:.4f}" if args.evaluate else ""))
    path = os.path.join(args.out, f"summary-size{args.size}.json")
    with open(path, "w") as f:
        json.dump({"when": datetime.datetime.now(datetime.timezone.utc).isoformat(), "commit": bl.git_describe(),
                   "args": vars(args), "runs": records, "summary": summary, "ratios": ratios}, f, indent=1)
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
