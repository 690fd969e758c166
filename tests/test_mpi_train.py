"""`mpiexec -n 2 w2v train`: planted neighbours learned by two ranks, the
vocabulary of one process, only rank 0 writes, messages once, faults end the
whole job with no output."""
from __future__ import annotations

import gzip
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid

import pytest

from mpitest import clean_env, mpiexec, run_mpi, run_script
from w2v.model import Model
from w2vtest import BASE, MODES, Result, assert_learned, assert_one_line_error, console_script, make_text, run_w2v


def w2v_mpi(folder, *args, n=2, timeout=180):
    return run_mpi([console_script(), "train", *args], str(folder), n=n, timeout=timeout)


@pytest.mark.parametrize("mode", ["sg-ns", "cbow-ns"])
def test_two_ranks_learn_planted_neighbours(planted, tmp_path, mode):
    folder, groups = planted
    r = w2v_mpi(tmp_path, "-train", folder / "corpus.txt", "-output", "v.bin", *BASE, *MODES[mode],
                "-threads", "1", "-sync-every", "0.05")
    assert r.returncode == 0 and r.stdout == b"", r
    assert_learned(tmp_path / "v.bin", groups)
    assert sorted(os.listdir(tmp_path)) == ["v.bin"]


def _vocab_files(tmp_path, *train_args, read_vocab=None):
    extra = ["-read-vocab", read_vocab] if read_vocab else []
    one = subprocess.run([console_script(), "train", *train_args, "-save-vocab", "one.txt", "-min-count", "3",
                          "-debug", "0", *extra], cwd=tmp_path, capture_output=True, env=clean_env())
    assert one.returncode == 0, one.stderr
    two = w2v_mpi(tmp_path, *train_args, "-save-vocab", "two.txt", "-min-count", "3", "-debug", "0", *extra)
    assert two.returncode == 0 and two.stderr == one.stderr, two     # the messages once
    return (tmp_path / "one.txt").read_bytes(), (tmp_path / "two.txt").read_bytes()


def test_save_vocab_equals_one_process(tmp_path):
    texts = [make_text(s, 120) for s in (11, 12, 13)]
    for i, t in enumerate(texts):
        (tmp_path / f"part{i}.txt").write_bytes(t)
    (tmp_path / "all.txt.gz").write_bytes(gzip.compress(b"".join(texts)))
    for args in (["-train", "part0.txt"], ["-train", "part*.txt"], ["-train", "all.txt.gz"],
                 ["-train", "part2.txt", "-train", "all.txt.gz"]):
        one, two = _vocab_files(tmp_path, *args)
        assert one == two and one.startswith(b"</s> "), args
    (tmp_path / "given.txt").write_bytes(b"w1 50\nw3 40\nw2 40\nzzz 1\n")
    one, two = _vocab_files(tmp_path, "-train", "part*.txt", read_vocab="given.txt")
    assert one == two == b"</s> 0\nw1 50\nw3 40\nw2 40\n"


def test_messages_once_and_only_rank0_writes(planted, tmp_path):
    folder, _ = planted
    r = w2v_mpi(tmp_path, "-train", folder / "corpus.txt", "-output", "v.txt", "-save-vocab", "voc.txt",
                "-size", "8", "-iter", "1", "-threads", "1", "-debug", "1")
    assert r.returncode == 0, r
    lines = r.err_lines
    assert sum(ln.startswith("Starting training using file") for ln in lines) == 1, r
    assert sum(ln.startswith("Vocab size: 201") for ln in lines) == 1, r
    assert sorted(os.listdir(tmp_path)) == ["v.txt", "voc.txt"]


@pytest.mark.parametrize("args,message", [
    (["-train", "-", "-output", "v.txt"], "standard input (-train -) cannot be shared by 2 processes"),
    (["-train", "missing.txt", "-output", "v.txt"], "training file 'missing.txt' not found"),
    (["-train", "t.txt", "-output", "v.txt", "-size", "0"], "-size must be between 1 and 100000"),
    (["-train", "t.txt", "-output", "v.txt", "-bogus", "1"], "No such option '-bogus'"),
    (["-train", "t.txt", "-output", "v.txt", "-min-count", "1000"], "occurs at least -min-count 1000 times"),
])
def test_errors_reported_once(tmp_path, args, message):
    (tmp_path / "t.txt").write_bytes(b"a b c\n" * 20)
    r = w2v_mpi(tmp_path, *args)
    assert_one_line_error(r, contains=message)
    assert sorted(os.listdir(tmp_path)) == ["t.txt"]


