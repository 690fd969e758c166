"""Deterministic tables: Huffman tree, negative-sampling alias table, sigmoid
table, subsampling keep probabilities, syn0 initialisation (C reference 1.5-1.7)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from w2v import _tables


# ------------------------------------------------------------------ Huffman
def test_huffman_hand_worked_example():
    """counts in vocab order (</s> first whatever its count):
        0 </s> 4, 1 a 5, 2 b 3, 3 c 2, 4 d 1, 5 e 1        V = 6

    word2vec.c's two queues: leaves from the end (pos1 = 5, counts ascending
    as pos1 decreases), inner nodes 6.. in creation order (pos2 = 6, count
    1e15 until created).  A leaf is taken only if *strictly* smaller than the
    next inner node.  The first node picked gets bit 0, the second bit 1.

    step 0: leaf 5 (1) < 1e15 -> min1 = 5; leaf 4 (1) < 1e15 -> min2 = 4
            node 6 = 2;  bits: 5 -> 0, 4 -> 1
    step 1: leaf 3 (2) < node 6 (2)? no -> min1 = 6; leaf 3 (2) < 1e15 -> min2 = 3
            node 7 = 4;  6 -> 0, 3 -> 1
    step 2: leaf 2 (3) < node 7 (4) -> min1 = 2; leaf 1 (5) < node 7 (4)? no -> min2 = 7
            node 8 = 7;  2 -> 0, 7 -> 1
    step 3: leaf 1 (5) < node 8 (7) -> min1 = 1; leaf 0 (4) < 7 -> min2 = 0
            node 9 = 9;  1 -> 0, 0 -> 1
    step 4: no leaves left -> min1 = node 8, min2 = node 9
            node 10 = 16 (root = 2V - 2);  8 -> 0, 9 -> 1

    Paths from the root (points = inner node - V; root = 10 - 6 = 4):
        </s>: 10 -1-> 9 -1-> 0               code 1 1      points 4 3
        a:    10 -1-> 9 -0-> 1               code 1 0      points 4 3
        b:    10 -0-> 8 -0-> 2               code 0 0      points 4 2
        c:    10 -0-> 8 -1-> 7 -1-> 3        code 0 1 1    points 4 2 1
        d:    10 -0-> 8 -1-> 7 -0-> 6 -1-> 4 code 0 1 0 1  points 4 2 1 0
        e:    ...                  6 -0-> 5  code 0 1 0 0  points 4 2 1 0
    """
    codes, points, codelens = _tables.huffman(np.array([4, 5, 3, 2, 1, 1], dtype=np.int64))
    assert codelens.tolist() == [2, 2, 2, 3, 4, 4]
    assert codes.shape == (6, 4) and points.shape == (6, 4)
    got_codes = [codes[w, :codelens[w]].tolist() for w in range(6)]
    got_points = [points[w, :codelens[w]].tolist() for w in range(6)]
    assert got_codes == [[1, 1], [1, 0], [0, 0], [0, 1, 1], [0, 1, 0, 1], [0, 1, 0, 0]]
    assert got_points == [[4, 3], [4, 3], [4, 2], [4, 2, 1], [4, 2, 1, 0], [4, 2, 1, 0]]


def test_huffman_two_and_three_words():
    # V = 2: leaf 1 (count 3) first (bit 0), leaf 0 second (bit 1); root = node 2 -> point 0
    codes, points, lens = _tables.huffman(np.array([7, 3], dtype=np.int64))
    assert lens.tolist() == [1, 1]
    assert codes[:, 0].tolist() == [1, 0] and points[:, 0].tolist() == [0, 0]
    # V = 3, counts </s> 0, x 2, y 2: leaf 2 (2) -> min1, leaf 1 (2) -> min2: node 3 = 4
    # then leaf 0 (0) < node 3 -> min1 (bit 0), node 3 -> min2 (bit 1): root 4 -> point 1
    codes, points, lens = _tables.huffman(np.array([0, 2, 2], dtype=np.int64))
    assert lens.tolist() == [1, 2, 2]
    assert [codes[w, :lens[w]].tolist() for w in range(3)] == [[0], [1, 1], [1, 0]]
    assert [points[w, :lens[w]].tolist() for w in range(3)] == [[1], [1, 0], [1, 0]]
    with pytest.raises(ValueError):
        _tables.huffman(np.array([5], dtype=np.int64))



def test_huffman_counts_beyond_c_placeholder():
    """C marks unbuilt inner nodes with count 1e15; a (read-vocab) count at or
    above it made the tree walk loop forever; such counts now work:
        counts </s> 1, a 2e15, b 3
        step 0: leaf 2 (3) -> min1 (bit 0), leaf 1 (2e15) -> min2 (bit 1): node 3
        step 1: leaf 0 (1) -> min1 (bit 0), node 3 -> min2 (bit 1): root 4 (point 1)
    """
    codes, points, lens = _tables.huffman(np.array([1, 2 * 10 ** 15, 3], dtype=np.int64))
    assert [codes[w, :lens[w]].tolist() for w in range(3)] == [[0], [1, 1], [1, 0]]
    assert [points[w, :lens[w]].tolist() for w in range(3)] == [[1], [1, 0], [1, 0]]
    with pytest.raises(ValueError, match="2\\^62"):
        _tables.huffman(np.array([1, 2 ** 61, 2 ** 61], dtype=np.int64))
    with pytest.raises(ValueError):
        _tables.huffman(np.array([1, -1], dtype=np.int64))

def test_huffman_is_a_prefix_code_and_deeper_than_c_limit():
    rng = np.random.default_rng(0)
    counts = np.sort(rng.integers(1, 10_000, size=500))[::-1].astype(np.int64)
    codes, points, lens = _tables.huffman(np.ascontiguousarray(counts))
    # Kraft equality of a full binary tree, and all codes distinct
    assert sum(2.0 ** -int(n) for n in lens) == pytest.approx(1.0, abs=1e-12)
    strings = {"".join(map(str, codes[w, :lens[w]])) for w in range(len(counts))}
    assert len(strings) == len(counts)
    # every path starts at the root (V - 2), inner nodes are 0..V-2
    assert (points[:, 0] == len(counts) - 2).all()
    assert points.max() <= len(counts) - 2 and points.min() >= 0
    # frequent words get codes no longer than rare ones
    assert lens[1] <= lens[-1]
    # doubling counts give a chain: depth V - 1 = 44 > C's MAX_CODE_LENGTH 40
    # (counts stay below C's 1e15 placeholder for inner nodes)
    chain = np.array([2 ** k for k in range(45, 0, -1)], dtype=np.int64)
    _, _, lens = _tables.huffman(chain)
    assert lens.max() == 44 and lens.tolist() == list(range(1, 45)) + [44]


# ------------------------------------------------------------------ alias table
@pytest.mark.parametrize("counts", [
    [3, 100, 50, 50, 7, 1],
    [0, 9, 4, 1],                # </s> with count 0 is never drawn
    [5, 5],
    [1] * 17,
    [123456789, 1, 1, 1],
])
def test_alias_table_exact_distribution(counts):
    counts = np.array(counts, dtype=np.int64)
    prob, alias = _tables.alias_table(counts)
    p = _tables.alias_probabilities(prob, alias)
    w = counts.astype(np.float64) ** 0.75
    expected = w / w.sum()
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.abs(p - expected).max() < 1e-9
    assert ((expected == 0) <= (p == 0)).all()


def test_alias_table_large_zipf_vocabulary():
    V = 50_000
    counts = np.maximum(1, (1e7 / np.arange(1, V + 1) ** 1.1)).astype(np.int64)
    prob, alias = _tables.alias_table(counts)
    assert prob.dtype == np.uint32 and alias.dtype == np.int32
    assert alias.min() >= 0 and alias.max() < V
    p = _tables.alias_probabilities(prob, alias)
    w = counts.astype(np.float64) ** 0.75
    expected = w / w.sum()
    assert np.abs(p - expected).max() < 1e-9
    # exact well below 1e-6 in relative terms too, rarest words included
    assert (np.abs(p - expected) / expected).max() < 1e-6


def test_alias_table_other_power_and_errors():
    counts = np.array([1, 16, 81], dtype=np.int64)
    prob, alias = _tables.alias_table(counts, 0.5)
    # weights 1, 4, 9 -> 1/14, 4/14, 9/14
    assert _tables.alias_probabilities(prob, alias) == pytest.approx([1 / 14, 4 / 14, 9 / 14], abs=1e-9)
    with pytest.raises(ValueError):
        _tables.alias_table(np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError):
        _tables.alias_table(np.zeros(0, dtype=np.int64))


# ------------------------------------------------------------------ sigmoid table
@pytest.mark.parametrize("i, value", [
    (0, 0.0024726231566347743),      # x = -6: 1 / (1 + e^6)
    (1, 0.002502398680484971),       # x = (0.001 * 2 - 1) * 6 = -5.988
    (250, 0.04742587317756678),      # x = -3
    (500, 0.5),                      # x = 0
    (583, 0.7302714044131815),       # x = 0.996
    (750, 0.9525741268224334),       # x = 3
    (999, 0.9974976013195149),       # x = 5.988: the table stops short of +6
])
def test_sigmoid_table_values(i, value):
    t = _tables.exp_table()
    assert t.dtype == np.float32 and t.shape == (1000,)
    assert t[i] == pytest.approx(value, rel=1e-6, abs=1e-7)


def test_sigmoid_table_shape():
    t = _tables.exp_table().astype(np.float64)
    assert (np.diff(t) > 0).all()
    # symmetric around entry 500: sigmoid(-x) = 1 - sigmoid(x)
    assert np.abs(t[500 + np.arange(1, 500)] + t[500 - np.arange(1, 500)] - 1).max() < 1e-6


# ------------------------------------------------------------------ subsampling
def test_keep_probabilities_formula():
    """t = sample * train_words = 1e-3 * 1120 = 1.12;  keep(c) = (sqrt(c/t) + 1) * t / c
         c = 1000: (sqrt(892.857) + 1) * 0.00112 = (29.8807 + 1) * 0.00112 = 0.0345864
         c = 100:  (sqrt(89.2857) + 1) * 0.0112  = (9.44911 + 1) * 0.0112  = 0.1170301
         c = 10:   (sqrt(8.92857) + 1) * 0.112   = (2.98807 + 1) * 0.112   = 0.4466640
         c = 1:    (sqrt(0.892857) + 1) * 1.12   = 2.1783 (> 1: always kept)
       index 0 (</s>) is never subsampled; count 0 words are left at 1."""
    counts = np.array([9, 1000, 100, 10, 1, 0], dtype=np.int64)
    keep = _tables.keep_probabilities(counts, 1e-3, 1120)
    assert keep.dtype == np.float32
    assert keep[0] == 1.0
    assert keep[1] == pytest.approx(0.03458640106136303, rel=1e-6)
    assert keep[2] == pytest.approx(0.11703005244258363, rel=1e-6)
    assert keep[3] == pytest.approx(0.44666401061363026, rel=1e-6)
    assert keep[4] >= 1.0
    assert keep[5] == 1.0


def test_keep_probabilities_match_formula_everywhere():
    rng = np.random.default_rng(1)
    counts = np.concatenate([[50], np.sort(rng.integers(1, 10 ** 6, 300))[::-1]]).astype(np.int64)
    tw = int(counts.sum())
    for sample in (1e-5, 1e-4, 1e-3):
        keep = _tables.keep_probabilities(counts, sample, tw).astype(np.float64)
        t = sample * tw
        c = counts[1:].astype(np.float64)
        f = (np.sqrt(c / t) + 1) * t / c
        below = f < 1
        assert np.allclose(keep[1:][below], f[below], rtol=1e-6)
        assert (keep[1:][~below] >= 1).all()
        # more frequent words are kept less often
        assert (np.diff(keep[1:]) >= 0).all()


# ------------------------------------------------------------------ syn0 init
def test_init_syn0_is_c_lcg():
    """C: next = next * 25214903917 + 11 (mod 2^64), seeded with 1;
    value = ((next & 0xFFFF) / 65536 - 0.5) / size, row-major.
    next1 = 25214903928 = 0x5DEECE678 -> 0xE678 = 59000 -> (0.9002685 - 0.5) / 4 = 0.1000671
    The reference's first text row for -size 4 is `0.100067 0.110485 -0.095757 -0.081951`."""
    syn0 = _tables.init_syn0(3, 4)
    assert syn0.dtype == np.float32 and syn0.shape == (3, 4)
    assert syn0[0, 0] == np.float32(((59000 / 65536) - 0.5) / 4)
    assert " ".join("%f" % v for v in syn0[0]) == "0.100067 0.110485 -0.095757 -0.081951"
    # second row continues the same generator: 41724, 52567, 38934, 34153
    assert syn0[1].tolist() == [np.float32((v / 65536 - 0.5) / 4) for v in (41724, 52567, 38934, 34153)]


