"""The training objective at every epoch end, and what it costs: skip-gram and
CBOW, negative sampling and hierarchical softmax, on one corpus.

    .venv/bin/python scripts/bench_objective.py [--corpus wiki17m.txt.gz] [--iter 5] [--threads 2]
                                                [--models sg-ns cbow-ns sg-hs cbow-hs]

For each model: the online loss and the objective of every epoch (the
objective must fall every epoch), the time spent evaluating the objective
(timed around the trainer's evaluation, all epochs together) as a share of the
training time, and whether the objective fell every epoch."""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _benchlib as B  # noqa: E402

MODELS = {"sg-ns": dict(cbow=0, hs=0, negative=5), "cbow-ns": dict(cbow=1, hs=0, negative=5),
          "sg-hs": dict(cbow=0, hs=1, negative=0), "cbow-hs": dict(cbow=1, hs=1, negative=0)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=os.path.join(B.SHARED_DATA, "wiki17m.txt.gz"))
    ap.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    ap.add_argument("--iter", type=int, default=5)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()

    import w2v
    from w2v import trainer

    spent = []
    evaluate = trainer.Trainer._objective

    def timed(self):
        t0 = time.perf_counter()
        try:
            return evaluate(self)
        finally:
            spent.append(time.perf_counter() - t0)

    trainer.Trainer._objective = timed
    corpus = B.plain_corpus(a.corpus)
    rows = []
    for name in a.models:
        spent.clear()
        epochs = []
        t0 = time.perf_counter()
        w2v.train(corpus, size=a.size, iter=a.iter, threads=a.threads, callbacks=[epochs.append], **MODELS[name])
        total = time.perf_counter() - t0
        objectives = [e.objective for e in epochs]
        falls = all(b < x for x, b in zip(objectives, objectives[1:]))
        print(f"{name}: loss {', '.join(f'{e.loss:.4f}' for e in epochs)}", flush=True)
        print(f"{name}: objective {', '.join(f'{x:.4f}' for x in objectives)}", flush=True)
        rows.append((name, f"{total:.1f}", f"{sum(spent):.3f}", f"{100 * sum(spent) / total:.2f}",
                     "yes" if falls else "NO"))
    print()
    print(B.format_table(["model", "run s", "objective s", "% of run", "falls every epoch"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