FAILING_RANK = r"""
import sys
from w2v import distributed, cli
from w2v.errors import W2VError
calls, kind = [0], sys.argv[1]
average = distributed.RankSync.average
def failing_average(self, arrays, rows=None):
    calls[0] += 1
    if self.rank == 1 and calls[0] == 3:
        if kind == "error":
            raise W2VError("disk on fire")
        raise RuntimeError("a bug")
    return average(self, arrays, rows)
distributed.RankSync.average = failing_average
sys.argv[1:] = ["train", "-train", sys.argv[2], "-output", "v.bin", "-size", "8", "-iter", "20",
                "-threads", "1", "-sync-every", "0.02", "-debug", "0"]
cli.main()
"""


@pytest.mark.parametrize("kind", ["error", "bug"])
def test_a_failing_rank_ends_the_job(planted, tmp_path, kind):
    folder, _ = planted
    t0 = time.monotonic()
    r = run_script(FAILING_RANK, str(tmp_path), args=[kind, str(folder / "corpus.txt")], timeout=120)
    assert r.returncode != 0, r
    assert time.monotonic() - t0 < 60
    if kind == "error":
        assert "w2v train: error: disk on fire (rank 1)" in r.err_lines, r
    else:
        assert b"RuntimeError: a bug" in r.stderr, r
    assert not [p for p in os.listdir(tmp_path) if p != "mpi_script.py"]


def _pids_with(tag: str):
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if f"W2V_TEST_TAG={tag}".encode() in env and b"PMI_RANK=1" in env:
            pids.append(int(pid))
    return pids


LONG_JOB = ("-output", "v.bin", "-size", "8", "-iter", "5000", "-threads", "1", "-debug", "0")


def _job_and_rank1(folder, tmp_path, *extra, job=LONG_JOB, ready=None):
    """Start a long 2-rank job; returns the mpiexec process and rank 1's pid
    (found by a tag in its environment), once it has trained a moment (or,
    given *ready*, once that file exists)."""
    tag = uuid.uuid4().hex
    env = clean_env()
    env["W2V_TEST_TAG"] = tag
    p = subprocess.Popen([mpiexec(), "-n", "2", console_script(), "train", "-train", str(folder / "corpus.txt"),
                          *job, *extra], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    victims = []
    while not victims and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.3)
        victims = [v for v in _pids_with(tag) if v != p.pid]
    while ready is not None and not os.path.exists(ready) and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.05)
    if not victims or p.poll() is not None:
        p.kill()
        p.wait()
        pytest.fail(f"rank 1 not found or the job ended: {p.stderr.read()!r}")
    if ready is None:
        time.sleep(1.5)
    return p, victims[0]


def test_a_killed_rank_ends_the_job(planted, tmp_path):
    folder, _ = planted
    p, rank1 = _job_and_rank1(folder, tmp_path)
    try:
        os.kill(rank1, signal.SIGKILL)
        t0 = time.monotonic()
        p.communicate(timeout=30)
        assert time.monotonic() - t0 < 15
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode != 0
    assert os.listdir(tmp_path) == []


def _signal_and_wait(p, pid, sig):
    """Send *sig* to *pid* (a rank of job *p*) and wait for the job; its stderr."""
    try:
        os.kill(pid, sig)
        _, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return err


