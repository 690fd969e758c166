"""Allreduce bandwidth of w2v's row-block averaging (w2v.distributed.RankSync).

    mpiexec -n 2 python scripts/mpi_allreduce.py [--dim 100] [--reps 5] [--tracked]

Prints, on rank 0, for each block size: rows, MB averaged per rank, seconds
per average (median of --reps), MB/s, and CPU seconds per average.
--tracked: the combination training uses (base + the sum of the ranks'
changes, RankSync.track with gain 1) instead of the plain average."""
from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from w2v import distributed as D


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--rows", type=int, nargs="*", default=[1024, 4096, 16384, 65536, 262144])
    ap.add_argument("--tracked", action="store_true", help="base + sum of changes (gain 1), as training")
    args = ap.parse_args()
    dist = D.init()
    if dist is None:
        print("run under mpiexec -n K", file=sys.stderr)
        return 2
    sync = D.RankSync(dist.comm)
    if dist.rank == 0:
        print(f"ranks={dist.size} dim={args.dim}")
        print(f"{'rows':>8} {'MB':>8} {'s/avg':>9} {'MB/s':>8} {'cpu s':>8} {'ctl ms':>7}")
    for rows in args.rows:
        a = np.random.default_rng(dist.rank).standard_normal((rows, args.dim)).astype(np.float32)
        if args.tracked:
            sync.track([a], 1.0)
        times, cpus, ctl = [], [], []
        for _ in range(args.reps):
            t0 = time.perf_counter()
            sync.sync(True, 1)
            ctl.append(time.perf_counter() - t0)
            s0, c0 = sync.stats.seconds, sync.stats.cpu_seconds
            nbytes = sync.average([a])
            times.append(sync.stats.seconds - s0)
            cpus.append(sync.stats.cpu_seconds - c0)
        if dist.rank == 0:
            t = statistics.median(times)
            print(f"{rows:8d} {nbytes / 1e6:8.2f} {t:9.4f} {nbytes / 1e6 / t:8.0f} "
                  f"{statistics.median(cpus):8.4f} {statistics.median(ctl) * 1e3:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
