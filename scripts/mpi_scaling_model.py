"""The scaling model of docs/distributed.md: words/s and synchronisation
overhead of `mpiexec -n K w2v train` projected from per-thread speed and
network bandwidth (every input is an assumption stated in the doc).

    python scripts/mpi_scaling_model.py [--vocab 1000000] [--dim 300] [--words 1e10]
"""
from __future__ import annotations

import argparse


def hot_rows(n: int, V: int, first: int = 1024) -> int:
    k = (n & -n).bit_length() - 1
    return min(V, first << k)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--words", type=float, default=1e10, help="words per epoch")
    ap.add_argument("--cores", type=int, default=16)
    ap.add_argument("--efficiency", type=float, default=0.85, help="Hogwild speed-up per thread at 16 threads")
    ap.add_argument("--sync-every", type=float, default=1.0)
    ap.add_argument("--latency", type=float, default=2e-3, help="pause + control round trip, seconds")
    a = ap.parse_args()
    row = a.dim * 4 * 2                      # syn0 + syn1neg
    rounds = 3600
    mean_rows = sum(hot_rows(n, a.vocab) for n in range(1, rounds + 1)) / rounds
    per_round = mean_rows * row
    full = a.vocab * row
    print(f"V={a.vocab} D={a.dim}: mean hot rows per round {mean_rows:.0f} -> {per_round / 1e6:.1f} MB; "
          f"epoch end {full / 1e9:.2f} GB per rank")
    rates = {"sg-ns": 0.76e6, "cbow-ns": 3.1e6}          # words/s per thread (2-thread runs on wiki17m)
    nets = {"10GbE": 1.1e9, "IB-100G": 11e9}             # bytes/s per link
    print("| model | nodes | network | round s | round % | epoch-end s | epoch s | words/s (M) | vs no-sync |")
    print("|---|--:|---|--:|--:|--:|--:|--:|--:|")
    for model, r in rates.items():
        for K in (8, 32):
            for net, bw in nets.items():
                ring = 2 * (K - 1) / K / bw
                t_round = a.latency + per_round * ring
                t_full = full * ring
                raw = K * a.cores * r * a.efficiency
                train = a.words / raw
                rounds_per_epoch = train / a.sync_every
                epoch = train + rounds_per_epoch * t_round + t_full
                speed = a.words / epoch
                print(f"| {model} | {K} | {net} | {t_round:.3f} | {100 * t_round / a.sync_every:.1f} | "
                      f"{t_full:.2f} | {epoch:.0f} | {speed / 1e6:.0f} | {speed / raw:.3f} |")


if __name__ == "__main__":
    main()
