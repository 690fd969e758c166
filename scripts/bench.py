#!/usr/bin/env python3
"""Speed and quality of w2v against the original word2vec C tool and gensim.

Each selected tool trains each selected model on the same plain-text corpus
with the same flags and thread count, one run after the other; every vectors
file is then scored by the same evaluator (scripts/_benchlib.py).  With
--runs N every (model, tool) runs N times, interleaved (round r runs every
model x tool once before round r+1): speed is the fastest run's, quality the
mean over the runs (each run's value is kept in summary.json and shown).
GFLOP/s per core: the floating-point operations the model's settings need
per kept word (flops_per_kept_word) x kept words per second / threads,
against a peak of --peak-gflops per core.

    python scripts/bench.py                      # wiki17m, 2 threads, all models, all tools
    python scripts/bench.py --quick              # wiki1m, -iter 1
    python scripts/bench.py --models sg-ns --tools w2v,c --threads 2
    python scripts/bench.py --runs 3 --models cbow-demo   # fastest of 3 interleaved runs

Words/sec = corpus words (whitespace tokens of the training file, the same
number for every tool) x iter / training wall time, where training wall time
is everything after the vocabulary is built: weight and table set-up,
training, writing the vectors file.  "total" also includes process start
and the vocabulary pass.  See docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import sys
from typing import Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _benchlib as bl  # noqa: E402

_DEFAULTS = {"size": 100, "window": 5, "sample": 1e-3}
# Each model's settings, passed the same to w2v, C and gensim.  cbow-demo is the
# C tool's demo-word.sh; sg-ns15 skip-gram with many negatives.
MODELS = {
    "sg-ns": {"cbow": 0, "hs": 0, "negative": 5, **_DEFAULTS},
    "cbow-ns": {"cbow": 1, "hs": 0, "negative": 5, **_DEFAULTS},
    "sg-hs": {"cbow": 0, "hs": 1, "negative": 0, **_DEFAULTS},
    "cbow-demo": {"cbow": 1, "hs": 0, "negative": 25, "size": 200, "window": 8, "sample": 1e-4},
    "sg-ns15": {"cbow": 0, "hs": 0, "negative": 15, "size": 100, "window": 5, "sample": 1e-4},
    "sg-hs300": {"cbow": 0, "hs": 1, "negative": 0, **_DEFAULTS, "size": 300},
    "cbow-hs": {"cbow": 1, "hs": 1, "negative": 0, **_DEFAULTS},
}
DEFAULT_MODELS = "sg-ns,cbow-ns,sg-hs"
TOOLS = ("w2v", "c", "gensim")
COMMON = {"min-count": 5}
# (min speed ratio vs C, min speed ratio vs gensim); None: no target.  sg-ns,
# cbow-ns and sg-hs's gensim figure from issue 2, the rest from issue 20.
SPEED_TARGETS = {"sg-ns": (2.0, 1.5), "cbow-ns": (1.5, 1.5), "sg-hs": (3.0, 1.5),
                 "cbow-demo": (8.0, 3.0), "sg-hs300": (3.0, None)}
ACC_TOLERANCE = 1.0       # analogy: percentage points below C
WS_TOLERANCE = 0.01       # WordSim-353 Spearman below C
VOCAB_DONE = "Words in train file"   # printed by C and w2v right after the vocabulary


def c_alpha(cbow: int) -> float:
    return 0.05 if cbow else 0.025


def model_flags(model: str) -> Dict[str, object]:
    """The model's training settings with the common ones (-min-count)."""
    return {**MODELS[model], **COMMON}


def flag_list(flags: Dict[str, object]) -> List[str]:
    out: List[str] = []
    for k, v in flags.items():
        out += ["-" + k, format(v, "g") if isinstance(v, float) else str(v)]
    return out


def train_flags(model: str, args) -> List[str]:
    return flag_list({**model_flags(model), "iter": args.iter, "threads": args.threads, "binary": 1})


