"""The MPI building blocks under ``mpiexec -n 2``: the merged vocabulary
equals the single-process one, row-block averaging is exact (also across
chunks), the sync protocol, error agreement between ranks."""
from __future__ import annotations

import gzip
import json

import numpy as np

from mpitest import run_script
from w2v.corpus import count_corpus
from w2v.vocab import Vocab
from w2vtest import make_text

VOCAB_SCRIPT = r"""
import json, sys
from w2v import distributed as D
from w2v.io import expand_inputs, iter_blocks
from w2v.vocab import Vocab
dist = D.init()
assert dist is not None and dist.size == 2
paths, min_count, read_vocab = expand_inputs(sys.argv[1].split(",")), int(sys.argv[2]), sys.argv[3]
if read_vocab != "-":
    vocab = D.bcast_vocab(dist, Vocab.read(read_vocab, min_count) if dist.rank == 0 else None)
else:
    counts, spool, _ = D.count_share(iter_blocks(paths, (dist.rank, dist.size), block=64))
    vocab, mapping = D.merge_vocab(dist, counts, min_count)
    spool.remap(mapping)
    ids = [int(i) for i in spool.array()]
    all_ids = dist.comm.gather(ids, root=0)
out = {"words": [w.decode() for w in vocab.words], "counts": vocab.counts.tolist()}
every = dist.comm.gather(out, root=0)
if dist.rank == 0:
    assert every[0] == every[1], "ranks disagree"
    if read_vocab == "-":
        out["ids"] = all_ids
    with open("result.json", "w") as f:
        json.dump(out, f)
"""


def _run_vocab(tmp_path, paths, min_count, read_vocab="-"):
    r = run_script(VOCAB_SCRIPT, str(tmp_path), args=[",".join(paths), str(min_count), read_vocab])
    assert r.returncode == 0, r
    return json.loads((tmp_path / "result.json").read_text())


def _check_same(got, single):
    assert got["words"] == [w.decode() for w in single.vocab.words]
    assert got["counts"] == single.vocab.counts.tolist()


def test_merged_vocab_plain_and_several_files(tmp_path):
    parts = [make_text(1, 150), make_text(2, 90).rstrip(b"\n"), b"", make_text(3, 40)]
    for i, t in enumerate(parts):
        (tmp_path / f"shard{i}.txt").write_bytes(t)
    whole = tmp_path / "whole.txt"
    whole.write_bytes(parts[0] + parts[1] + b"\n" + parts[3])
    single = count_corpus(str(whole), 3)
    got = _run_vocab(tmp_path, [str(tmp_path / "shard*.txt")], 3)
    _check_same(got, single)
    assert got["ids"][0] + got["ids"][1] == np.asarray(single.ids).tolist()
    got = _run_vocab(tmp_path, [str(whole)], 3)
    _check_same(got, single)
    assert got["ids"][0] + got["ids"][1] == np.asarray(single.ids).tolist()


def test_merged_vocab_compressed(tmp_path):
    text = make_text(5, 300)
    gz = tmp_path / "t.txt.gz"
    gz.write_bytes(gzip.compress(text))
    single = count_corpus(str(gz), 2)
    got = _run_vocab(tmp_path, [str(gz)], 2)
    _check_same(got, single)
    assert sorted(got["ids"][0] + got["ids"][1]) == sorted(np.asarray(single.ids).tolist())


def test_read_vocab_broadcast(tmp_path):
    text = make_text(9, 100)
    (tmp_path / "t.txt").write_bytes(text)
    single = count_corpus(str(tmp_path / "t.txt"), 1)
    single.vocab.save(str(tmp_path / "v.txt"))
    got = _run_vocab(tmp_path, [str(tmp_path / "t.txt")], 4, str(tmp_path / "v.txt"))
    expect = Vocab.read(str(tmp_path / "v.txt"), 4)
    assert got["words"] == [w.decode() for w in expect.words]
    assert got["counts"] == expect.counts.tolist()


AVERAGE_SCRIPT = r"""
import numpy as np
from w2v import distributed as D
dist = D.init()
sync = D.RankSync(dist.comm, chunk=7, first_rows=3)
def arrays(rank):
    rng = np.random.default_rng(rank)
    return [rng.standard_normal((20, 5)).astype(np.float32),
            rng.standard_normal((20, 5)).astype(np.float32)]
mine, a0, a1 = arrays(dist.rank), arrays(0), arrays(1)
# sync protocol: rank 1 has work for 3 rounds, rank 0 for 1; both join until neither is active
rounds, words = 0, []
active = True
while True:
    rounds += 1
    active = rounds <= (1 if dist.rank == 0 else 3)
    any_active, g = sync.sync(active, 10 * (dist.rank + 1) if active else 0)
    words.append(g)
    rows = sync.average_hot(mine)
    assert rows == min(20, 3 << ((rounds & -rounds).bit_length() - 1)) * 5 * 4 * 2, rows
    if not any_active:
        break
assert rounds == 4, rounds
assert words == [30, 50, 70, 70], words
for m, x, y in zip(mine, a0, a1):
    mean = (x + y) * np.float32(0.5)
    assert np.array_equal(m[:12], mean[:12])       # 4 rounds: 3, 6, 3, 12 rows
    assert np.array_equal(m[12:], (x if dist.rank == 0 else y)[12:])
sync.epoch_end(mine)
for m, x, y in zip(mine, a0, a1):
    assert np.array_equal(m[12:], ((x + y) * np.float32(0.5))[12:])
assert sync.stats.rounds == 4 and sync.stats.averages == 5
# a stop request from one rank reaches both
_, _ = sync.sync(True, 0, stop=dist.rank == 1)
assert sync.stop_requested
open(f"ok{dist.rank}", "w").close()
"""