def test_init_syn0_against_python_lcg():
    V, D = 7, 13
    state, expect = 1, []
    for _ in range(V * D):
        state = (state * 25214903917 + 11) % 2 ** 64
        expect.append(np.float32((np.float32(state & 0xFFFF) / np.float32(65536) - np.float32(0.5))
                                 / np.float32(D)))
    assert _tables.init_syn0(V, D).ravel().tolist() == expect
    # range [-0.5/size, 0.5/size)
    big = _tables.init_syn0(1000, 10)
    assert big.min() >= -0.05 and big.max() < 0.05
    assert abs(float(big.mean())) < 1e-3


def test_init_syn0_into_out():
    """out=: the same values written into the given array (returned)."""
    out = np.full((7, 13), np.nan, dtype=np.float32)
    assert _tables.init_syn0(7, 13, 5, out=out) is out
    assert np.array_equal(out, _tables.init_syn0(7, 13, 5))
    empty = np.zeros((0, 4), dtype=np.float32)
    assert _tables.init_syn0(0, 4, out=empty) is empty
    for bad in (np.zeros((7, 12), np.float32), np.zeros((7, 13), np.float64),
                np.zeros((13, 7), np.float32).T):
        with pytest.raises(ValueError, match="out must be"):
            _tables.init_syn0(7, 13, out=bad)


def test_init_syn0_seed():
    a, b, c = _tables.init_syn0(4, 8, 7), _tables.init_syn0(4, 8, 7), _tables.init_syn0(4, 8, 8)
    assert (a == b).all() and not (a == c).all()
    assert not np.array_equal(a, _tables.init_syn0(4, 8))
    assert not math.isnan(float(a.sum()))
