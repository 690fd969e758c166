#!/usr/bin/env python3
"""Benchmark ``w2v phrases`` against the original ``word2phrase``.

Runs both on the same plain-text input (a compressed corpus is decompressed
once into a temporary folder: word2phrase cannot read .gz) and reports wall
time, peak RSS (rusage of the child, from os.wait4) and output parity:

* the set of joined tokens (tokens containing "_" that are not in the input),
* identical lines, after removing the space word2phrase writes at the start
  of every line,
* the same for ``w2v phrases -c-compat 1`` (bigrams counted across line ends
  like word2phrase), which should be identical line for line.

Usage:
  python scripts/bench_phrases.py                      # wiki17m, -threshold 100 -min-count 5
  python scripts/bench_phrases.py --quick              # wiki1m
  python scripts/bench_phrases.py --corpus text.txt.gz --threshold 50 --json out.json
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from typing import Dict, List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA_DIRS = [os.path.join(ROOT, "..", "shared", "data"), "/work/shared/data"]


def find_data(name: str) -> Optional[str]:
    for d in DATA_DIRS:
        p = os.path.join(d, name)
        if os.path.exists(p):
            return os.path.abspath(p)
    return None


def find_word2phrase(given: Optional[str]) -> Optional[str]:
    here = os.path.join(os.path.dirname(sys.executable), "word2phrase")   # `make bench` installs it
    for cand in (given, os.environ.get("W2V_WORD2PHRASE"), here, "/tmp/benv/bin/word2phrase",
                 shutil.which("word2phrase")):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def w2v_command() -> List[str]:
    script = os.path.join(os.path.dirname(sys.executable), "w2v")
    if os.access(script, os.X_OK):
        return [script]
    return [sys.executable, "-m", "w2v"]


def plain_copy(corpus: str, workdir: str) -> str:
    """The corpus as a plain file (decompressed once, reused across runs)."""
    if not corpus.endswith((".gz", ".bz2", ".xz")):
        return os.path.abspath(corpus)
    base = os.path.basename(corpus).rsplit(".", 1)[0]
    dst = os.path.join(workdir, base)
    if not os.path.exists(dst):
        import bz2
        import lzma
        opener = {"gz": gzip.open, "bz2": bz2.open, "xz": lzma.open}[corpus.rsplit(".", 1)[1]]
        with opener(corpus, "rb") as src, open(dst + ".part", "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        os.replace(dst + ".part", dst)
    return dst


def timed(cmd: List[str], cwd: str) -> Dict[str, float]:
    """Run cmd; wall seconds and peak RSS (MiB) of the child."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err.decode(errors='replace')}")
    return {"wall_s": round(wall, 3), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 3)}


def read_lines(path: str, strip_leading_space: bool) -> List[bytes]:
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()          # the final newline ends the last line
    if strip_leading_space:
        lines = [line[1:] if line.startswith(b" ") else line for line in lines]
    return lines


def joined_tokens(lines: List[bytes], input_vocab: set) -> Counter:
    out: Counter = Counter()
    for line in lines:
        for tok in line.split(b" "):
            if b"_" in tok and tok not in input_vocab:
                out[tok] += 1
    return out