def test_sync_protocol_and_chunked_average(tmp_path):
    r = run_script(AVERAGE_SCRIPT, str(tmp_path))
    assert r.returncode == 0, r
    assert (tmp_path / "ok0").exists() and (tmp_path / "ok1").exists()


TRACKED_SCRIPT = r"""
import json, sys
import numpy as np
from w2v import distributed as D
dist = D.init()
comm, rank, size = dist.comm, dist.rank, dist.size
SHAPES = [(20, 5), (20, 3)]
def arrays(seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(sh).astype(np.float32) for sh in SHAPES]
def run(node, gain):
    # three rounds: 13 rows, all rows, 4 rows; every rank adds its own changes before each
    mine = arrays(99)
    rs = D.RankSync(comm, node=node, node_slot=7)      # 7 floats per slot: chunks of 1 or 2 rows
    rs.track(mine, gain)
    for t, rows in ((1, 13), (2, None), (3, 4)):
        for a, x in zip(mine, arrays(1000 * t + rank)):
            a += x
        rs.average(mine, rows)
    used = rs.node_sum is not None
    rs.close()
    return mine, used
# the reference, in float64: base + gain x (the sum of the ranks' rows - base) on the rows combined
expect = {}
for gain in (1.0, 0.5):
    cur = [[a.astype(np.float64) for a in arrays(99)] for _ in range(size)]
    base = [a.astype(np.float64) for a in arrays(99)]
    for t, rows in ((1, 13), (2, None), (3, 4)):
        for k in range(size):
            for i, x in enumerate(arrays(1000 * t + k)):
                cur[k][i] += x
        for i, (n, _) in enumerate(SHAPES):
            n = n if rows is None else rows
            # (gain 1/K: the plain average of the ranks' rows)
            base[i][:n] += gain * sum(cur[k][i][:n] - base[i][:n] for k in range(size))
            for k in range(size):
                cur[k][i][:n] = base[i][:n]
    expect[gain] = cur[rank]
out = {}
pairs = comm.Split(rank // 2, rank)                      # two ranks per "node"
for label, node in (("node", dist.local), ("pairs", pairs), ("none", None)):
    for gain in (1.0, 0.5):
        got, used = run(node, gain)
        err = max(float(np.abs(g - e).max()) for g, e in zip(got, expect[gain]))
        assert err < 1e-5, (label, gain, err)
        # the last round combined rows 0-3: the same bits on every rank
        heads = comm.allgather(b"".join(g[:4].tobytes() for g in got))
        assert all(h == heads[0] for h in heads), (label, gain)
        out[f"{label} {gain}"] = {"node_sum": used, "bytes": b"".join(g.tobytes() for g in got).hex()}
if rank == 0:
    print(json.dumps(out))
"""


def _tracked(tmp_path, n):
    r = run_script(TRACKED_SCRIPT, str(tmp_path), n=n)
    assert r.returncode == 0, r
    return json.loads(r.stdout.decode().strip().splitlines()[-1])


def test_tracked_combination_through_shared_memory(tmp_path):
    """RankSync.track (base + gain x the sum of the ranks' changes) gives the
    numpy reference's rows on 13, then all, then 4 rows, through a node's
    shared memory (NodeSum) where every node runs the same number of ranks,
    through Allreduce otherwise.  Gain 1/K is the plain average (no base).
    Two ranks: NodeSum's rows are the Allreduce path's, bit for bit."""
    two = _tracked(tmp_path, 2)
    assert two["node 1.0"]["node_sum"] and not two["none 1.0"]["node_sum"]
    assert two["node 1.0"]["bytes"] == two["none 1.0"]["bytes"]
    assert not two["node 0.5"]["node_sum"]            # 1/K: averaged, nothing tracked
    assert two["pairs 1.0"]["node_sum"]               # one "node" of both ranks
    # 4 ranks as 2 "nodes" of 2: the cross-node Allreduce of the node sums
    four = _tracked(tmp_path, 4)
    assert four["pairs 1.0"]["node_sum"] and four["pairs 0.5"]["node_sum"] and four["node 0.5"]["node_sum"]
    assert not four["none 0.5"]["node_sum"]
    # 3 ranks: "nodes" of 2 and 1 differ, so Allreduce
    three = _tracked(tmp_path, 3)
    assert not three["pairs 1.0"]["node_sum"] and three["node 1.0"]["node_sum"]


