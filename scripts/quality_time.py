"""Vector quality against wall time: w2v, the C word2vec and gensim.

Trains each tool on one corpus for a grid of settings (epochs; for w2v also
``-alpha`` / ``-min-alpha``), records the wall time of the whole run
(vocabulary, training, writing the vectors: what a user waits for) and the
scores of the vectors (analogy accuracy on the 30,000 most frequent words,
WordSim-353 and SimLex-999 Spearman, all from w2v's own evaluator, see
``scripts/_benchlib.py``), and appends one CSV row per run, so that runs made
on different days can be pooled.  ``plot`` draws score against wall seconds
from the CSV, one line per tool and setting.

    # each setting 3 times, the settings interleaved (round 1 of all, round 2 ...)
    .venv/bin/python scripts/quality_time.py run --repeat 3 \\
        gensim:cbow:5 w2v:cbow:10 w2v:cbow:10:min-alpha=0.005 c:cbow:5
    .venv/bin/python scripts/quality_time.py plot        # docs/quality-time-*.png
    .venv/bin/python scripts/quality_time.py table       # mean / std per setting

A setting is ``TOOL:MODEL:EPOCHS[:alpha=A][:min-alpha=X][:FLAG=V...]`` with
TOOL one of w2v, c, gensim and MODEL sg or cbow (negative sampling; the other
flags are bench.py's: -size 100 -window 5 -negative 5 -hs 0 -sample 1e-3
-min-count 5).  ``min-alpha`` and the extra flags (``add-context``, ``batch``,
``window``, ``negative``, ``sample``: e.g. ``w2v:cbow:10:add-context=1``) are
w2v only; the extra flags go to the CSV's ``options`` column.  w2v
skip-gram settings always record their kernel there (``-batch 1``, the
default, or ``-batch 0``, word2vec.c's pair-by-pair order).  Every run records the 1-minute load average before
and after it and the CPU time other processes used meanwhile, so runs made on
a busy machine can be told apart.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import math
import os
import statistics
import sys
from typing import Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _benchlib as bl  # noqa: E402

DOCS = os.path.join(bl.REPO, "docs")
DEFAULT_CSV = os.path.join(DOCS, "quality-time.csv")
COMMON = {"size": 100, "window": 5, "sample": 1e-3, "min-count": 5, "negative": 5, "hs": 0}
TOOLS = ("w2v", "c", "gensim")
MODELS = {"sg": 0, "cbow": 1}        # model -> -cbow
FIELDS = ["date_utc", "corpus", "corpus_words", "threads", "tool", "model", "iter", "alpha",
          "min_alpha", "wall_s", "user_s", "sys_s", "cpu_percent", "others_cpu_percent",
          "load1_before", "load1_after", "analogy", "analogy_seen", "wordsim", "simlex", "rc", "git",
          "options"]
# w2v flags a setting may add (recorded in the CSV's "options" column)
W2V_OPTIONS = ("add-context", "batch", "window", "negative", "sample")
METRICS = {"analogy": "analogy accuracy (%, top 30k words)", "wordsim": "WordSim-353 Spearman",
           "simlex": "SimLex-999 Spearman"}


class Setting:
    def __init__(self, spec: str):
        parts = spec.split(":")
        if len(parts) < 3 or parts[0] not in TOOLS or parts[1] not in MODELS:
            raise ValueError(f"bad setting {spec!r}: want TOOL:MODEL:EPOCHS[:alpha=A][:min-alpha=X][:FLAG=V...] "
                             f"with TOOL in {'/'.join(TOOLS)} and MODEL in {'/'.join(MODELS)}")
        self.tool, self.model = parts[0], parts[1]
        self.iter = int(parts[2])
        self.alpha = 0.05 if MODELS[self.model] else 0.025     # C's default for the model
        self.min_alpha: Optional[float] = None
        self.options: List[Tuple[str, str]] = []
        if self.tool == "w2v" and self.model == "sg":
            self.options.append(("batch", "1"))
        for extra in parts[3:]:
            key, _, value = extra.partition("=")
            if key == "alpha":
                self.alpha = float(value)
            elif key == "min-alpha" and self.tool == "w2v":
                self.min_alpha = float(value)
            elif key in W2V_OPTIONS and self.tool == "w2v" and value:
                self.options = [(k, v) for k, v in self.options if k != key] + [(key, format(float(value), "g"))]
            else:
                raise ValueError(f"bad setting {spec!r}: unknown or unsupported option {extra!r}")

    def flags(self) -> List[str]:
        """The C tool's / w2v's flags for this setting."""
        flags = {"cbow": MODELS[self.model], **COMMON, "iter": self.iter, "alpha": self.alpha}
        if self.min_alpha is not None:
            flags["min-alpha"] = self.min_alpha
        flags.update((k, float(v)) for k, v in self.options)
        out: List[str] = []
        for k, v in flags.items():
            out += ["-" + k, format(v, "g")]
        return out


def run_one(s: Setting, corpus: str, args) -> dict:
    out_vec = os.path.join(args.out, f"qt-{s.tool}-{s.model}.bin")
    if os.path.exists(out_vec):
        os.unlink(out_vec)
    if s.tool == "gensim":
        cmd = [args.gensim_python, os.path.join(bl.REPO, "scripts", "_benchlib.py"), "gensim-train",
               "--corpus", corpus, "--output", out_vec, "--sg", str(1 - MODELS[s.model]),
               "--hs", "0", "--negative", str(COMMON["negative"]), "--size", str(COMMON["size"]),
               "--window", str(COMMON["window"]), "--sample", format(COMMON["sample"], "g"),
               "--iter", str(s.iter), "--min-count", str(COMMON["min-count"]),
               "--threads", str(args.threads), "--alpha", format(s.alpha, "g")]
    else:
        prog = [args.c_binary] if s.tool == "c" else [os.path.join(os.path.dirname(sys.executable), "w2v"), "train"]
        cmd = prog + ["-train", corpus, "-output", out_vec, "-threads", str(args.threads),
                      "-binary", "1"] + s.flags()
    load_before = bl.load_average()[0]
    res = bl.run_child(cmd, cwd=args.out, log_path=out_vec[:-4] + ".log")
    row = {"date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "corpus": os.path.basename(args.corpus), "corpus_words": args.corpus_words,
           "threads": args.threads, "tool": s.tool, "model": s.model, "iter": s.iter,
           "alpha": format(s.alpha, "g"), "min_alpha": "" if s.min_alpha is None else format(s.min_alpha, "g"),
           "wall_s": f"{res.wall_s:.2f}", "user_s": f"{res.user_s:.2f}", "sys_s": f"{res.sys_s:.2f}",
           "cpu_percent": f"{res.cpu_percent:.0f}", "others_cpu_percent": f"{res.others_cpu_percent:.0f}",
           "load1_before": f"{load_before:.2f}", "load1_after": f"{bl.load_average()[0]:.2f}",
           "rc": res.rc, "git": args.git, "options": " ".join(f"-{k} {v}" for k, v in s.options)}
    if res.rc == 0 and os.path.exists(out_vec):
        ev = bl.evaluate_in_child(out_vec, args.questions, args.pairs, args.simlex)
        row.update({"analogy": f"{ev['analogy']['overall']:.2f}", "analogy_seen": ev["analogy"]["seen"],
                    "wordsim": f"{ev['wordsim']['spearman']:.4f}", "simlex": f"{ev['simlex']['spearman']:.4f}"})
    return row


def append_row(path: str, row: dict) -> None:
    new = not os.path.exists(path) or os.path.getsize(path) == 0
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        if new:
            w.writeheader()
        w.writerow({k: row.get(k, "") for k in FIELDS})


def read_rows(path: str, corpus: Optional[str] = None) -> List[dict]:
    with open(path, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["rc"] == "0" and r["analogy"]]
    return [r for r in rows if corpus is None or r["corpus"] == corpus]


def label(r: dict) -> str:
    name = {"w2v": "w2v", "c": "C word2vec", "gensim": "gensim"}[r["tool"]]
    default_alpha = 0.05 if r["model"] == "cbow" else 0.025
    if float(r["alpha"]) != default_alpha:
        name += f" -alpha {r['alpha']}"
    if r["min_alpha"]:
        name += f" -min-alpha {r['min_alpha']}"
    if r.get("options"):
        name += " " + r["options"]
    return name


def groups(rows: Sequence[dict]) -> Dict[Tuple[str, str, int], List[dict]]:
    """(model, label, epochs) -> the runs of that setting."""
    out: Dict[Tuple[str, str, int], List[dict]] = {}
    for r in rows:
        out.setdefault((r["model"], label(r), int(r["iter"])), []).append(r)
    return out


def mean_std(values: Sequence[float]) -> Tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else float("nan"))


def table(rows: Sequence[dict], markdown: bool = False) -> str:
    lines = []
    for (model, name, it), runs in sorted(groups(rows).items()):
        cells = [model, name, it, len(runs)]
        cells.append(f"{statistics.fmean(float(r['wall_s']) for r in runs):.0f}")
        cells.append(f"{statistics.fmean(float(r['user_s']) + float(r['sys_s']) for r in runs):.0f}")
        for key, spec in (("analogy", ".2f"), ("wordsim", ".3f"), ("simlex", ".3f")):
            m, s = mean_std([float(r[key]) for r in runs])
            cells.append(f"{m:{spec}}" + ("" if math.isnan(s) else f" ± {s:{spec}}"))
        cells.append(f"{statistics.fmean(float(r['others_cpu_percent']) for r in runs):.0f}")
        lines.append(cells)
    return bl.format_table(["model", "tool / setting", "epochs", "runs", "wall s", "CPU s", "analogy %",
                            "WordSim-353", "SimLex-999", "others' CPU %"], lines, markdown=markdown)


def seconds(r: dict, x: str) -> float:
    """The run's wall seconds, or its CPU seconds (user + system) with x="cpu"."""
    return float(r["wall_s"]) if x == "wall" else float(r["user_s"]) + float(r["sys_s"])