def test_a_stop_signal_to_one_rank_stops_all(planted, tmp_path):
    """Slurm's --signal=USR1@T (or a kill) reaching one rank: every rank stops
    at the next round; one message, no output."""
    folder, _ = planted
    p, rank1 = _job_and_rank1(folder, tmp_path, "-sync-every", "0.1")
    err = _signal_and_wait(p, rank1, signal.SIGUSR1)
    assert p.returncode != 0
    assert err.decode().splitlines() == ["w2v train: interrupted: training stopped, no output written"], err
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------ checkpoints, -resume, -continue
def test_stopped_job_checkpoints_and_resumes(planted, tmp_path):
    """SIGTERM to one rank with -checkpoint: one file with both ranks'
    progress; -resume on 2 ranks finishes where it said and learns; the
    checkpoint under one process, or another text, is a clear error."""
    folder, groups = planted
    job = ("-output", "v.bin", *BASE, "-iter", "200", "-threads", "1", "-sync-every", "0.05",
           "-checkpoint", "ck.w2vm", "-checkpoint-every", "0.004")
    p, rank1 = _job_and_rank1(folder, tmp_path, job=job, ready=tmp_path / "ck.w2vm")
    err = _signal_and_wait(p, rank1, signal.SIGTERM)
    assert p.returncode == 143, err
    last = err.decode().splitlines()
    assert len(last) == 1 and last[0].startswith("w2v train: interrupted: stopped at epoch ") and \
        last[0].endswith("resume with: mpiexec -n 2 w2v train -resume ck.w2vm"), err
    assert sorted(os.listdir(tmp_path)) == ["ck.w2vm"]
    ck = Model.load(str(tmp_path / "ck.w2vm"))
    pr = ck.progress
    assert len(pr.ranks) == 2 and not pr.finished and 0 < pr.job_words < 200 * 100_000
    for r in pr.ranks:      # each rank's words: the job's, scaled to its share
        assert r.corpus_words > 0 and abs(r.words_done - pr.job_words * r.corpus_words /
                                          sum(q.corpus_words for q in pr.ranks)) <= 1
    assert sum(len(r.streams) for r in pr.ranks) == 2

    three = Model.load(str(tmp_path / "ck.w2vm"), mmap=False)
    three.progress.ranks.append(three.progress.ranks[1])
    three.save(str(tmp_path / "three.w2vm"), checkpoint=True)
    assert_one_line_error(w2v_mpi(tmp_path, "-resume", "three.w2vm"),
                          contains="'three.w2vm' was written by 3 processes, this run has 2 processes: "
                                   "resume it with mpiexec -n 3 w2v train -resume three.w2vm")
    assert_one_line_error(run_w2v(["train", "-resume", "ck.w2vm"], str(tmp_path)),
                          contains="'ck.w2vm' was written by 2 processes, this run has one process: "
                                   "resume it with mpiexec -n 2 w2v train -resume ck.w2vm")
    (tmp_path / "other.txt").write_bytes((folder / "corpus.txt").read_bytes()[:-2000] + b"\n")
    assert_one_line_error(w2v_mpi(tmp_path, "-resume", "ck.w2vm", "-train", "other.txt"),
                          contains="is not the text this checkpoint was trained on")
    r = w2v_mpi(tmp_path, "-resume", "ck.w2vm", "-debug", "1", "-save-model", "m.w2vm")
    assert r.returncode == 0, r
    assert f"Resuming at epoch {pr.epoch + 1}/200, {pr.job_words} words done" in r.err_lines, r
    assert_learned(tmp_path / "v.bin", groups)
    done = Model.load(str(tmp_path / "m.w2vm"))
    assert done.progress.finished and done.epoch == 200 and not done.progress.ranks

    assert_one_line_error(w2v_mpi(tmp_path, "-resume", "m.w2vm"), contains="use -continue")
    one = run_w2v(["train", "-train", str(folder / "corpus.txt"), "-iter", "1", "-size", "4", "-min-count", "1",
                   "-debug", "0", "-checkpoint", "one.w2vm"], str(tmp_path))
    assert one.returncode == 0, one
    assert_one_line_error(w2v_mpi(tmp_path, "-resume", "one.w2vm", "-output", "x.bin"),
                          contains="'one.w2vm' was written by one process, this run has 2 processes: "
                                   "resume it with w2v train -resume one.w2vm")
    assert not (tmp_path / "x.bin").exists()