def compare(c_lines: List[bytes], ours: List[bytes], input_vocab: set) -> Dict:
    n = max(len(c_lines), len(ours))
    same = sum(a == b for a, b in zip(c_lines, ours))
    jc, jo = joined_tokens(c_lines, input_vocab), joined_tokens(ours, input_vocab)
    diff_examples = []
    for i, (a, b) in enumerate(zip(c_lines, ours)):
        if a != b and len(diff_examples) < 3:
            ta, tb = a.split(b" "), b.split(b" ")
            only_c = sorted(set(ta) - set(tb))[:4]
            only_o = sorted(set(tb) - set(ta))[:4]
            diff_examples.append({"line": i + 1,
                                  "word2phrase": [t.decode(errors="replace") for t in only_c],
                                  "w2v": [t.decode(errors="replace") for t in only_o]})
    return {
        "lines": n, "identical_lines": same, "differing_lines": n - same,
        "joined_types_word2phrase": len(jc), "joined_types_w2v": len(jo),
        "joined_type_sets_equal": set(jc) == set(jo),
        "joined_types_only_word2phrase": len(set(jc) - set(jo)),
        "joined_types_only_w2v": len(set(jo) - set(jc)),
        "joined_tokens_word2phrase": sum(jc.values()), "joined_tokens_w2v": sum(jo.values()),
        "examples": diff_examples,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", help="input text (.gz/.bz2/.xz decompressed once); default wiki17m")
    ap.add_argument("--quick", action="store_true", help="use wiki1m (1M words) instead of wiki17m")
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--threshold", type=float, default=100.0)
    ap.add_argument("--word2phrase", help="path of the word2phrase binary")
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "w2v-bench-phrases"),
                    help="folder for the plain corpus and the outputs (kept for inspection)")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()

    corpus = args.corpus or find_data("wiki1m.txt.gz" if args.quick else "wiki17m.txt.gz")
    if not corpus or not os.path.exists(corpus):
        sys.exit("no corpus: pass --corpus FILE (the shared data folder was not found)")
    w2p = find_word2phrase(args.word2phrase)
    os.makedirs(args.workdir, exist_ok=True)
    text = plain_copy(corpus, args.workdir)
    # word2phrase copies paths into 60-byte buffers: run it in the work folder with short names
    link = os.path.join(args.workdir, "in.txt")
    if os.path.abspath(text) != link:
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(os.path.abspath(text), link)
    flags = ["-min-count", str(args.min_count), "-threshold", repr(args.threshold), "-debug", "0"]
    results: Dict = {"corpus": corpus, "min_count": args.min_count, "threshold": args.threshold,
                     "runs": {}}
    w2v = w2v_command()
    runs = [("w2v", w2v + ["phrases", "-train", "in.txt", "-output", "w2v.txt"] + flags),
            ("w2v -c-compat 1", w2v + ["phrases", "-train", "in.txt", "-output", "w2v-compat.txt",
                                       "-c-compat", "1"] + flags)]
    if w2p:
        runs.insert(0, ("word2phrase", [w2p, "-train", "in.txt", "-output", "c.txt"] + flags))
    else:
        print("word2phrase not found: timing w2v only", file=sys.stderr)
    for name, cmd in runs:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results["runs"][name] = timed(cmd, args.workdir)

    print(f"\ncorpus: {corpus}  (-min-count {args.min_count} -threshold {args.threshold:g})")
    print(f"{'tool':<18}{'wall s':>9}{'cpu s':>9}{'peak RSS MiB':>14}")
    for name, r in results["runs"].items():
        print(f"{name:<18}{r['wall_s']:>9.2f}{r['cpu_s']:>9.2f}{r['peak_rss_mib']:>14.1f}")

    if w2p:
        c = results["runs"]["word2phrase"]
        for name in ("w2v", "w2v -c-compat 1"):
            r = results["runs"][name]
            r["speedup"] = round(c["wall_s"] / r["wall_s"], 2)
            r["rss_fraction"] = round(r["peak_rss_mib"] / c["peak_rss_mib"], 3)
            print(f"{name}: {r['speedup']:.1f}x faster, {100 * r['rss_fraction']:.1f}% of word2phrase's peak RSS")
        c_lines = read_lines(os.path.join(args.workdir, "c.txt"), True)
        input_vocab: set = set()
        with open(text, "rb") as f:
            for line in f:
                input_vocab.update(line.split())
        for name, out in (("w2v", "w2v.txt"), ("w2v -c-compat 1", "w2v-compat.txt")):
            ours = read_lines(os.path.join(args.workdir, out), False)
            cmp = compare(c_lines, ours, input_vocab)
            results["runs"][name]["parity"] = cmp
            print(f"\nparity {name} vs word2phrase (leading space removed):")
            print(f"  identical lines: {cmp['identical_lines']} / {cmp['lines']}"
                  f"  ({cmp['differing_lines']} differ)")
            print(f"  joined types: {cmp['joined_types_w2v']} vs {cmp['joined_types_word2phrase']},"
                  f" same set: {cmp['joined_type_sets_equal']}"
                  f" (only word2phrase: {cmp['joined_types_only_word2phrase']},"
                  f" only w2v: {cmp['joined_types_only_w2v']})")
            print(f"  joined tokens: {cmp['joined_tokens_w2v']} vs {cmp['joined_tokens_word2phrase']}")
            for ex in cmp["examples"]:
                print(f"  line {ex['line']}: word2phrase {ex['word2phrase']}  w2v {ex['w2v']}")
        compat = results["runs"]["w2v -c-compat 1"]["parity"]
        if compat["differing_lines"] == 0:
            print("\n-c-compat 1 output is identical to word2phrase's: every difference of the default"
                  " output comes from word2phrase counting bigrams across line ends"
                  " (last word of a line + first word of the next), which changes a few scores.")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