FLOPS_PER_CYCLE = 32      # FP32: 2 x 256-bit FMA units x 8 lanes x 2 flops


def flops_per_kept_word(model: str, code_len: Optional[float] = None) -> float:
    """Floating-point operations a model's settings need per kept centre word
    (a multiply-add counts 2, a plain add or multiply 1; sigmoid, loss and
    learning-rate work not counted).  D = size; c = window + 1 is the
    expected number of contexts of a centre word under C's dynamic window
    (b uniform in 0..window-1, 2 x (window - b) contexts, mean window + 1;
    clipping at sentence ends is ignored); t = targets per prediction:
    1 + negative for negative sampling, the mean Huffman code length
    *code_len* (weighted by the kept words) for hierarchical softmax, their
    sum when both are on.  Each target costs a dot product and two axpys
    (gradient into the hidden vector, update of the output row): 3 D
    multiply-adds.

    * skip-gram: c pairs x t targets x 3 D multiply-adds, plus c x D adds
      (each context row gets its accumulated error);
    * CBOW: c x D adds (sum of the contexts), D multiplies (the mean),
      t x 3 D multiply-adds, c x D adds (the error to every context row).

    By hand, sg-ns (D 100, window 5, negative 5): c = 6, t = 6,
    2 x 6 x 6 x 300 + 6 x 100 = 21,600 + 600 = 22,200 flops;
    cbow-demo (D 200, window 8, negative 25): c = 9, t = 26,
    9 x 200 + 200 + 2 x 26 x 600 + 9 x 200 = 1,800 + 200 + 31,200 + 1,800 = 35,000."""
    m = MODELS[model]
    D, c = m["size"], m["window"] + 1
    t = (1 + m["negative"] if m["negative"] else 0) + (code_len if m["hs"] else 0)
    if m["hs"] and code_len is None:
        raise ValueError("hierarchical softmax needs the mean code length")
    if m["cbow"]:
        return c * D + D + 2 * t * 3 * D + c * D
    return 2 * c * t * 3 * D + c * D


def default_peak_gflops() -> Optional[float]:
    """FP32 peak per core: the first "cpu MHz" of /proc/cpuinfo x FLOPS_PER_CYCLE."""
    try:
        with open("/proc/cpuinfo") as f:
            found = re.search(r"^cpu MHz\s*:\s*([0-9.]+)", f.read(), re.M)
    except OSError:
        return None
    return float(found.group(1)) * FLOPS_PER_CYCLE / 1e3 if found else None


def add_gflops(results: Dict[str, Dict[str, dict]], stats: dict, args) -> Dict[str, dict]:
    """GFLOP/s per core of every (fastest) run: flops per kept word x kept
    words x iter / train s / threads; and its share of args.peak_gflops.
    Returns the per-model operation counts."""
    ops = {}
    for model, by_tool in results.items():
        m = MODELS[model]
        st = stats["sample"][format(m["sample"], "g")]
        flops = flops_per_kept_word(model, st["hs_code_len"])
        ops[model] = {"flops_per_kept_word": flops, "kept_words": st["kept"], "hs_code_len": st["hs_code_len"]}
        for r in by_tool.values():
            if r.get("failed") or not r.get("train_s"):
                continue
            r["gflops_per_core"] = flops * st["kept"] * args.iter / r["train_s"] / args.threads / 1e9
            if args.peak_gflops:
                r["peak_percent"] = 100 * r["gflops_per_core"] / args.peak_gflops
    return ops


def w2v_command(args) -> List[str]:
    script = os.path.join(os.path.dirname(args.w2v_python), "w2v")
    if os.path.isfile(script):
        return [script]
    return [args.w2v_python, "-m", "w2v"]


def last_progress(text: str) -> Optional[float]:
    found = re.findall(r"Progress:\s*([0-9.]+)%", text)
    return float(found[-1]) if found else None


