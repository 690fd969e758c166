#!/usr/bin/env python3
"""Costs and gains of the model state: training loss, checkpoints, w+c
(word + context vectors), model files.

    python scripts/bench_model.py --old-w2v /tmp/w2v-old/venv/bin/w2v     # every part
    python scripts/bench_model.py --parts checkpoint,modelfile
    python scripts/bench_model.py --parts loss --loss-models sg-ns,cbow-ns --pairs 5

Parts (``--parts``, comma list):

* ``loss``: the build under test against an older build (``--old-w2v``,
  e.g. one from before the training loss existed) on the same corpus and
  flags, ``--pairs`` interleaved pairs (the order alternates within pairs);
  the cost is the median over pairs of the ratio of training times
  (wall time after the vocabulary line, as scripts/bench.py measures it).
  The new kernel always computes the loss, so the ratio is an upper bound
  on its cost (it includes every other change between the two builds).
* ``checkpoint``: the build under test with ``-checkpoint F
  -checkpoint-every M`` against none, interleaved pairs; the checkpoint
  file is watched during the run to count the writes, and one checkpoint
  of the same size is then saved again in a child to time a write alone.
* ``quality``: sg-ns and cbow-ns trained once each (``-save-model``), then
  w (syn0) and w+c (syn0 + syn1neg) of the one model scored on analogy
  (top 30,000 words), WordSim-353 and SimLex-999 by scripts/_benchlib.py's
  evaluator.
* ``modelfile``: a model of ``--mf-words`` words x ``--mf-dim`` (syn0 and
  syn1neg, random) saved and loaded with w2v.model.Model (memory-mapped,
  with and without the CRC check) and with w2v.load (its word vectors),
  against writing and reading syn0 as a word2vec binary file.

Every timing is wall time on a machine that may be shared: the load
average and other processes' CPU use are printed with each run; quote
ratios of interleaved runs, not absolute times.  See docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import statistics
import sys
import threading
import time
from typing import Dict, List, Optional, Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _benchlib as bl  # noqa: E402
from bench import COMMON, MODELS, VOCAB_DONE, train_flags  # noqa: E402

PARTS = ("loss", "checkpoint", "quality", "modelfile")
EPOCH_LINE = re.compile(r"epoch (\d+)/\d+: loss ([0-9.naninf]+) per example, (?:objective [0-9.naninf]+, )?"
                        r"([0-9.]+)([Mk]) words/s")


def shared(name: str) -> str:
    """../shared/data/NAME, or ../../shared/data/NAME for a worktree one folder deeper."""
    for base in (bl.SHARED_DATA, os.path.join(bl.REPO, "..", "..", "shared", "data")):
        path = os.path.normpath(os.path.join(base, name))
        if os.path.exists(path):
            return path
    return os.path.join(bl.SHARED_DATA, name)


def log(msg: str) -> None:
    print(msg, flush=True)


def epoch_rates(text: str) -> List[float]:
    """words/s of each ``epoch i/n: loss ... words/s`` line."""
    return [float(r) * (1e6 if unit == "M" else 1e3) for _, _, r, unit in EPOCH_LINE.findall(text)]


def epoch_losses(text: str) -> List[float]:
    return [float(x) for _, x, _, _ in EPOCH_LINE.findall(text)]


class FileWatch:
    """Counts the versions of a file written by rename (temp + rename: every
    write is a new inode/mtime) by polling its status."""

    def __init__(self, path: str, every: float = 0.05) -> None:
        self.path, self.every = path, every
        self.seen: set = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                st = os.stat(self.path)
                self.seen.add((st.st_ino, st.st_mtime_ns, st.st_size))
            except OSError:
                pass
            self._stop.wait(self.every)

    def __enter__(self) -> "FileWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def train_run(w2v: str, corpus: str, model: str, args, out: str, extra: Sequence[str] = (),
              label: str = "", watch: Optional[str] = None) -> dict:
    """One ``w2v train``; training seconds = wall time after the vocabulary line."""
    if os.path.exists(out):
        os.unlink(out)
    cmd = [w2v, "train", "-train", corpus, "-output", out] + train_flags(model, args) + list(extra)
    load0 = bl.load_average()[0]
    log_path = os.path.join(args.out, f"{label}.log")
    if watch:
        if os.path.exists(watch):
            os.unlink(watch)
        with FileWatch(watch) as fw:
            res = bl.run_child(cmd, cwd=args.out, marks=[VOCAB_DONE], log_path=log_path)
        writes = len(fw.seen)
    else:
        res = bl.run_child(cmd, cwd=args.out, marks=[VOCAB_DONE], log_path=log_path)
        writes = None
    if res.rc != 0:
        sys.exit(f"bench_model.py: {' '.join(cmd)} failed (exit {res.rc}); see {log_path}")
    t_vocab = res.marks.get(VOCAB_DONE)
    text = res.text()
    rec = {"label": label, "cmd": " ".join(res.cmd), "wall_s": res.wall_s,
           "train_s": res.wall_s - t_vocab if t_vocab is not None else None,
           "cpu_s": res.user_s + res.sys_s,
           "cpu_percent": res.cpu_percent, "others_cpu_percent": res.others_cpu_percent,
           "load_before": load0, "load_after": bl.load_average()[0], "epoch_wps": epoch_rates(text),
           "losses": epoch_losses(text), "writes": writes}
    words = args.corpus_words * args.iter
    rec["wps"] = words / rec["train_s"] if rec["train_s"] else None
    log(f"  {label:24} train {bl.fmt(rec['train_s'])} s  wall {res.wall_s:.1f} s  "
        f"{bl.fmt((rec['wps'] or 0) / 1e3, '.0f')}k words/s"
        + (f"  (epoch line {rec['epoch_wps'][-1] / 1e3:.0f}k)" if rec["epoch_wps"] else "")
        + (f"  {writes} checkpoint writes" if writes is not None else "")
        + f"  others {res.others_cpu_percent:.0f}% CPU  load {load0:.1f}")
    return rec


def pairs(a_name: str, a_run, b_name: str, b_run, n: int) -> List[Dict[str, dict]]:
    """n interleaved pairs; pair i runs a first when i is even, b first when odd."""
    out = []
    for i in range(n):
        order = [(a_name, a_run), (b_name, b_run)] if i % 2 == 0 else [(b_name, b_run), (a_name, a_run)]
        rec = {}
        for name, run in order:
            rec[name] = run(f"{name}-{i + 1}")
        out.append(rec)
    return out


def cpu_s(rec: dict) -> float:
    """CPU seconds of a whole run (process start, vocabulary, training, output)."""
    return rec["cpu_s"] if "cpu_s" in rec else rec["cpu_percent"] * rec["wall_s"] / 100.0


def median_ratio(prs: List[Dict[str, dict]], num: str, den: str, key: str = "train_s") -> float:
    if key == "cpu_s":
        return statistics.median(cpu_s(p[num]) / cpu_s(p[den]) for p in prs)
    return statistics.median(p[num][key] / p[den][key] for p in prs)


# --------------------------------------------------------------------------- parts
def part_loss(args, corpus: str) -> dict:
    result = {}
    for model in args.loss_models:
        log(f"loss: {model}, {args.pairs} interleaved pairs (new = {args.w2v}, old = {args.old_w2v})")
        out = os.path.join(args.out, f"loss-{model}.bin")
        prs = pairs("new", lambda lab: train_run(args.w2v, corpus, model, args, out, label=f"loss-{model}-{lab}"),
                    "old", lambda lab: train_run(args.old_w2v, corpus, model, args, out, label=f"loss-{model}-{lab}"),
                    args.pairs)
        result[model] = {"pairs": prs, "time_ratio": median_ratio(prs, "new", "old"),
                         "wall_ratio": median_ratio(prs, "new", "old", "wall_s"),
                         "new_wps": statistics.median(p["new"]["wps"] for p in prs),
                         "old_wps": statistics.median(p["old"]["wps"] for p in prs)}
    return result


def part_checkpoint(args, corpus: str) -> dict:
    model = args.checkpoint_model
    ck = os.path.join(args.out, "ck.w2vm")
    out = os.path.join(args.out, "ck-run.bin")
    extra = ["-checkpoint", ck, "-checkpoint-every", format(args.checkpoint_every, "g")]
    log(f"checkpoint: {model}, -checkpoint-every {args.checkpoint_every:g} min, {args.ck_pairs} interleaved pairs")
    prs = pairs("checkpoint", lambda lab: train_run(args.w2v, corpus, model, args, out, extra, f"ck-{lab}", watch=ck),
                "none", lambda lab: train_run(args.w2v, corpus, model, args, out, label=f"ck-{lab}"),
                args.ck_pairs)
    log("  timing one checkpoint write alone (the last checkpoint, saved again) ...")
    r = bl.run_child([sys.executable, os.path.abspath(__file__), "_time-save", ck,
                      "--repeat", str(args.repeat)])
    if r.rc != 0:
        sys.exit(f"bench_model.py: timing the checkpoint write failed:\n{r.text()}")
    save = json.loads(r.stdout.decode().strip().splitlines()[-1])
    ratio = median_ratio(prs, "checkpoint", "none")
    extra_s = statistics.median(p["checkpoint"]["train_s"] - p["none"]["train_s"] for p in prs)
    writes = statistics.median(p["checkpoint"]["writes"] for p in prs)
    return {"pairs": prs, "time_ratio": ratio, "extra_s": extra_s, "writes": writes,
            "extra_per_write_s": extra_s / writes if writes else None, "save": save,
            "every_min": args.checkpoint_every}


def part_quality(args, corpus: str) -> dict:
    result = {}
    for model in args.quality_models:
        path = os.path.join(args.out, f"quality-{model}.w2vm")
        vec = os.path.join(args.out, f"quality-{model}.bin")
        log(f"quality: {model}, -iter {args.quality_iter}, -save-model")
        qa = argparse.Namespace(**{**vars(args), "iter": args.quality_iter})
        run = train_run(args.w2v, corpus, model, qa, vec, ["-save-model", path], f"quality-{model}")
        r = bl.run_child([sys.executable, os.path.abspath(__file__), "_evaluate-model", path,
                          "--questions", args.questions, "--pairs", args.wordsim] +
                         (["--simlex", args.simlex] if args.simlex else []))
        if r.rc != 0:
            sys.exit(f"bench_model.py: evaluating {path} failed:\n{r.text()}")
        ev = json.loads(r.stdout.decode().strip().splitlines()[-1])
        for name, e in ev.items():
            log(f"  {model} {name:4} analogy {e['analogy']['overall']:.2f} % "
                f"(sem {e['analogy']['semantic']:.2f}, syn {e['analogy']['syntactic']:.2f})  "
                f"WS353 {e['wordsim']['spearman']:.3f}"
                + (f"  SimLex {e['simlex']['spearman']:.3f}" if "simlex" in e else ""))
        result[model] = {"run": run, "eval": ev}
    return result


def part_modelfile(args) -> dict:
    log(f"modelfile: {args.mf_words:,} words x {args.mf_dim} (syn0 + syn1neg), best and median of {args.repeat}")
    r = bl.run_child([sys.executable, os.path.abspath(__file__), "_modelfile", "--dir", args.out,
                      "--words", str(args.mf_words), "--dim", str(args.mf_dim), "--repeat", str(args.repeat)],
                     log_path=os.path.join(args.out, "modelfile.log"))
    if r.rc != 0:
        sys.exit(f"bench_model.py: the model-file part failed:\n{r.text()}")
    res = json.loads(r.stdout.decode().strip().splitlines()[-1])
    res["peak_rss_mib"] = r.peak_rss_mib
    for name, t in res["times"].items():
        log(f"  {name:34} median {t['median']:.3f} s  best {t['best']:.3f} s")
    return res


# --------------------------------------------------------------------------- children
def _time(fn, repeat: int) -> dict:
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return {"median": statistics.median(ts), "best": min(ts), "all": ts}


def child_time_save(argv: Sequence[str]) -> None:
    """Save a checkpoint again as the trainer does (Checkpointer.write)."""
    ap = argparse.ArgumentParser(prog="bench_model.py _time-save")
    ap.add_argument("path")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    from w2v.model import Model
    from w2v.trainer import Checkpointer

    m = Model.load(a.path, mmap=False)
    target = a.path + ".again"
    ck = Checkpointer(target, 0.0)
    t = _time(lambda: ck.write(m), a.repeat)
    t.update({"bytes": os.path.getsize(target), "words": len(m.vocab), "dim": m.params.size})
    os.unlink(target)
    print(json.dumps(t))


def child_evaluate_model(argv: Sequence[str]) -> None:
    ap = argparse.ArgumentParser(prog="bench_model.py _evaluate-model")
    ap.add_argument("path")
    ap.add_argument("--questions", required=True)
    ap.add_argument("--pairs", required=True)
    ap.add_argument("--simlex")
    a = ap.parse_args(argv)
    from w2v.model import Model
    from w2v.vectors import Vectors

    m = Model.load(a.path)
    out = {}
    # bytes words, so that _benchlib drops the </s> row as for every vectors file
    for name, matrix in (("w", m.syn0), ("w+c", m.output_matrix(add_context=True))):
        v = Vectors(list(m.vocab.words), matrix)
        e = {"analogy": bl.analogy_accuracy(v, a.questions), "wordsim": bl.wordsim_spearman(v, a.pairs)}
        if a.simlex:
            e["simlex"] = bl.wordsim_spearman(v, a.simlex)
        e["analogy"].pop("sections")
        out[name] = e
    print(json.dumps(out))


def child_modelfile(argv: Sequence[str]) -> None:
    ap = argparse.ArgumentParser(prog="bench_model.py _modelfile")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--words", type=int, required=True)
    ap.add_argument("--dim", type=int, required=True)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    import numpy as np

    import w2v
    from w2v.config import Params
    from w2v.model import Model, Progress
    from w2v.vectors import save_word2vec
    from w2v.vocab import Vocab

    rng = np.random.default_rng(1)
    V, D = a.words, a.dim
    words = [b"</s>"] + [b"w%d" % i for i in range(1, V)]
    counts = np.concatenate([[1000], np.sort(rng.integers(5, 10**6, V - 1))[::-1]]).astype(np.int64)
    vocab = Vocab(words, counts)
    params = Params(size=D, cbow=0, negative=5, hs=0, iter=5)
    syn0 = rng.standard_normal((V, D), dtype=np.float32)
    syn1neg = rng.standard_normal((V, D), dtype=np.float32)
    progress = Progress.plan(5, int(counts.sum()), 2, 1, "bench")
    model = Model(params, vocab, syn0, None, syn1neg, progress)
    mpath = os.path.join(a.dir, "big.w2vm")
    vpath = os.path.join(a.dir, "big.bin")
    times: Dict[str, dict] = {}
    sink = []

    def touch(v) -> None:          # read every row once (a mapped file is read lazily)
        sink.append(float(np.asarray(v, dtype=np.float32).sum(dtype=np.float64)))

    times["Model.save"] = _time(lambda: model.save(mpath), a.repeat)
    times["Model.load (mmap, verify)"] = _time(lambda: Model.load(mpath), a.repeat)
    times["Model.load (mmap, no verify)"] = _time(lambda: Model.load(mpath, verify=False), a.repeat)

    def load_and_read() -> None:
        m = Model.load(mpath, verify=False)
        touch(m.syn0)
        touch(m.syn1neg)

    times["Model.load (mmap, no verify) + read"] = _time(load_and_read, a.repeat)
    times["Model.load (copy, verify)"] = _time(lambda: Model.load(mpath, mmap=False), a.repeat)
    times["w2v.load(model file)"] = _time(lambda: w2v.load(mpath, errors="bytes"), a.repeat)
    times["save_word2vec binary (syn0)"] = _time(lambda: save_word2vec(vpath, words, syn0, binary=True), a.repeat)
    times["w2v.load(binary vectors)"] = _time(lambda: w2v.load(vpath, errors="bytes"), a.repeat)
    sizes = {"model_bytes": os.path.getsize(mpath), "binary_bytes": os.path.getsize(vpath)}
    for p in (mpath, vpath):
        os.unlink(p)
    print(json.dumps({"times": times, **sizes, "words": V, "dim": D}))


# --------------------------------------------------------------------------- report
def report(meta: dict, res: dict) -> str:
    lines = [f"date: {meta['date']}  commit: {meta['commit']}", f"command: {meta['command']}",
             f"corpus: {meta['corpus']} ({meta['corpus_words']:,} words), threads {meta['threads']}, "
             f"cores {meta['cores']}; flags {meta['flags']}",
             f"load average (1 min): {bl.fmt(meta['load_start'], '.2f')} at start, "
             f"{bl.fmt(meta['load_end'], '.2f')} at end"]
    if "loss" in res:
        lines += ["", f"Loss reporting: new vs old build, -iter {meta['iter']}, median of interleaved pairs "
                  "(ratio > 1: new slower)"]
        rows = []
        for model, r in res["loss"].items():
            per = " ".join(f"{p['new']['train_s'] / p['old']['train_s']:.3f}" for p in r["pairs"])
            rows.append([model, len(r["pairs"]), f"{r['new_wps'] / 1e3:.0f}k", f"{r['old_wps'] / 1e3:.0f}k",
                         f"{r['time_ratio']:.3f}", f"{r['wall_ratio']:.3f}",
                         f"{median_ratio(r['pairs'], 'new', 'old', 'cpu_s'):.3f}", per,
                         f"{statistics.median(p[k]['others_cpu_percent'] for p in r['pairs'] for k in p):.0f}%"])
        lines.append(bl.format_table(["model", "pairs", "new words/s", "old words/s", "train-time ratio",
                                      "wall ratio", "CPU-time ratio", "per pair (train time)", "others' CPU"],
                                     rows))
    if "checkpoint" in res:
        r = res["checkpoint"]
        s = r["save"]
        lines += ["", f"Checkpoints every {r['every_min']:g} min vs none, {meta['checkpoint_model']}, "
                  f"-iter {meta['iter']}, median of interleaved pairs"]
        per = " ".join(f"{p['checkpoint']['train_s'] / p['none']['train_s']:.3f}" for p in r["pairs"])
        lines.append(bl.format_table(
            ["pairs", "writes/run", "train-time ratio", "CPU-time ratio", "extra s/run", "extra s/write",
             "save alone (median)", "file MB", "per pair"],
            [[len(r["pairs"]), bl.fmt(r["writes"], ".0f"), f"{r['time_ratio']:.3f}",
              f"{median_ratio(r['pairs'], 'checkpoint', 'none', 'cpu_s'):.3f}", f"{r['extra_s']:.2f}",
              bl.fmt(r["extra_per_write_s"], ".3f"), f"{s['median']:.3f} s", f"{s['bytes'] / 1e6:.1f}", per]]))
    if "quality" in res:
        lines += ["", f"w vs w+c, -iter {meta['quality_iter']} (analogy: top {bl.ANALOGY_RESTRICT:,} words)"]
        rows = []
        for model, r in res["quality"].items():
            for name, e in r["eval"].items():
                an = e["analogy"]
                rows.append([model, name, f"{an['overall']:.2f}", f"{an['semantic']:.2f}", f"{an['syntactic']:.2f}",
                             f"{an['seen']}/{an['total']}", f"{e['wordsim']['spearman']:.3f}",
                             bl.fmt(e.get("simlex", {}).get("spearman"), ".3f")])
        lines.append(bl.format_table(["model", "vectors", "analogy %", "semantic", "syntactic", "seen",
                                      "WS353", "SimLex"], rows))
    if "modelfile" in res:
        r = res["modelfile"]
        lines += ["", f"Model file: {r['words']:,} words x {r['dim']}: model {r['model_bytes'] / 1e9:.2f} GB, "
                  f"binary vectors {r['binary_bytes'] / 1e9:.2f} GB (warm page cache)"]
        lines.append(bl.format_table(["operation", "median s", "best s"],
                                     [[k, f"{t['median']:.3f}", f"{t['best']:.3f}"] for k, t in r["times"].items()]))
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    children = {"_time-save": child_time_save, "_evaluate-model": child_evaluate_model,
                "_modelfile": child_modelfile}
    if argv and argv[0] in children:
        children[argv[0]](argv[1:])
        return 0
    if argv[:1] == ["--report"] and len(argv) == 2:     # the tables again, from a summary.json
        with open(argv[1]) as f:
            saved = json.load(f)
        print(report(saved["meta"], saved["results"]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", default=",".join(PARTS), help=f"comma list of {', '.join(PARTS)} [default: all]")
    ap.add_argument("--report", metavar="JSON", help="only print the tables of an earlier run's summary.json")
    ap.add_argument("--corpus", default=shared("wiki17m.txt.gz"),
                    help="training text, plain or compressed [default: ../shared/data/wiki17m.txt.gz]")
    ap.add_argument("--threads", type=int, default=2, help="[default: 2]")
    ap.add_argument("--iter", type=int, default=1, help="epochs of the timed runs [default: 1]")
    ap.add_argument("--w2v", default=os.path.join(os.path.dirname(sys.executable), "w2v"),
                    help="w2v command under test [default: the one beside this python]")
    ap.add_argument("--old-w2v", help="w2v command of the build to compare with (part loss)")
    ap.add_argument("--loss-models", default="sg-ns", help="comma list of sg-ns, cbow-ns [default: sg-ns]")
    ap.add_argument("--pairs", type=int, default=5, help="interleaved pairs, part loss [default: 5]")
    ap.add_argument("--ck-pairs", type=int, default=3, help="interleaved pairs, part checkpoint [default: 3]")
    ap.add_argument("--checkpoint-model", default="sg-ns", choices=["sg-ns", "cbow-ns"])
    ap.add_argument("--checkpoint-every", type=float, default=0.05, metavar="MIN", help="[default: 0.05 = 3 s]")
    ap.add_argument("--quality-models", default="sg-ns,cbow-ns", help="[default: sg-ns,cbow-ns]")
    ap.add_argument("--quality-iter", type=int, default=5, help="[default: 5]")
    ap.add_argument("--questions", default=shared("questions-words.txt"))
    ap.add_argument("--wordsim", default=shared("wordsim353.tsv"))
    ap.add_argument("--simlex", default=shared("simlex999.txt"),
                    help="SimLex-999 pairs ('' to skip)")
    ap.add_argument("--mf-words", type=int, default=1_000_000, help="model-file part: words [default: 1000000]")
    ap.add_argument("--mf-dim", type=int, default=300, help="model-file part: dimensions [default: 300]")
    ap.add_argument("--repeat", type=int, default=3, help="repeats of each timed save/load [default: 3]")
    ap.add_argument("--out", default=os.path.join(bl.DEFAULT_OUT, "model"), help="[default: bench-out/model]")
    ap.add_argument("--cache", default=bl.DEFAULT_CACHE, help="decompressed corpora [default: bench-out/cache]")
    args = ap.parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    for p in parts:
        if p not in PARTS:
            ap.error(f"unknown part {p!r} (choose from {', '.join(PARTS)})")
    args.loss_models = [m for m in args.loss_models.split(",") if m]
    args.quality_models = [m for m in args.quality_models.split(",") if m]
    for m in args.loss_models + args.quality_models:
        if m not in MODELS or MODELS[m]["negative"] == 0:
            ap.error(f"unknown or non-negative-sampling model {m!r} (choose sg-ns or cbow-ns)")
    if "loss" in parts and not (args.old_w2v and os.path.exists(args.old_w2v)):
        ap.error("part loss needs --old-w2v (the w2v command of the build to compare with)")
    if not os.path.exists(args.w2v):
        ap.error(f"{args.w2v} not found (make install, or --w2v)")
    args.out = os.path.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": bl.git_describe(), "command": " ".join(["scripts/bench_model.py"] + argv),
            "threads": args.threads, "cores": bl.cores(), "iter": args.iter, "quality_iter": args.quality_iter,
            "checkpoint_model": args.checkpoint_model, "load_start": bl.load_average()[0],
            "flags": " ".join(f"-{k} {v:g}" if isinstance(v, float) else f"-{k} {v}" for k, v in COMMON.items())
            + f" -threads {args.threads} -binary 1"}
    corpus = bl.plain_corpus(args.corpus, args.cache, log)
    args.corpus_words, _ = bl.count_words(corpus, args.cache)
    meta.update({"corpus": args.corpus, "corpus_words": args.corpus_words})
    res: dict = {}
    runners = {"loss": lambda: part_loss(args, corpus), "checkpoint": lambda: part_checkpoint(args, corpus),
               "quality": lambda: part_quality(args, corpus), "modelfile": lambda: part_modelfile(args)}
    for part in PARTS:
        if part in parts:
            res[part] = runners[part]()
            meta["load_end"] = bl.load_average()[0]
            text = report(meta, res)          # written after each part: a later failure keeps it
            with open(os.path.join(args.out, "summary.json"), "w") as f:
                json.dump({"meta": meta, "results": res}, f, indent=1, default=str)
            with open(os.path.join(args.out, "summary.txt"), "w") as f:
                f.write(text + "\n")
    print("\n" + text)
    log(f"\nwrote {os.path.join(args.out, 'summary.txt')} and summary.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