def test_continue_on_two_ranks_with_periodic_checkpoints(planted, tmp_path):
    folder, groups = planted
    corpus = str(folder / "corpus.txt")
    one = run_w2v(["train", "-train", corpus, *BASE, "-iter", "1", "-threads", "1", "-save-model", "m.w2vm"],
                  str(tmp_path))
    assert one.returncode == 0, one
    r = w2v_mpi(tmp_path, "-continue", "m.w2vm", "-train", corpus, "-output", "v.bin", "-iter", "80",
                "-threads", "1", "-sync-every", "0.02", "-checkpoint", "ck.w2vm", "-checkpoint-every", "0.002",
                "-binary", "1", "-debug", "0")
    assert r.returncode == 0 and r.stderr == b"", r
    assert_learned(tmp_path / "v.bin", groups)
    ck = Model.load(str(tmp_path / "ck.w2vm"))     # the last periodic one, written while training
    assert len(ck.progress.ranks) == 2 and ck.progress.runs == 1 and ck.progress.epochs == 80
    assert ck.params.size == 16 and ck.job.continue_from == "m.w2vm"
    assert_one_line_error(w2v_mpi(tmp_path, "-continue", "m.w2vm", "-train", corpus, "-output", "u.bin",
                                  "-update-vocab", "1"),
                          contains="-update-vocab 1 is not supported with several processes")
    assert_one_line_error(w2v_mpi(tmp_path, "-continue", "v.bin", "-train", corpus, "-output", "u.bin"),
                          contains="not a w2v model")
    assert not (tmp_path / "u.bin").exists()


def test_objective_is_over_every_ranks_sample(planted, tmp_path):
    """The objective of a 2-rank run: each rank's sample of its own share,
    summed over the ranks (the matrices are identical at the epoch barrier)."""
    from w2v.corpus import encode_corpus
    from w2v.io import iter_text
    from w2v.objective import Objective

    folder, groups = planted
    r = w2v_mpi(tmp_path, "-train", folder / "corpus.txt", "-output", "v.bin", "-save-model", "m.w2vm",
                *BASE[:-4], "-debug", "1", "-threads", "1", "-sync-every", "0.05")
    assert r.returncode == 0, r
    lines = [ln for ln in r.err_lines if ln.startswith("epoch ")]
    assert len(lines) == 3 and all(", objective " in ln for ln in lines), r
    model = Model.load(str(tmp_path / "m.w2vm"), mmap=False)
    assert len(model.objectives) == 3 and model.objectives[2] < model.objectives[0]
    assert [float(ln.split("objective ")[1].split(",")[0]) for ln in lines] == \
        pytest.approx(model.objectives, abs=6e-5)
    loss = n = 0
    for rank in range(2):
        share = b"".join(iter_text([str(folder / "corpus.txt")], share=(rank, 2)))
        (tmp_path / f"share{rank}.txt").write_bytes(share)
        ids = encode_corpus(str(tmp_path / f"share{rank}.txt"), model.vocab).ids
        part, k = Objective(model, ids, key=rank).total()
        loss, n = loss + part, n + k
    assert model.objectives[-1] == pytest.approx(loss / n, rel=1e-6)


def _rounds(r) -> int:
    """The rounds of the closing MPI line, whose seconds must add up: the
    wait for the other ranks is part of the time in MPI."""
    line = [ln for ln in r.err_lines if ln.startswith("MPI: ")]
    assert len(line) == 1, r
    m = re.fullmatch(r"MPI: (\d+) rounds, \d+ averages, [\d.]+ MB averaged, ([\d.]+) s in MPI "
                     r"\(([\d.]+) s CPU, ([\d.]+) s waiting for the other ranks in the rounds' control sums\)",
                     line[0])
    assert m, line[0]
    assert float(m.group(4)) <= float(m.group(2)), line[0]
    return int(m.group(1))


