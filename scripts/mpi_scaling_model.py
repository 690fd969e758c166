"""The scaling model of docs/distributed.md: the cost of `mpiexec -n K w2v
train`'s rounds against the words trained per round (``-sync-words``),
projected from per-thread speed and network bandwidth (every input is an
assumption stated in the doc).

    python scripts/mpi_scaling_model.py [--vocab 1000000] [--dim 300] [--words 1e10]
                                        [--sync-words 1e5 1e6 1e7 1e8] [--nodes 8 16 32]

A round is due after N words trained by all ranks together.  Each of K
nodes (one rank of C threads) trains R = C x r x efficiency words a second,
so a round's training takes N / (K R) seconds; the round itself costs a
pause and control sum (latency) plus a ring Allreduce of its hot rows
(2 (K-1) / K x bytes / link bandwidth), during which the workers wait.  The
epoch barrier adds one Allreduce of every row per epoch."""
from __future__ import annotations

import argparse

# words/s per thread (2-thread runs on wiki17m on the development VM)
RATES = {"sg-ns": 0.76e6, "cbow-ns": 3.1e6}
# bytes/s per link: 10 GbE, 100 Gb/s InfiniBand
NETS = {"10GbE": 1.1e9, "IB-100G": 11e9}


def hot_rows(n: int, V: int, first: int = 1024) -> int:
    """Rows combined at round *n* (as w2v.distributed.sync.hot_rows)."""
    k = (n & -n).bit_length() - 1
    return min(V, first << k)


def mean_hot_rows(rounds: int, V: int) -> float:
    rounds = max(1, min(rounds, 1 << 20))
    return sum(hot_rows(n, V) for n in range(1, rounds + 1)) / rounds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--words", type=float, default=1e10, help="words per epoch")
    ap.add_argument("--cores", type=int, default=16)
    ap.add_argument("--efficiency", type=float, default=0.85, help="Hogwild speed-up per thread at 16 threads")
    ap.add_argument("--sync-words", type=float, nargs="+", default=[1e5, 1e6, 1e7, 1e8])
    ap.add_argument("--nodes", type=int, nargs="+", default=[8, 32])
    ap.add_argument("--latency", type=float, default=2e-3, help="pause + control round trip, seconds")
    a = ap.parse_args()
    row = a.dim * 4 * 2                      # syn0 + syn1neg
    full = a.vocab * row
    print(f"V={a.vocab} D={a.dim}, {a.words:.0e} words per epoch; epoch end {full / 1e9:.2f} GB per rank")
    print("| model | nodes | network | words per round | per rank | train ms | MB per round | round ms "
          "| epoch-end s | epoch s | words/s (M) | vs no sync |")
    print("|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for model, r in RATES.items():
        for K in a.nodes:
            for net, bw in NETS.items():
                ring = 2 * (K - 1) / K / bw
                raw = K * a.cores * r * a.efficiency
                t_full = full * ring
                for N in a.sync_words:
                    rounds = int(a.words // N)
                    per_round = mean_hot_rows(rounds, a.vocab) * row
                    t_train = N / raw
                    t_round = a.latency + per_round * ring
                    epoch = a.words / raw + rounds * t_round + t_full
                    speed = a.words / epoch
                    print(f"| {model} | {K} | {net} | {N:.0e} | {N / K:.0e} | {1e3 * t_train:.1f} | "
                          f"{per_round / 1e6:.1f} | {1e3 * t_round:.1f} | {t_full:.2f} | {epoch:.0f} | "
                          f"{speed / 1e6:.0f} | {speed / raw:.3f} |")


if __name__ == "__main__":
    main()