def run_tool(tool: str, model: str, corpus: str, args, log, run: int = 0) -> dict:
    """One training run of *tool* on *model* (*run*: its round, 0-based),
    scored by the shared evaluator."""
    stem = f"{tool}-{model}" + (f"-r{run + 1}" if args.runs > 1 else "")
    out_vec = os.path.join(args.out, stem + ".bin")
    log_path = os.path.join(args.out, stem + ".log")
    if os.path.exists(out_vec):
        os.unlink(out_vec)
    if args.wait_quiet:
        bl.wait_for_quiet(args.wait_quiet, args.wait_timeout, log=log)
    rec: dict = {"tool": tool, "model": model, "run": run + 1, "vectors": out_vec, "log": log_path,
                 "load_before": bl.load_average()[0]}
    if tool == "gensim":
        m = MODELS[model]
        cmd = [args.gensim_python, os.path.join(bl.REPO, "scripts", "_benchlib.py"), "gensim-train",
               "--corpus", corpus, "--output", out_vec, "--sg", str(1 - m["cbow"]), "--hs", str(m["hs"]),
               "--negative", str(m["negative"]), "--size", str(m["size"]),
               "--window", str(m["window"]), "--sample", format(m["sample"], "g"),
               "--iter", str(args.iter), "--min-count", str(COMMON["min-count"]),
               "--threads", str(args.threads), "--alpha", str(c_alpha(m["cbow"]))]
        res = bl.run_child(cmd, cwd=args.out, log_path=log_path)
        if res.rc == 0:
            inner = json.loads(res.stdout.decode().strip().splitlines()[-1])
            rec["train_s"] = inner["train_s"] + inner["save_s"]
            rec["gensim"] = inner
            rec["progress_end"] = 100.0 * inner["raw_words_trained"] / max(1, args.iter * inner["corpus_total_words"])
    else:
        if tool == "c":
            # line-buffered stdout so "Words in train file" arrives when printed
            cmd = ["stdbuf", "-oL", args.c_binary] if args.stdbuf else [args.c_binary]
        else:
            cmd = w2v_command(args) + ["train"]
        cmd += ["-train", corpus, "-output", out_vec] + train_flags(model, args)
        res = bl.run_child(cmd, cwd=args.out, marks=[VOCAB_DONE], log_path=log_path)
        if res.rc == 0:
            t_vocab = res.marks.get(VOCAB_DONE)
            rec["train_s"] = res.wall_s - t_vocab if t_vocab is not None else None
            rec["progress_end"] = last_progress(res.text())
    rec.update({"cmd": " ".join(res.cmd), "rc": res.rc, "wall_s": res.wall_s, "peak_rss_mib": res.peak_rss_mib,
                "cpu_percent": res.cpu_percent, "others_cpu_percent": res.others_cpu_percent,
                "load_after": bl.load_average()[0]})
    if res.rc != 0 or not os.path.exists(out_vec):
        log(f"  {tool} {model}: FAILED (exit {res.rc}); see {log_path}")
        tail = res.text().strip().splitlines()[-3:]
        for line in tail:
            log("    " + line[-200:])
        rec["failed"] = True
        return rec
    words = args.corpus_words * args.iter
    rec["words_per_sec"] = words / rec["train_s"] if rec.get("train_s") else None
    rec["words_per_sec_total"] = words / res.wall_s
    ev = bl.evaluate_in_child(out_vec, args.questions, args.pairs)
    rec.update(ev)
    log(f"  {tool:6} {model:9} run {run + 1}  train {rec['train_s']:.1f}s  total {res.wall_s:.1f}s  "
        f"{rec['words_per_sec'] / 1e3:.0f}k words/s  RSS {res.peak_rss_mib:.0f} MiB  "
        f"CPU {res.cpu_percent:.0f}% (others {res.others_cpu_percent:.0f}%)  analogy {bl.fmt(ev.get('analogy', {}).get('overall'), '.2f')}%  "
        f"ws353 {bl.fmt(ev.get('wordsim', {}).get('spearman'), '.3f')}")
    return rec


