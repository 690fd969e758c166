"""The parts of multi-process training that need no MPI: launcher detection,
counting shares and merging them into one vocabulary, the hot-row schedule."""
from __future__ import annotations

import gzip

import numpy as np
import pytest

from w2v import distributed as D
from w2v.distributed import launch
from w2v.corpus import count_corpus
from w2v.io import iter_blocks
from w2v.vocab import EOS
from w2vtest import make_text


@pytest.mark.parametrize("env,expected", [
    ({}, None),
    ({"PMI_RANK": "1", "PMI_SIZE": "4"}, (1, 4)),
    ({"PMI_RANK": "0", "PMI_SIZE": "1"}, None),            # mpiexec -n 1: one process
    ({"OMPI_COMM_WORLD_RANK": "3", "OMPI_COMM_WORLD_SIZE": "8"}, (3, 8)),
    ({"PMIX_RANK": "2"}, (2, None)),
    ({"MPI_LOCALRANKID": "1", "MPI_LOCALNRANKS": "2"}, (1, 2)),
    ({"SLURM_PROCID": "0", "SLURM_NTASKS": "1"}, None),
    ({"SLURM_PROCID": "0", "SLURM_NTASKS": "4"}, (0, 4)),
    ({"SLURM_PROCID": "0", "SLURM_NTASKS": "4", "SLURM_STEP_NUM_TASKS": "1"}, None),
    ({"SLURM_PROCID": "5", "SLURM_STEP_NUM_TASKS": "6"}, (5, 6)),
    ({"PMI_RANK": "x"}, None),
])
def test_launcher_env(env, expected):
    got = D.launcher_env(env)
    assert (None if got is None else (got.rank, got.size)) == expected
    assert D.env_rank(env) == (0 if expected is None else expected[0])


def test_hot_rows_schedule():
    got = [D.hot_rows(r, 10 ** 9, 1024) for r in range(1, 9)]
    assert got == [1024, 2048, 1024, 4096, 1024, 2048, 1024, 8192]
    assert D.hot_rows(8, 5000, 1024) == 5000
    with pytest.raises(ValueError):
        D.hot_rows(0, 10)


def counts_of_shares(paths, K, block=None):
    parts, spools = [], []
    for r in range(K):
        kw = {} if block is None else {"block": block}
        counts, spool, _ = D.count_share(iter_blocks(paths, (r, K), **kw))
        parts.append(counts)
        spools.append(spool)
    return parts, spools


@pytest.mark.parametrize("K", [1, 2, 3, 5])
@pytest.mark.parametrize("min_count", [0, 1, 3])
def test_merged_vocab_equals_single_process_plain(tmp_path, K, min_count):
    files = []
    for i in range(3):
        p = tmp_path / f"s{i}.txt"
        p.write_bytes(make_text(i, 80 + 40 * i).rstrip(b"\n") if i == 1 else make_text(i, 80))
        files.append(str(p))
    whole = tmp_path / "whole.txt"
    whole.write_bytes(b"".join(d for _, d in iter_blocks(files)))
    single = count_corpus(str(whole), min_count)
    parts, spools = counts_of_shares(files, K)
    vocab, maps = D.merge_counts(parts, min_count)
    assert vocab.words == single.vocab.words
    assert vocab.counts.tolist() == single.vocab.counts.tolist()
    ids = []
    for spool, m in zip(spools, maps):
        spool.remap(m)
        ids.append(np.array(spool.array()))
        spool.close()
    # plain files: the shares are consecutive, so the ids follow the text
    assert np.array_equal(np.concatenate(ids), np.asarray(single.ids))


