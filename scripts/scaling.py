#!/usr/bin/env python3
"""Thread scaling of w2v: words/sec at 1, 2, 4, 8, 16 threads, and MPI
layouts of R ranks x T threads (``mpiexec -n R w2v train ... -threads T``).

Layouts needing more cores than there are are dropped (and said so), because
w2v caps -threads at the core count anyway.  Words/sec is defined as in
scripts/bench.py: corpus words x iter / training wall time (after the
vocabulary is built).  "waited %" is the share of the workers' time spent idle
at epoch ends and pauses (w2v's closing "Workers waited" line; rank 0's under
MPI): scaling lost to uneven work streams or to rounds shows there.

    python scripts/scaling.py --corpus ../shared/data/wiki1m.txt.gz --model sg-ns
    python scripts/scaling.py --corpus ../shared/data/wiki17m.txt.gz --model cbow-ns --ranks 4x4 --repeat 3
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import sys
from typing import List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _benchlib as bl  # noqa: E402
import bench  # noqa: E402

WAITED = re.compile(r"Workers waited [\d.]+ s at epoch ends and pauses \(([\d.]+) % of their time\)")


def layouts(threads: str, ranks: str):
    """[(ranks, threads)] from "1,2,4" and "4x4,2x8" (ranks 1: no mpiexec)."""
    out = [(1, int(t)) for t in threads.split(",") if t.strip()]
    for item in ranks.split(","):
        if item.strip():
            r, t = item.lower().split("x")
            out.append((int(r), int(t)))
    return out


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=os.path.join(bl.SHARED_DATA, "wiki1m.txt.gz"),
                    help="training text [default: ../shared/data/wiki1m.txt.gz, else the demo corpus]")
    ap.add_argument("--threads", default="1,2,4,8,16", help="comma list [default: 1,2,4,8,16]")
    ap.add_argument("--ranks", default="", help="MPI layouts RxT, comma list (e.g. 4x4) [default: none]")
    ap.add_argument("--model", default="sg-ns", choices=sorted(bench.MODELS))
    ap.add_argument("--iter", type=int, default=5)
    ap.add_argument("--batch", type=int, choices=(0, 1), default=None,
                    help="w2v's -batch (sg-ns: 1 = batched kernel, 0 = pair kernel) [default: w2v's default]")
    ap.add_argument("--repeat", type=int, default=1, help="runs per thread count; the fastest counts")
    ap.add_argument("--out", default=os.path.join(bl.DEFAULT_OUT, "scaling"))
    ap.add_argument("--cache", default=bl.DEFAULT_CACHE)
    ap.add_argument("--w2v-python", default=sys.executable)
    ap.add_argument("--wait-quiet", type=float, default=0.0, metavar="CORES",
                    help="before each run, wait until other processes use less than CORES cores")
    ap.add_argument("--wait-timeout", type=float, default=900.0, metavar="S")
    args = ap.parse_args(argv)
    args.out = os.path.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)
    if not os.path.exists(args.corpus):
        import w2v
        print(f"note: {args.corpus} not found; using the bundled demo corpus")
        args.corpus = w2v.demo_corpus()
    try:
        wanted = sorted(set(layouts(args.threads, args.ranks)))
    except ValueError:
        sys.exit(f"scaling.py: error: --threads wants integers and --ranks RxT items "
                 f"(got {args.threads!r}, {args.ranks!r})")
    ncores = bl.cores()
    counts = [(r, t) for r, t in wanted if r >= 1 and t >= 1 and r * t <= ncores]
    capped = [f"{r}x{t}" for r, t in wanted if r * t > ncores]
    if capped:
        print(f"note: {ncores} cores available: skipping {', '.join(capped)}")
    mpiexec = os.path.join(os.path.dirname(args.w2v_python), "mpiexec")
    if any(r > 1 for r, _ in counts) and not os.path.exists(mpiexec):
        sys.exit(f"scaling.py: error: {mpiexec} not found (pip install 'w2v[mpich]')")
    corpus = bl.plain_corpus(args.corpus, args.cache)
    words, _ = bl.count_words(corpus, args.cache)
    load0 = bl.load_average()[0]
    print(f"corpus {corpus}: {words:,} words; model {args.model}, iter {args.iter}; load {load0:.2f}")
    out_vec = os.path.join(args.out, "vectors.bin")
    rows, records = [], []
    base = None
    for r, t in counts:
        best = None
        for _ in range(args.repeat):
            if args.wait_quiet:
                bl.wait_for_quiet(args.wait_quiet, args.wait_timeout)
            ns = argparse.Namespace(iter=args.iter, threads=t)
            launcher = [mpiexec, "-n", str(r)] if r > 1 else []
            cmd = (launcher + bench.w2v_command(args) + ["train", "-train", corpus, "-output", out_vec]
                   + bench.train_flags(args.model, ns)
                   + ([] if args.batch is None else ["-batch", str(args.batch)]))
            res = bl.run_child(cmd, cwd=args.out, marks=[bench.VOCAB_DONE],
                               log_path=os.path.join(args.out, f"layout-{r}x{t}.log"))
            if res.rc != 0 or bench.VOCAB_DONE not in res.marks:
                print(f"{r}x{t}: w2v failed (exit {res.rc}): " + res.text().strip()[-300:])
                return 1
            train_s = res.wall_s - res.marks[bench.VOCAB_DONE]
            if best is None or train_s < best[0]:
                best = (train_s, res)
        train_s, res = best
        wps = words * args.iter / train_s
        base = base or wps
        waited = WAITED.search(res.text())
        rec = {"ranks": r, "threads": t, "waited_percent": float(waited.group(1)) if waited else None,
               "train_s": train_s, "total_s": res.wall_s, "words_per_sec": wps,
               "speedup": wps / base, "efficiency": wps / base / (r * t), "cpu_percent": res.cpu_percent,
               "others_cpu_percent": res.others_cpu_percent, "peak_rss_mib": res.peak_rss_mib, "load_after": bl.load_average()[0]}
        records.append(rec)
        rows.append([f"{r}x{t}" if r > 1 else t, bl.fmt(train_s, ".2f"), bl.fmt(wps / 1e3, ".0f"),
                     bl.fmt(wps / 1e3 / (r * t), ".0f"), bl.fmt(rec["speedup"], ".2f"),
                     bl.fmt(100 * rec["efficiency"], ".0f"), bl.fmt(rec["waited_percent"], ".1f"),
                     bl.fmt(res.cpu_percent, ".0f"), bl.fmt(res.others_cpu_percent, ".0f"),
                     bl.fmt(res.peak_rss_mib, ".0f")])
        print(f"  {r} x {t} threads: {train_s:.2f}s, {wps / 1e3:.0f}k words/s", flush=True)
    print()
    print(bl.format_table(["threads", "train s", "kwords/s", "kwords/s/thread", "speedup", "efficiency %",
                           "waited %", "CPU %", "others CPU %", "RSS MiB"], rows))
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": bl.git_describe(), "corpus": args.corpus, "words": words, "model": args.model,
            "batch": args.batch, "iter": args.iter, "cores": ncores, "skipped_threads": capped, "load_start": load0,
            "load_end": bl.load_average()[0]}
    with open(os.path.join(args.out, "scaling.json"), "w") as f:
        json.dump({"meta": meta, "results": records}, f, indent=1)
    print(f"load average {load0:.2f} at start, {meta['load_end']:.2f} at end; "
          f"wrote {os.path.join(args.out, 'scaling.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