def cross_check(rec: dict, args, log) -> None:
    """Compare the built-in evaluator with gensim's and with C's compute-accuracy
    on one vectors file, using compute-accuracy's exact vocabulary (first 30,000
    rows of the file, ``</s>`` included)."""
    v = bl.load_vectors(rec["vectors"])
    ours = bl.analogy_accuracy(v, args.questions, drop_eos=False)
    ws = bl.wordsim_spearman(v, args.pairs)
    checks = {"ours": {k: ours[k] for k in ("overall", "semantic", "syntactic", "correct", "seen")},
              "ours_ws353": ws["spearman"]}
    if args.gensim_python:
        r = bl.run_child([args.gensim_python, os.path.join(bl.REPO, "scripts", "_benchlib.py"), "gensim-eval",
                          rec["vectors"], "--questions", args.questions, "--pairs", args.pairs])
        if r.rc == 0:
            g = json.loads(r.stdout.decode().strip().splitlines()[-1])
            checks["gensim"] = bl.summarise_sections(g["sections"])
            checks["gensim_ws353"] = g["spearman"]
    acc = bl.find_tool("word2vec-compute-accuracy", args.w2v_python)
    if acc:
        r = bl.run_child([acc, rec["vectors"], str(bl.ANALOGY_RESTRICT)], stdin_path=args.questions)
        text = r.text()
        tot = re.findall(r"Total accuracy: ([0-9.]+) %\s+Semantic accuracy: ([0-9.]+) %\s+"
                         r"Syntactic accuracy: ([0-9.]+) %", text)
        seen = re.findall(r"Questions seen / total: (\d+) (\d+)", text)
        if tot and seen:
            checks["compute_accuracy"] = {"overall": float(tot[-1][0]), "semantic": float(tot[-1][1]),
                                          "syntactic": float(tot[-1][2]), "seen": int(seen[-1][0])}
    rec["cross_check"] = checks
    log(f"  cross-check {rec['tool']} {rec['model']}: " + json.dumps(checks, default=str))


def _mean(values: List[float]) -> Optional[float]:
    return sum(values) / len(values) if values else None


def aggregate(runs: List[dict]) -> dict:
    """One record from a (model, tool)'s runs: speed (train/total time,
    words/s, RSS, CPU) is the fastest run's (highest words/s), quality the
    mean over the successful runs, whose per-run values are kept in
    ``analogy_runs`` / ``ws353_runs``; ``runs`` holds every run's record.
    Failed when every run failed."""
    good = [r for r in runs if not r.get("failed") and r.get("words_per_sec")]
    if not good:
        return {**runs[0], "failed": True, "runs": runs, "failed_runs": len(runs)}
    fastest = max(good, key=lambda r: r["words_per_sec"])
    agg = {k: v for k, v in fastest.items() if k not in ("analogy", "wordsim", "cross_check")}
    agg.update({"fastest_run": fastest["run"], "runs": runs, "failed_runs": len(runs) - len(good)})
    acc = [r["analogy"] for r in good if r.get("analogy")]
    if acc:
        agg["analogy"] = {k: _mean([a[k] for a in acc]) for k in ("overall", "semantic", "syntactic")}
        agg["analogy"].update(seen=acc[0]["seen"], total=acc[0]["total"])
        agg["analogy_runs"] = [a["overall"] for a in acc]
    ws = [r["wordsim"]["spearman"] for r in good if r.get("wordsim")]
    if ws:
        agg["wordsim"] = {"spearman": _mean(ws)}
        agg["ws353_runs"] = ws
    if "cross_check" in runs[0]:
        agg["cross_check"] = runs[0]["cross_check"]
    return agg


def per_run(values: Optional[List[float]], spec: str) -> str:
    """Per-run values, compactly: ``35.25/35.28/35.51``."""
    return "/".join(format(v, spec) for v in values) if values else "-"


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a is not None and b else None