@pytest.mark.parametrize("K,block", [(2, 50), (3, 200), (4, 1)])
def test_merged_vocab_equals_single_process_compressed(tmp_path, K, block):
    text = make_text(7, 400)
    gz = tmp_path / "t.txt.gz"
    gz.write_bytes(gzip.compress(text))
    single = count_corpus(str(gz), 2)
    parts, spools = counts_of_shares([str(gz)], K, block)
    vocab, maps = D.merge_counts(parts, 2)
    assert vocab.words == single.vocab.words
    assert vocab.counts.tolist() == single.vocab.counts.tolist()
    # every kept token is on exactly one rank
    total = np.zeros(len(vocab), dtype=np.int64)
    for spool, m in zip(spools, maps):
        spool.remap(m)
        total += np.bincount(np.asarray(spool.array()), minlength=len(vocab))
        spool.close()
    assert total.tolist() == np.bincount(np.asarray(single.ids), minlength=len(vocab)).tolist()


def test_merge_tie_order_is_first_occurrence_in_whole_text():
    # rank 0 sees b first, rank 1 sees a first; a and b tie at 2: b leads
    p0 = D.Counts([EOS, b"b", b"c"], np.array([1, 1, 1]), np.array([0, 0, 0]))
    p1 = D.Counts([EOS, b"a", b"b", b"c"], np.array([1, 2, 1, 1]), np.array([1, 1, 1, 1]))
    vocab, maps = D.merge_counts([p0, p1], 0)
    # counts: b=2, a=2, c=2 -> all tie, first occurrences: b, c (rank 0), then a
    assert vocab.words == [EOS, b"b", b"c", b"a"]
    assert vocab.counts.tolist() == [2, 2, 2, 2]
    assert maps[0].tolist() == [0, 1, 2]
    assert maps[1].tolist() == [0, 3, 1, 2]
    # round-robin blocks: block 2 (rank 0) comes after block 1 (rank 1)
    q0 = D.Counts([EOS, b"x", b"y"], np.array([0, 1, 1]), np.array([0, 0, 2]))
    q1 = D.Counts([EOS, b"y", b"z"], np.array([0, 1, 1]), np.array([1, 1, 1]))
    vocab, _ = D.merge_counts([q0, q1], 0)
    assert vocab.words == [EOS, b"y", b"x", b"z"]


ALONE = r"""
import os, sys
for k in [k for k in os.environ if k.startswith(('PMI', 'PMIX', 'OMPI', 'SLURM', 'MPI_'))]:
    del os.environ[k]
from w2v.cli import main
try:
    main(['train', '-train', 't.txt', '-output', 'v.txt', '-size', '5', '-iter', '1',
          '-min-count', '1', '-threads', '1', '-debug', '0'])
except SystemExit as e:
    assert e.code == 0, e.code
assert 'mpi4py' not in sys.modules, 'mpi4py imported'
print('ok')
"""


def run_python(code, cwd, **env_changes):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(env_changes)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, env=env, timeout=120)


def test_one_process_never_imports_mpi4py(tmp_path):
    (tmp_path / "t.txt").write_bytes(make_text(1, 50))
    p = run_python(ALONE, tmp_path)
    assert p.returncode == 0 and p.stdout.strip() == b"ok", p.stderr
    assert (tmp_path / "v.txt").exists()


def test_default_threads_share_the_node(monkeypatch):
    d = D.Dist(comm=None, MPI=None, rank=1, size=4, local_rank=1, local_size=2)
    monkeypatch.setattr(launch, "cpu_mask", lambda: list(range(16)))
    assert d.node_masks() == [list(range(16))] * 2
    assert d.default_threads() == 8            # 16 cores, 2 ranks on this node
    d.masks = [list(range(4)), list(range(4, 12))]
    assert d.default_threads() == 8            # the launcher pinned this rank to 8 cores
    d.masks = [list(range(4, 8))] * 2
    assert d.default_threads() == 2            # a container's 4 CPUs, shared by 2 ranks
    d.masks, d.local_size = None, 8
    monkeypatch.setattr(launch, "cpu_mask", lambda: [0, 1, 2])
    assert d.default_threads() == 1            # more ranks than CPUs


