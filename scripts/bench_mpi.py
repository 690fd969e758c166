"""Two ranks x 1 thread (mpiexec -n 2) against one process x 2 threads, run
interleaved (the machine is shared: compare within a pass).

    .venv/bin/python scripts/bench_mpi.py [--models sg-ns cbow-ns] [--runs 2] [--iter 5]
                                          [--sync-words 100000 ...] [--sync-every 0.25 ...]
                                          [--data DIR]

For each run: training seconds (from the "Words in train file" line to the
end, so reading the corpus is excluded and writing the vectors included),
words/s (iter x train words / training s), analogy % (top 30k) and
WordSim-353 Spearman (scripts/_benchlib.py's evaluator), and for MPI runs the
rounds, MB averaged per rank, seconds and CPU seconds in MPI (rank 0).  The
speed ratio to 1 x 2 is given two ways: the mean of the pairwise ratios of the
interleaved runs, and the ratio of each layout's fastest run.  "apart %": the share
of a run's time CPUs 0 and 1 ran on far cores (scripts/thread_check.py explains it),
per run and for the layout's fastest run."""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _benchlib as B  # noqa: E402

MODELS = {"sg-ns": ["-cbow", "0", "-hs", "0", "-negative", "5"],
          "cbow-ns": ["-cbow", "1", "-hs", "0", "-negative", "5"]}
MPI_LINE = re.compile(r"MPI: (\d+) rounds, (\d+) averages, ([\d.]+) MB averaged, ([\d.]+) s in MPI \(([\d.]+) s CPU")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=B.SHARED_DATA, help="folder of wiki17m.txt.gz and the evaluation files")
    ap.add_argument("--corpus", default=None, help="default: DATA/wiki17m.txt.gz")
    ap.add_argument("--models", nargs="+", default=list(MODELS))
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--seeds", action="store_true",
                    help="run r uses -seed r+1 (every layout): 2 x 1 runs with rounds counted in words are "
                         "otherwise identical, so their mean would be one sample")
    ap.add_argument("--iter", type=int, default=5)
    ap.add_argument("--sync-words", type=int, nargs="*", default=[],
                    help="MPI layouts with rounds every N words (-sync-words N -sync-every 0), besides "
                         "the default layout (w2v's own default words per round)")
    ap.add_argument("--sync-every", type=float, nargs="*", default=[],
                    help="MPI layouts with rounds every SEC seconds (-sync-words 0 -sync-every SEC)")
    ap.add_argument("--out", default=os.path.join(B.DEFAULT_OUT, "mpi"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    bindir = os.path.dirname(sys.executable)
    w2v, mpiexec = os.path.join(bindir, "w2v"), os.path.join(bindir, "mpiexec")
    questions = os.path.join(a.data, "questions-words.txt")
    pairs = os.path.join(a.data, "wordsim353.tsv")
    corpus = a.corpus or os.path.join(a.data, "wiki17m.txt.gz")
    common = ["-train", corpus, "-size", "100", "-window", "5", "-sample", "1e-3", "-iter", str(a.iter),
              "-min-count", "5", "-binary", "1", "-debug", "2"]
    layouts = ([("1x2", None), ("2x1", [])]
               + [(f"2x1 words {n}", ["-sync-words", str(n), "-sync-every", "0"]) for n in a.sync_words]
               + [(f"2x1 every {s:g} s", ["-sync-words", "0", "-sync-every", f"{s:g}"]) for s in a.sync_every])
    rows = []
    probe = B.latency_probe(a.out)
    for run in range(a.runs):
        for model in a.models:
            for name, sync in layouts:
                out = os.path.join(a.out, f"{model}-{name.replace(' ', '')}-{run}.bin")
                if sync is None:
                    cmd = [w2v, "train", *common, *MODELS[model], "-threads", "2", "-output", out]
                else:
                    cmd = [mpiexec, "-n", "2", w2v, "train", *common, *MODELS[model], "-threads", "1",
                           *sync, "-output", out]
                cmd += ["-seed", str(run + 1)] if a.seeds else []
                with B.Latency(probe) as lat:
                    r = B.run_child(cmd, marks=["Words in train file"], log_path=out + ".log")
                if r.rc != 0:
                    print(r.text(), file=sys.stderr)
                    return 1
                text = r.text().replace("\r", "\n")
                words = int(re.search(r"Words in train file: (\d+)", text).group(1))
                train_s = r.wall_s - r.marks["Words in train file"]
                ev = B.evaluate_in_child(out, questions, pairs)
                row = {"run": run, "model": model, "layout": name, "wall_s": r.wall_s, "train_s": train_s,
                       "words_per_s": a.iter * words / train_s, "analogy": ev["analogy"]["overall"],
                       "ws353": ev["wordsim"]["spearman"], "others_cpu_pct": r.others_cpu_percent,
                       "apart_pct": lat.apart(), "core_ns": lat.ns}
                m = MPI_LINE.search(text)
                if m:
                    row.update(rounds=int(m.group(1)), mb=float(m.group(3)), mpi_s=float(m.group(4)),
                               mpi_cpu_s=float(m.group(5)))
                rows.append(row)
                print(json.dumps(row), flush=True)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(rows, f, indent=1)
    table = []
    for model in a.models:
        base = [r for r in rows if r["model"] == model and r["layout"] == "1x2"]
        for name, _ in layouts:
            rs = [r for r in rows if r["model"] == model and r["layout"] == name]
            ratio = statistics.mean(r["words_per_s"] / b["words_per_s"] for r, b in zip(rs, base))
            fastest = max(r["words_per_s"] for r in rs) / max(b["words_per_s"] for b in base)
            mpi = [r for r in rs if "rounds" in r]
            table.append([model, name, f"{statistics.mean(r['train_s'] for r in rs):.1f}",
                          f"{statistics.mean(r['words_per_s'] for r in rs) / 1e3:.0f}", f"{ratio:.3f}",
                          f"{fastest:.3f}",
                          f"{statistics.mean(r['analogy'] for r in rs):.2f}",
                          f"{statistics.mean(r['ws353'] for r in rs):.3f}",
                          f"{statistics.mean(r['rounds'] for r in mpi):.0f}" if mpi else "",
                          f"{statistics.mean(r['mb'] for r in mpi):.0f}" if mpi else "",
                          f"{statistics.mean(r['mpi_s'] for r in mpi):.2f}" if mpi else "",
                          f"{statistics.mean(r['mpi_cpu_s'] for r in mpi):.2f}" if mpi else "",
                          " / ".join(B.fmt(r["apart_pct"], ".0f") for r in rs),
                          B.fmt(next(r for r in rs if r["words_per_s"] == max(x["words_per_s"] for x in rs))
                                ["apart_pct"], ".0f")])
    print(B.format_table(["model", "layout", "train s", "kwords/s", "ratio (pairwise)",
                          "ratio (fastest)", "analogy %", "WS353",
                          "rounds", "MB/rank", "MPI s", "MPI CPU s", "apart % (runs)", "apart % (fastest)"],
                         table, markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
