"""The objective at epoch ends (w2v.objective): the kernel's loss with the
exact sigmoid on a fixed sample of the corpus' examples; and the workers'
wait time of each epoch."""
from __future__ import annotations

import math

import numpy as np
import pytest

from w2v import _tables, modelfile
from w2v.config import Params
from w2v.corpus import count_corpus
from w2v.model import Model
from w2v.objective import Objective, Sample, sample_size
from w2v.trainer import Trainer, plan
from w2vtest import planted_corpus, run_w2v


def softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def reference(model: Model, s: Sample) -> float:
    """The sample's mean loss in float64 numpy: input the mean of the
    example's syn0 rows; HS: -log P(1 - code[d] | dot) along the Huffman
    path; NS: -log s(dot with the word) - sum log s(-dot with each negative)."""
    p = model.params
    syn0 = model.syn0.astype(np.float64)
    total = 0.0
    if p.hs:
        codes, points, codelens = _tables.huffman(model.vocab.counts)
    for i, word in enumerate(s.targets.tolist()):
        h = syn0[s.inputs[s.offsets[i]:s.offsets[i + 1]]].mean(axis=0)
        if p.hs:
            n = codelens[word]
            f = model.syn1[points[word, :n]].astype(np.float64) @ h
            label = 1 - codes[word, :n].astype(np.float64)
            total += float(np.sum(np.where(label == 1, softplus(-f), softplus(f))))
        if p.negative:
            total += float(softplus(-(model.syn1neg[word].astype(np.float64) @ h)))
            negs = s.negs[i][s.negs[i] >= 0]
            total += float(np.sum(softplus(model.syn1neg[negs].astype(np.float64) @ h)))
    return total / len(s)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("objective")
    planted_corpus(folder / "corpus.txt", groups=8, per_group=10, tokens=40_000, seed=5, noise=0.3)
    return count_corpus(str(folder / "corpus.txt"), 1)


def trained(corpus, threads=1, objective=True, callbacks=(), **params):
    kw = dict(size=12, window=3, sample=0, iter=4, min_count=1, seed=7)
    kw.update(params)
    model = plan(Model.new(Params(**kw), corpus.vocab), len(corpus.ids), threads, corpus.fingerprint)
    Trainer(model, corpus.ids, threads=threads, objective=objective, callbacks=callbacks).run()
    return model


KINDS = [dict(cbow=0, hs=0, negative=5), dict(cbow=1, hs=0, negative=5), dict(cbow=0, hs=1, negative=0),
         dict(cbow=1, hs=1, negative=0), dict(cbow=0, hs=1, negative=3, batch=0),
         dict(cbow=0, hs=1, negative=0, batch=0), dict(cbow=1, hs=0, negative=5, batch=0)]


@pytest.mark.parametrize("kind", KINDS, ids=["sg-ns", "cbow-ns", "sg-hs", "cbow-hs", "sg-ns+hs", "sg-hs-pair",
                                             "cbow-ns-pair"])
def test_objective_equals_a_numpy_evaluation_of_its_sample(planted, kind):
    model = trained(planted, iter=2, **kind)
    obj = Objective(model, planted.ids)          # the run's sample, drawn again: the same
    assert len(obj.sample) == sample_size(len(planted.ids)) == 2000
    ref = reference(model, obj.sample)
    assert obj() == pytest.approx(ref, rel=1e-5)
    assert obj(threads=2) == pytest.approx(ref, rel=1e-5)       # two parts, summed
    assert model.objectives[-1] == pytest.approx(ref, rel=1e-5)
    assert model.objectives[0] > model.objectives[1]
    # the untrained model: syn1/syn1neg zero, every output's loss is log 2
    fresh = plan(Model.new(model.params, planted.vocab), len(planted.ids), 1, planted.fingerprint)
    o = Objective(fresh, planted.ids)
    outputs = 0
    for i, word in enumerate(o.sample.targets.tolist()):
        if kind["hs"]:
            outputs += int(_tables.huffman(planted.vocab.counts)[2][word])
        if kind["negative"]:
            outputs += 1 + int((o.sample.negs[i] >= 0).sum())
    assert o() == pytest.approx(outputs * math.log(2) / len(o.sample), rel=1e-6)


def test_sample_size():
    assert [sample_size(n) for n in (10, 400_000, 1_000_000, 17_000_000, 10 ** 9)] == \
        [2000, 2000, 2500, 42_500, 100_000]


@pytest.mark.parametrize("cbow", [0, 1])
def test_the_sample_is_the_corpus_windows(planted, cbow):
    """Every example's inputs are words at most -window away from its centre
    word in one sentence; negatives are real words, -1 only for the centre."""
    model = trained(planted, iter=1, cbow=cbow, negative=4, window=2)
    s = Objective(model, planted.ids).sample
    ids = np.asarray(planted.ids).tolist()
    near = set()
    for i, w in enumerate(ids):
        for k in range(1, 3):
            for j in (i - k, i + k):
                if 0 <= j < len(ids) and 0 not in ids[min(i, j):max(i, j) + 1]:
                    near.add((w, ids[j]))
    lens = np.diff(s.offsets)
    assert lens.min() >= 1 and lens.max() == (4 if cbow else 1)
    for i, w in enumerate(s.targets.tolist()):
        for x in s.inputs[s.offsets[i]:s.offsets[i + 1]].tolist():
            assert (w, x) in near
    assert s.negs.shape == (len(s), 4)
    assert ((s.negs >= 1) | (s.negs == -1)).all() and s.negs.max() < len(planted.vocab)
    draws = np.where(s.negs < 0, s.targets[:, None], s.negs)
    assert ((s.negs < 0) == (draws == s.targets[:, None])).all()
    # the noise distribution is unigram^0.75 (checked on the commonest word's share)
    noise = planted.vocab.counts[1:].astype(float) ** 0.75
    share = (draws == 1).mean()
    assert share == pytest.approx(noise[0] / noise.sum(), rel=0.15)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """Planted groups without noise: every epoch still has something to learn."""
    folder = tmp_path_factory.mktemp("objective_clean")
    planted_corpus(folder / "corpus.txt", groups=8, per_group=10, tokens=40_000, seed=5)
    return count_corpus(str(folder / "corpus.txt"), 1)