def test_rounds_are_counted_in_words(planted, tmp_path):
    """-sync-words N: a round after every N words of all ranks (each rank its
    share), whatever the ranks' speed; -sync-every adds rounds by time."""
    folder, groups = planted
    args = ["-train", folder / "corpus.txt", "-output", "v.bin", *BASE[:-4], "-debug", "2", "-threads", "1"]
    r = w2v_mpi(tmp_path, *args, "-sync-words", "20000")
    assert r.returncode == 0, r
    total = int([ln for ln in r.err_lines if ln.startswith("Words in train file:")][0].split()[-1])
    expected = 3 * total / 20000          # -iter 3
    assert 0.7 * expected <= _rounds(r) <= 1.3 * expected + 3 * 2, (_rounds(r), expected)
    # a round per epoch only (the barrier) when the words per round exceed the job
    r = w2v_mpi(tmp_path, *args, "-sync-words", "1000000000")
    assert r.returncode == 0 and _rounds(r) <= 3 * 2, r
    # by time only (-sync-words 0): none due in this short run but the barriers
    r = w2v_mpi(tmp_path, *args, "-sync-words", "0", "-sync-every", "1000")
    assert r.returncode == 0 and _rounds(r) <= 3 * 2, r
    # by time as well as by words: whichever comes first
    r = w2v_mpi(tmp_path, *args, "-sync-words", "20000", "-sync-every", "1000")
    assert r.returncode == 0 and 0.7 * expected <= _rounds(r), r


BIND = r"""
import json, os, sys
from w2v import distributed
dist = distributed.init()
before = sorted(os.sched_getaffinity(0))
placed = dist.bind(int(sys.argv[1]), enabled=sys.argv[2] == "1")
sys.stdout.write(json.dumps([dist.local_rank, before, sorted(os.sched_getaffinity(0)), placed]) + "\n")
sys.stdout.flush()
"""


def _bound(r):
    assert r.returncode == 0, r
    rows = {}
    for line in r.stdout.decode().splitlines():
        if line.strip():
            rank, before, after, placed = json.loads(line)
            rows[rank] = (before, after, placed)
    assert len(rows) == 2, r
    return [rows[k] for k in sorted(rows)]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 CPUs")
def test_ranks_of_a_node_are_bound_to_cores_of_their_own(tmp_path):
    cpus = sorted(os.sched_getaffinity(0))
    rows = _bound(run_script(BIND, str(tmp_path), n=2, args=["1", "1"]))
    assert [placed for _, _, placed in rows] == ["each on cores of its own"] * 2
    assert all(before == cpus for before, _, _ in rows)
    after = [a for _, a, _ in rows]
    assert all(len(a) == 1 and a[0] in cpus for a in after) and after[0] != after[1], after
    # -bind 0: left where the OS puts them
    rows = _bound(run_script(BIND, str(tmp_path), n=2, args=["1", "0"]))
    assert rows == [(cpus, cpus, "placed by the OS: -bind 0")] * 2
    # more threads than the node has cores: left alone
    many = str(len(cpus))
    rows = _bound(run_script(BIND, str(tmp_path), n=2, args=[many, "1"]))
    reason = f"placed by the OS: more threads ({2 * len(cpus)}) than cores ({len(cpus)})"
    assert rows == [(cpus, cpus, reason)] * 2


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 CPUs")
def test_ranks_the_launcher_bound_stay_where_it_put_them(tmp_path):
    (tmp_path / "mpi_script.py").write_text(BIND)
    p = subprocess.run([mpiexec(), "-bind-to", "core", "-n", "2", sys.executable, "mpi_script.py", "1", "1"],
                       cwd=tmp_path, capture_output=True, env=clean_env(), timeout=120)
    rows = _bound(Result(p.args, p.returncode, p.stdout, p.stderr))
    assert [placed for _, _, placed in rows] == ["placed by the launcher"] * 2
    assert all(before == after and len(before) == 1 for before, after, _ in rows), rows


def test_training_log_says_how_the_ranks_were_placed(planted, tmp_path):
    folder, _ = planted
    r = w2v_mpi(tmp_path, "-train", folder / "corpus.txt", "-output", "v.bin", *BASE[:-4], "-debug", "2",
                "-threads", "1")
    assert r.returncode == 0, r
    placed = "each on cores of its own" if len(os.sched_getaffinity(0)) >= 2 else \
        "placed by the OS: more threads (2) than cores (1)"
    assert f"Processes: 2, threads each: 1 ({placed})" in r.err_lines, r