def compare(results: Dict[str, Dict[str, dict]]) -> List[dict]:
    """w2v against C and gensim for each model, with the issue's targets."""
    rows = []
    for model, by_tool in results.items():
        w = by_tool.get("w2v")
        if not w or w.get("failed"):
            continue
        for other in ("c", "gensim"):
            o = by_tool.get(other)
            if not o or o.get("failed"):
                continue
            target = SPEED_TARGETS.get(model, (None, None))[0 if other == "c" else 1]
            sp = ratio(w.get("words_per_sec"), o.get("words_per_sec"))
            row = {"model": model, "vs": other, "speed_ratio": sp, "speed_target": target,
                   "speed_ok": None if target is None else (sp is not None and sp >= target),
                   "total_ratio": ratio(w.get("words_per_sec_total"), o.get("words_per_sec_total")),
                   "rss_ratio": ratio(w["peak_rss_mib"], o["peak_rss_mib"])}
            wa, oa = w.get("analogy", {}).get("overall"), o.get("analogy", {}).get("overall")
            ws, os_ = w.get("wordsim", {}).get("spearman"), o.get("wordsim", {}).get("spearman")
            row["analogy_diff"] = wa - oa if wa is not None and oa is not None else None
            row["ws353_diff"] = ws - os_ if ws is not None and os_ is not None else None
            if other == "c":
                row["analogy_ok"] = row["analogy_diff"] is not None and row["analogy_diff"] >= -ACC_TOLERANCE
                row["ws353_ok"] = row["ws353_diff"] is not None and row["ws353_diff"] >= -WS_TOLERANCE
                row["rss_ok"] = w["peak_rss_mib"] <= o["peak_rss_mib"]
            rows.append(row)
    return rows


def ok(flag: Optional[bool]) -> str:
    return "" if flag is None else (" ok" if flag else " MISS")