COLLECTIVE_ERROR_SCRIPT = r"""
import sys
from w2v import distributed as D
from w2v.errors import W2VError
dist = D.init()
def step():
    if dist.rank == 1:
        raise W2VError("cannot read training file 'x': broken")
    return 5
try:
    dist.collective(step)
except W2VError as exc:
    assert exc.collective
    if dist.rank == 0:
        print(exc)
    sys.exit(exc.exit_code)
"""


def test_collective_error_reported_once(tmp_path):
    r = run_script(COLLECTIVE_ERROR_SCRIPT, str(tmp_path))
    assert r.returncode == 1, r
    assert r.stdout.decode().strip() == "cannot read training file 'x': broken (rank 1)"


TRAINER_SYNC_SCRIPT = r"""
from types import SimpleNamespace as NS
import numpy as np
from w2v import distributed as D
dist = D.init()
V, Dm = 30, 4
def start():
    rng = np.random.default_rng(42)           # the same initial weights on every rank
    return rng.standard_normal((V, Dm)).astype(np.float32), np.zeros((V, Dm), np.float32)
syn0, syn1neg = start()
model = NS(syn0=syn0, syn1=None, syn1neg=syn1neg, progress=NS(corpus_words=100 * (dist.rank + 1), words_done=0))
sync = D.TrainerSync(dist, model, interval=1.0, first_rows=2)
class FakeTrainer:                            # what TrainerSync uses of w2v.trainer.Trainer
    def __init__(self):
        self.kernel, self.stop_signal = NS(words_done=0), 0
    words_done = property(lambda self: self.kernel.words_done)
    def set_words_done(self, words):
        self.kernel.words_done = words
trainer = FakeTrainer()
def change(rank, step):
    rng = np.random.default_rng(100 * rank + step)
    return rng.standard_normal((V, Dm)).astype(np.float32)
# round 1: both active; rank 0 trained 10 words, rank 1 20
syn0 += change(dist.rank, 1); trainer.kernel.words_done = 10 * (dist.rank + 1)
sync.sync(trainer, True)
# the job has done 30 words; this rank's counter is scaled to its share (100 of 300, 200 of 300)
assert trainer.kernel.words_done == round(30 * (dist.rank + 1) / 3), trainer.kernel.words_done
# rank 0 finishes the epoch (epoch_end); rank 1 meets the barrier through a last sync(active=False)
syn0 += change(dist.rank, 2)
if dist.rank == 1:
    sync.sync(trainer, False)
sync.epoch_end(trainer)
# the next round: still in step
sync.sync(trainer, True)
# exact expectation: base + sum of the ranks' changes, rows [0, 2) at round 1, all at the barrier
b0, _ = start()
x = [b0 + change(r, 1) for r in (0, 1)]
base = b0.copy()
s = (x[0][:2] - base[:2]) + (x[1][:2] - base[:2])
base[:2] += s
x = [np.concatenate([base[:2], x[r][2:]]) for r in (0, 1)]
x = [x[r] + change(r, 2) for r in (0, 1)]
base += (x[0] - base) + (x[1] - base)
assert np.array_equal(syn0, base), np.abs(syn0 - base).max()
assert np.array_equal(syn1neg, np.zeros_like(syn1neg))
# -sync-words not given: 100,000 words per round, or a fiftieth of the job's epoch
# where that is more (10M + 20M words: 600,000), each rank its share
def sync_for(corpus_words, words=None):
    m = NS(syn0=np.zeros((2, 2), np.float32), syn1=None, syn1neg=None,
           progress=NS(corpus_words=corpus_words * (dist.rank + 1), words_done=0))
    return D.TrainerSync(dist, m, interval=0.0, words=words)
def words_per_round(corpus_words, words=None):
    s = sync_for(corpus_words, words)
    return s.words_per_round, s.round_words
assert words_per_round(100) == (100_000, round(100_000 * (dist.rank + 1) / 3))
assert words_per_round(10_000_000) == (600_000, 200_000 * (dist.rank + 1))
assert words_per_round(10_000_000, 20_000) == (20_000, round(20_000 * (dist.rank + 1) / 3))
# a round is due at the counter update (every 10,000 words) nearest to the rank's part:
# at its part less half an update, or less half the part where that is smaller
s = sync_for(10_000_000)               # parts of 200,000 and 400,000 words
assert s.due_words() == 200_000 * (dist.rank + 1) - 5_000
assert not s.due(0.0, s.due_words() - 1) and s.due(0.0, s.due_words())
s = sync_for(100, 20_000)              # parts of 6,667 and 13,333 words
assert s.due_words() == [6_667 - 3_333, 13_333 - 5_000][dist.rank], s.due_words()
assert sync_for(100, 3).due_words() == [1, 2 - 1][dist.rank]     # parts of 1 and 2 words
open(f"ok{dist.rank}", "w").close()
"""


def test_trainer_sync_barrier_and_exact_combination(tmp_path):
    r = run_script(TRAINER_SYNC_SCRIPT, str(tmp_path))
    assert r.returncode == 0, r
    assert (tmp_path / "ok0").exists() and (tmp_path / "ok1").exists()