def plot(rows: Sequence[dict], out_dir: str, corpus: str, metrics: Sequence[str], x: str = "wall") -> List[str]:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit('quality_time.py: error: plotting needs matplotlib (pip install "w2v[bench]")')
    by = groups(rows)
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for metric in metrics:
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
        for ax, model in zip(axes, ("sg", "cbow")):
            names = sorted({name for (m, name, _) in by if m == model})
            for name in names:
                pts = sorted((it, runs) for (m, n, it), runs in by.items() if m == model and n == name)
                xs = [statistics.fmean(seconds(r, x) for r in runs) for _, runs in pts]
                ys = [mean_std([float(r[metric]) for r in runs]) for _, runs in pts]
                ax.errorbar(xs, [y for y, _ in ys], yerr=[0 if math.isnan(s) else s for _, s in ys],
                            marker="o", capsize=3, label=name)
                for x, (y, _), (it, _) in zip(xs, ys, pts):
                    ax.annotate(str(it), (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
            ax.set_title(f"{'skip-gram' if model == 'sg' else 'CBOW'}, negative sampling")
            ax.set_xlabel("wall seconds, whole run" if x == "wall" else "CPU seconds (user + system), whole run")
            ax.set_ylabel(METRICS[metric])
            ax.grid(alpha=0.3)
            if names:
                ax.legend(fontsize=8)
        fig.suptitle(f"{METRICS[metric]} against {'wall' if x == 'wall' else 'CPU'} time on {corpus} "
                     f"(numbers at points: epochs; bars: std over runs)", fontsize=10)
        fig.tight_layout()
        path = os.path.join(out_dir, f"quality-time-{metric}.png")
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)
    return written


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="train and evaluate settings, appending to the CSV")
    r.add_argument("settings", nargs="+", help="TOOL:MODEL:EPOCHS[:alpha=A][:min-alpha=X][:FLAG=V...]")
    r.add_argument("--repeat", type=int, default=1, help="rounds over all settings [default: 1]")
    r.add_argument("--data", default=bl.SHARED_DATA,
                   help="folder with the evaluation files [default: ../shared/data]")
    r.add_argument("--corpus", help="training text [default: wiki17m.txt.gz in --data]")
    r.add_argument("--threads", type=int, default=2)
    r.add_argument("--out", default=bl.DEFAULT_OUT, help="vectors and logs [default: bench-out]")
    r.add_argument("--c-binary", help="word2vec C binary [default: the venv's]")
    r.add_argument("--gensim-python", help="python with gensim [default: this one]")
    for p in (r, sub.add_parser("plot", help="draw the charts from the CSV"),
              sub.add_parser("table", help="mean / std per setting from the CSV")):
        p.add_argument("--csv", default=DEFAULT_CSV, help="results file [default: docs/quality-time.csv]")
    plot_p, table_p = sub.choices["plot"], sub.choices["table"]
    for p in (plot_p, table_p):
        p.add_argument("--corpus", default="wiki17m.txt.gz", help="which corpus's rows [default: wiki17m.txt.gz]")
    plot_p.add_argument("--out", default=DOCS, help="folder for the PNGs [default: docs]")
    plot_p.add_argument("--metrics", default="analogy,wordsim", help="comma list of analogy, wordsim, simlex")
    plot_p.add_argument("--x", choices=("wall", "cpu"), default="wall",
                        help="time axis: wall seconds, or CPU seconds (steadier on a busy machine) [default: wall]")
    table_p.add_argument("--markdown", action="store_true")
    args = ap.parse_args(argv)

    if args.cmd == "plot":
        for path in plot(read_rows(args.csv, args.corpus), args.out, args.corpus, args.metrics.split(","), args.x):
            print(path)
        return 0
    if args.cmd == "table":
        print(table(read_rows(args.csv, args.corpus), args.markdown))
        return 0

    try:
        settings = [Setting(s) for s in args.settings]
    except ValueError as exc:
        sys.exit(f"quality_time.py: error: {exc}")
    args.c_binary = args.c_binary or bl.find_tool("word2vec")
    args.gensim_python = args.gensim_python or bl.python_with("gensim")
    for s in settings:
        if s.tool == "c" and not args.c_binary:
            sys.exit("quality_time.py: error: the word2vec C binary was not found (pip install word2vec)")
        if s.tool == "gensim" and not args.gensim_python:
            sys.exit("quality_time.py: error: no python with gensim found (pip install gensim)")
    args.corpus = args.corpus or os.path.join(args.data, "wiki17m.txt.gz")
    args.questions = os.path.join(args.data, "questions-words.txt")
    args.pairs = os.path.join(args.data, "wordsim353.tsv")
    args.simlex = os.path.join(args.data, "simlex999.txt")
    for path in (args.corpus, args.questions, args.pairs, args.simlex):
        if not os.path.isfile(path):
            sys.exit(f"quality_time.py: error: {path} not found (see --data, --corpus)")
    os.makedirs(args.out, exist_ok=True)
    corpus = bl.plain_corpus(args.corpus)
    args.corpus_words = bl.count_words(corpus)[0]
    args.git = bl.git_describe()
    for round_ in range(args.repeat):
        for s in settings:
            row = run_one(s, corpus, args)
            append_row(args.csv, row)
            print(f"[{round_ + 1}/{args.repeat}] {s.tool:6} {s.model:4} iter {s.iter:2} alpha {row['alpha']:6} "
                  f"min-alpha {row['min_alpha'] or '-':7} wall {row['wall_s']:>7}s load {row['load1_before']:>5} "
                  f"others {row['others_cpu_percent']:>3}%  analogy {row.get('analogy', '-'):>6}  "
                  f"ws353 {row.get('wordsim', '-'):>6}  simlex {row.get('simlex', '-'):>6}"
                  + ("" if row["rc"] == 0 else f"  FAILED (exit {row['rc']})"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