def report(meta: dict, results: Dict[str, Dict[str, dict]], comparisons: List[dict], markdown: bool) -> str:
    head = ["tool", "model", "train s", "total s", "kwords/s", "kwords/s total", "GFLOP/s/core", "% peak",
            "peak RSS MiB", "CPU %", "others CPU %",
            "analogy %", "sem %", "syn %", "seen", "WS353", "progress %"]
    many = meta.get("runs", 1) > 1
    if many:
        head[2:2] = ["fastest run"]
        head += ["analogy % per run", "WS353 per run"]
    rows = []
    for model, by_tool in results.items():
        for tool, r in by_tool.items():
            if r.get("failed"):
                rows.append([tool, model, "failed"] + [""] * (len(head) - 3))
                continue
            a = r.get("analogy", {})
            row = [tool, model, bl.fmt(r.get("train_s")), bl.fmt(r["wall_s"]),
                   bl.fmt(r["words_per_sec"] / 1e3, ".0f") if r.get("words_per_sec") else "-",
                   bl.fmt(r["words_per_sec_total"] / 1e3, ".0f"), bl.fmt(r.get("gflops_per_core"), ".2f"),
                   bl.fmt(r.get("peak_percent"), ".1f"), bl.fmt(r["peak_rss_mib"], ".0f"),
                   bl.fmt(r["cpu_percent"], ".0f"), bl.fmt(r.get("others_cpu_percent"), ".0f"),
                   bl.fmt(a.get("overall"), ".2f"),
                   bl.fmt(a.get("semantic"), ".2f"), bl.fmt(a.get("syntactic"), ".2f"),
                   f"{a['seen']}/{a['total']}" if a else "-",
                   bl.fmt(r.get("wordsim", {}).get("spearman"), ".3f"),
                   bl.fmt(r.get("progress_end"), ".1f")]
            if many:
                failed = f" ({r['failed_runs']} failed)" if r.get("failed_runs") else ""
                row[2:2] = [f"{r['fastest_run']}/{len(r['runs'])}{failed}"]
                row += [per_run(r.get("analogy_runs"), ".2f"), per_run(r.get("ws353_runs"), ".3f")]
            rows.append(row)
    chead = ["model", "w2v vs", "speed ratio (target)", "total-time ratio", "RSS ratio",
             "analogy diff (pts)", "WS353 diff"]
    crows = []
    for c in comparisons:
        crows.append([c["model"], c["vs"],
                      f"{bl.fmt(c['speed_ratio'], '.2f')}x"
                      + (f" (>= {c['speed_target']}x){ok(c['speed_ok'])}" if c["speed_target"] else ""),
                      bl.fmt(c["total_ratio"], ".2f"),
                      bl.fmt(c["rss_ratio"], ".2f") + ok(c.get("rss_ok")),
                      bl.fmt(c["analogy_diff"], "+.2f") + ok(c.get("analogy_ok")),
                      bl.fmt(c["ws353_diff"], "+.3f") + ok(c.get("ws353_ok"))])
    lines = []
    info = [f"date: {meta['date']}", f"commit: {meta['commit']}  w2v {meta['w2v_version']} measured from {meta.get('w2v_path', '?')}"
            f" (commit {meta.get('w2v_commit', 'unknown')})",
            f"command: {meta['command']}",
            f"corpus: {meta['corpus']} ({meta['corpus_words']:,} words, {meta['corpus_lines']:,} lines), "
            f"iter {meta['iter']}, threads {meta['threads']}, cores {meta['cores']}, "
            f"runs {meta['runs']} (interleaved; speed: the fastest run, quality: the mean)",
            f"flags: {meta['flags']}; per model: "
            + "; ".join(f"{m} {f}" for m, f in meta["model_flags"].items()),
            f"load average (1 min): {bl.fmt(meta['load_start'], '.2f')} at start, "
            f"{bl.fmt(meta['load_end'], '.2f')} at end",
            f"C: {meta['c_binary']}   gensim: {meta['gensim_python']} ({meta.get('gensim_version', '?')})",
            "GFLOP/s/core: flops per kept centre word (flops_per_kept_word: 2 per multiply-add, window + 1 "
            "contexts, sentence ends ignored) x kept words (-min-count, subsampling) x iter / train s / threads; "
            "% peak: of " + (f"{meta['peak_gflops']:.1f} GFLOP/s per core ({meta['peak_source']})"
                             if meta.get("peak_gflops") else "no peak known (--peak-gflops)"),
            "per kept word: " + "; ".join(
                f"{m} {o['flops_per_kept_word']:,.0f} flops, {o['kept_words']:,.0f} kept words/epoch"
                + (f", code length {o['hs_code_len']:.2f}" if MODELS[m]["hs"] else "")
                for m, o in meta.get("ops", {}).items()),
            f"evaluation: {meta['questions']} (top {bl.ANALOGY_RESTRICT:,} words, </s> not counted), "
            f"{meta['pairs']}"]
    if markdown:
        lines += ["- " + s for s in info] + ["", bl.format_table(head, rows, True), "",
                                             bl.format_table(chead, crows, True)]
    else:
        lines += info + ["", bl.format_table(head, rows), "", bl.format_table(chead, crows)]
    return "\n".join(lines)