@pytest.mark.parametrize("kind", KINDS[:4], ids=["sg-ns", "cbow-ns", "sg-hs", "cbow-hs"])
def test_objective_falls_every_epoch(clean, kind):
    model = trained(clean, iter=5, threads=1, **kind)      # one thread: the same run every time
    obj = model.objectives
    assert len(obj) == 5
    assert all(b < a - 0.005 for a, b in zip(obj, obj[1:])), obj


def test_the_objective_does_not_change_training(planted):
    a = trained(planted, iter=2, objective=True)
    b = trained(planted, iter=2, objective=False)
    assert a.syn0.tobytes() == b.syn0.tobytes() and a.syn1neg.tobytes() == b.syn1neg.tobytes()
    assert a.losses == b.losses
    assert all(x == x for x in a.objectives) and all(x != x for x in b.objectives)


def test_resume_keeps_the_sample_and_the_objectives(planted, tmp_path):
    full = trained(planted, iter=3)
    stop = trained(planted, iter=3, callbacks=[lambda info: info.epoch < 1])
    assert stop.progress.epoch == 1
    stop.save(str(tmp_path / "ck.w2vm"), checkpoint=True)
    back = Model.load(str(tmp_path / "ck.w2vm"))
    assert back.objectives == stop.objectives
    a, b = Sample.draw(stop, planted.ids), Sample.draw(back, planted.ids)
    for name in ("targets", "inputs", "offsets", "negs"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    Trainer(back, planted.ids).run()
    assert back.objectives == full.objectives
    assert back.syn0.tobytes() == full.syn0.tobytes()
    # another seed or another process: another sample
    other = Sample.draw(stop, planted.ids, key=1)
    assert not np.array_equal(a.targets, other.targets)


def test_a_model_file_without_objectives_loads(planted, tmp_path):
    model = trained(planted, iter=2)
    model.save(str(tmp_path / "m.w2vm"))
    arrays, meta = modelfile.read(str(tmp_path / "m.w2vm"), mmap=False)
    del arrays["objectives"]
    modelfile.write(str(tmp_path / "old.w2vm"), arrays, meta, "model file")
    old = Model.load(str(tmp_path / "old.w2vm"))
    assert old.losses == model.losses and len(old.objectives) == 2
    assert all(x != x for x in old.objectives)
    assert Model.load(str(tmp_path / "m.w2vm")).objectives == model.objectives


def test_epoch_info_and_the_epoch_line(planted, tmp_path):
    seen = []
    trained(planted, iter=3, threads=2, callbacks=[seen.append])
    start = 0.0
    for info in seen:
        assert info.objective == info.model.objectives[info.epoch - 1]
        # worker-seconds idle: at most every worker's whole epoch
        assert 0.0 <= info.wait_s <= 2 * (info.seconds - start) + 0.01
        start = info.seconds
    planted_corpus(tmp_path / "c.txt", groups=4, per_group=5, tokens=5_000, seed=1)
    res = run_w2v(["train", "-train", "c.txt", "-output", "v.txt", "-size", "8", "-iter", "2", "-min-count", "1",
                   "-threads", "2", "-debug", "1"], cwd=str(tmp_path))
    assert res.returncode == 0, str(res)
    lines = [ln for ln in res.err_lines if ln.startswith("epoch ")]
    assert len(lines) == 2
    for ln in lines:
        head, rest = ln.split(": loss ")
        loss, rest = rest.split(" per example, objective ")
        objective, rest = rest.split(", ", 1)
        assert float(loss) > 0 and float(objective) > 0 and rest.endswith(" words/s")
    waits = [ln for ln in res.err_lines if ln.startswith("Workers waited ")]
    assert len(waits) == 1 and waits[0].endswith(" % of their time)"), res
    seconds, share = waits[0].split()[2], waits[0].split("(")[1].split()[0]
    assert float(seconds) >= 0 and 0 <= float(share) <= 100


@pytest.mark.parametrize("flags", [["-cbow", "0"], ["-cbow", "1"], ["-cbow", "0", "-hs", "1", "-negative", "0"]],
                         ids=["sg-ns", "cbow-ns", "sg-hs"])
def test_paragraph_vectors_objective_is_over_word_examples(tmp_path, flags):
    """With -sentence-vectors 1 the line's ID (an id past the vocabulary) is
    never a centre, a context or a negative of the sample: the objective of
    every epoch is a finite number and the run writes its vectors."""
    lines = [f"_*{i} " + " ".join(f"w{(i * 7 + k) % 50}" for k in range(12)) for i in range(400)]
    (tmp_path / "d.txt").write_text("\n".join(lines) + "\n")
    r = run_w2v(["train", "-train", "d.txt", "-output", "v.txt", "-sentence-vectors", "1", "-size", "10",
                 "-iter", "3", "-threads", "2", "-min-count", "1", "-debug", "1", *flags], cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    values = [float(line.split("objective ")[1].split(",")[0]) for line in r.stderr.decode().splitlines()
              if line.startswith("epoch ")]
    assert len(values) == 3 and all(math.isfinite(v) and v > 0 for v in values), values
    assert (tmp_path / "v.txt").read_text().count("_*") == 400