NO_MPI4PY = r"""
import sys
class NoMPI:
    def find_spec(self, name, path=None, target=None):
        if name == 'mpi4py' or name.startswith('mpi4py.'):
            raise ImportError('no mpi4py here')
sys.meta_path.insert(0, NoMPI())
from w2v.cli import main
main(['train', '-train', 't.txt', '-output', 'v.txt'])
"""


def test_several_processes_without_mpi4py_is_one_line_error(tmp_path):
    (tmp_path / "t.txt").write_bytes(make_text(1, 20))
    expect = (b'w2v train: error: running as 2 processes needs mpi4py: pip install "w2v[mpi]" '
              b'(or "w2v[mpich]" to get an MPI too)\n')
    for rank, printed in (("0", expect), ("1", b"")):       # rank 0 alone reports it
        p = run_python(NO_MPI4PY, tmp_path, PMI_RANK=rank, PMI_SIZE="2")
        assert p.returncode == 1 and p.stderr == printed, p.stderr
    assert sorted(x.name for x in tmp_path.iterdir()) == ["t.txt"]


def test_parse_cpu_list():
    assert launch.parse_cpu_list("0-3,8,10-11\n") == [0, 1, 2, 3, 8, 10, 11]
    assert launch.parse_cpu_list("5") == [5]
    assert launch.parse_cpu_list("") == []


def pairs(c):
    """Two hardware threads per core, numbered (0, 1), (2, 3), ..."""
    return [c - c % 2, c - c % 2 + 1]


def halves(c):
    """Two hardware threads per core of 4 cores, numbered (0, 4), (1, 5), ..."""
    return [c % 4, c % 4 + 4]


def test_core_order_takes_one_thread_per_core_first():
    assert launch.core_order([3, 0, 2, 1], 2, siblings=pairs) == [0, 2, 1, 3]
    assert launch.core_order(range(8), 4, siblings=halves) == list(range(8))
    # more threads than cores: a core's threads side by side
    assert launch.core_order([3, 0, 2, 1], 3, siblings=pairs) == [0, 1, 2, 3]
    assert launch.core_order(range(8), 6, siblings=halves) == [0, 4, 1, 5, 2, 6, 3, 7]
    assert launch.core_order([2, 0, 1], 3, siblings=lambda c: [c]) == [0, 1, 2]


@pytest.mark.parametrize("masks,threads,rank,expected", [
    # ranks of one node with the same mask: blocks side by side
    ([[0, 1], [0, 1]], [1, 1], 0, {"cpus": [0]}),
    ([[0, 1], [0, 1]], [1, 1], 1, {"cpus": [1]}),
    ([list(range(16))] * 4, [4] * 4, 2, {"cpus": [8, 9, 10, 11]}),
    ([list(range(8))] * 2, [2, 5], 1, {"cpus": [2, 3, 4, 5, 6]}),           # ranks differ in threads
    ([[4, 5, 6, 7]] * 2, [2, 2], 1, {"cpus": [6, 7]}),                      # a container's CPU set
    ([[0, 1], [0, 1]], [2, 1], 0, {"why": "placed by the OS: more threads (3) than cores (2)"}),
    ([[0], [1]], [1, 1], 0, {"why": "placed by the launcher"}),              # mpiexec -bind-to core
    ([[0, 1]], [2], 0, {"why": "one process on the node"}),
])
def test_core_plan(masks, threads, rank, expected):
    assert launch.core_plan(masks, threads, rank, siblings=lambda c: [c]) == expected


def test_core_plan_on_cores_with_two_hardware_threads():
    # 4 cores x 2 threads: 2 ranks x 2 threads get a core each per thread ...
    plans = [launch.core_plan([list(range(8))] * 2, [2, 2], r, siblings=pairs) for r in (0, 1)]
    assert plans == [{"cpus": [0, 2]}, {"cpus": [4, 6]}]
    # ... and 2 ranks x 4 threads two whole cores each
    plans = [launch.core_plan([list(range(8))] * 2, [4, 4], r, siblings=halves) for r in (0, 1)]
    assert plans == [{"cpus": [0, 4, 1, 5]}, {"cpus": [2, 6, 3, 7]}]