def resolve_defaults(args, log) -> None:
    if args.corpus is None:
        name = "wiki1m.txt.gz" if args.quick else "wiki17m.txt.gz"
        args.corpus = os.path.join(bl.SHARED_DATA, name)
        if not os.path.exists(args.corpus):
            import w2v
            log(f"note: {args.corpus} not found; using the bundled demo corpus")
            args.corpus = w2v.demo_corpus()
    if not os.path.isfile(args.corpus):
        sys.exit(f"bench.py: error: corpus {args.corpus!r} not found")
    if args.iter is None:
        args.iter = 1 if args.quick else 5
    if args.iter < 1 or args.threads < 1 or args.runs < 1:
        sys.exit("bench.py: error: --iter, --threads and --runs must be >= 1")
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    for m in args.models:
        if m not in MODELS:
            sys.exit(f"bench.py: error: unknown model {m!r} (choose from {', '.join(MODELS)})")
    for t in args.tools:
        if t not in TOOLS:
            sys.exit(f"bench.py: error: unknown tool {t!r} (choose from {', '.join(TOOLS)})")
    if args.c_binary is None:
        args.c_binary = bl.find_tool("word2vec", args.w2v_python)
    if args.gensim_python is None:
        args.gensim_python = bl.python_with("gensim", args.w2v_python)
    if "c" in args.tools and not (args.c_binary and os.path.exists(args.c_binary)):
        log("note: the word2vec C binary was not found (pip install word2vec, or --c-binary); skipping C")
        args.tools.remove("c")
    if "gensim" in args.tools and not args.gensim_python:
        log("note: no python with gensim found (pip install gensim, or --gensim-python); skipping gensim")
        args.tools.remove("gensim")
    args.stdbuf = bool(bl.shutil.which("stdbuf"))
    if args.questions is None or args.pairs is None:
        q, p = bl.find_eval_data(args.gensim_python)
        args.questions = args.questions or q
        args.pairs = args.pairs or p


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", help="training text, plain or .gz/.bz2/.xz "
                    "[default: ../shared/data/wiki17m.txt.gz, else the bundled demo corpus]")
    ap.add_argument("--threads", type=int, default=2, help="threads for every tool [default: 2]")
    ap.add_argument("--models", default=DEFAULT_MODELS,
                    help=f"comma list of {', '.join(MODELS)} (settings: MODELS at the top of the "
                    f"script; cbow-demo is demo-word.sh's) [default: {DEFAULT_MODELS}]")
    ap.add_argument("--tools", default="w2v,c,gensim", help="comma list of w2v, c, gensim [default: all]")
    ap.add_argument("--runs", type=int, default=1, metavar="N",
                    help="run every (model, tool) N times, interleaved (round r runs each once before "
                    "round r+1); speed is the fastest run's, quality the mean [default: 1]")
    ap.add_argument("--iter", type=int, default=None, help="epochs [default: 5; 1 with --quick]")
    ap.add_argument("--quick", action="store_true", help="wiki1m and -iter 1 (unless given)")
    ap.add_argument("--out", default=bl.DEFAULT_OUT, help="folder for vectors, logs, summary [default: bench-out]")
    ap.add_argument("--cache", default=bl.DEFAULT_CACHE, help="decompressed corpora [default: bench-out/cache]")
    ap.add_argument("--c-binary", help="word2vec C binary [default: the venv's, else /tmp/benv/bin/word2vec]")
    ap.add_argument("--gensim-python", help="python with gensim [default: this one if it has gensim, "
                    "else /tmp/benv/bin/python]")
    ap.add_argument("--w2v-python", default=sys.executable, help="python whose w2v is benchmarked [default: this one]")
    ap.add_argument("--questions", help="analogy questions [default: ../shared/data/questions-words.txt]")
    ap.add_argument("--pairs", help="WordSim-353 pairs [default: ../shared/data/wordsim353.tsv]")
    ap.add_argument("--cross-check", action="store_true",
                    help="also score each vectors file with gensim and C's compute-accuracy")
    ap.add_argument("--wait-quiet", type=float, default=0.0, metavar="CORES",
                    help="before each run, wait until other processes use less than CORES cores "
                    "(0 = do not wait) [default: 0]")
    ap.add_argument("--wait-timeout", type=float, default=900.0, metavar="S",
                    help="give up waiting after S seconds and run anyway [default: 900]")
    ap.add_argument("--peak-gflops", type=float, default=None, metavar="G",
                    help="peak FP32 GFLOP/s of one core, for the %% peak column [default: the CPU MHz of "
                    f"/proc/cpuinfo x {FLOPS_PER_CYCLE} flops/cycle, i.e. 2 x 256-bit FMA units]")
    args = ap.parse_args(argv)
    args.peak_given = args.peak_gflops is not None
    if args.peak_gflops is None:
        args.peak_gflops = default_peak_gflops()
    elif args.peak_gflops <= 0:
        sys.exit("bench.py: error: --peak-gflops must be > 0")
    args.out = os.path.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)

    def log(msg: str) -> None:
        print(msg, flush=True)

    resolve_defaults(args, log)
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": bl.git_describe(), "command": " ".join(["scripts/bench.py"] + (argv if argv is not None else sys.argv[1:])),
            "corpus": args.corpus, "runs": args.runs, "iter": args.iter, "threads": args.threads, "cores": bl.cores(),
            "flags": " ".join(flag_list({**COMMON, "iter": args.iter, "threads": args.threads, "binary": 1})),
            "model_flags": {m: " ".join(flag_list(MODELS[m])) for m in args.models},
            "c_binary": args.c_binary if "c" in args.tools else None,
            "gensim_python": args.gensim_python if "gensim" in args.tools else None,
            "questions": args.questions, "pairs": args.pairs, "load_start": bl.load_average()[0],
            "peak_gflops": args.peak_gflops,
            "peak_source": "--peak-gflops" if args.peak_given else f"cpu MHz x {FLOPS_PER_CYCLE} flops/cycle"}
    r = bl.run_child(w2v_command(args) + ["--version"], cwd=args.out)
    meta["w2v_version"] = r.stdout.decode().strip().replace("w2v ", "") or "?"
    # the build measured may come from another checkout than these scripts (--w2v-python)
    r = bl.run_child([args.w2v_python, "-c", "import os, w2v; print(os.path.dirname(os.path.abspath(w2v.__file__)))"],
                     cwd=args.out)
    pkg = r.stdout.decode().strip()
    meta["w2v_path"] = pkg or "?"
    meta["w2v_commit"] = bl.git_describe(os.path.dirname(pkg)) if pkg else "unknown"
    if args.gensim_python:
        r = bl.run_child([args.gensim_python, "-c", "import gensim; print(gensim.__version__)"])
        meta["gensim_version"] = r.stdout.decode().strip()
    if meta["load_start"] > 0.5:
        log(f"warning: load average is {meta['load_start']:.2f}: other jobs compete for the cores")
    corpus = bl.plain_corpus(args.corpus, args.cache, log)
    args.corpus_words, lines = bl.count_words(corpus, args.cache)
    meta.update({"corpus_plain": corpus, "corpus_words": args.corpus_words, "corpus_lines": lines})
    log(f"corpus {corpus}: {args.corpus_words:,} words, {lines:,} lines; iter {args.iter}, threads {args.threads}")

    # interleaved: round r runs every model x tool once before round r + 1
    runs: Dict[str, Dict[str, List[dict]]] = {m: {t: [] for t in args.tools} for m in args.models}
    for r in range(args.runs):
        if args.runs > 1:
            log(f"round {r + 1} of {args.runs}")
        for model in args.models:
            for tool in args.tools:
                rec = run_tool(tool, model, corpus, args, log, r)
                if r == 0 and args.cross_check and not rec.get("failed") and args.questions and args.pairs:
                    cross_check(rec, args, log)
                runs[model][tool].append(rec)
    results = {m: {t: aggregate(rs) for t, rs in by_tool.items()} for m, by_tool in runs.items()}
    stats = bl.corpus_stats(corpus, COMMON["min-count"], sorted({MODELS[m]["sample"] for m in args.models}),
                            args.cache, args.w2v_python)
    meta["ops"] = add_gflops(results, stats, args)
    meta["load_end"] = bl.load_average()[0]
    comparisons = compare(results)
    print()
    print(report(meta, results, comparisons, markdown=False))
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({"meta": meta, "results": results, "comparisons": comparisons}, f, indent=1, default=str)
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write(report(meta, results, comparisons, markdown=True) + "\n")
    log(f"\nwrote {os.path.join(args.out, 'summary.md')} and summary.json")
    return 1 if any(r.get("failed") or r.get("failed_runs") for m in results.values() for r in m.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
