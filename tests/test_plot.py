"""``w2v plot``: which points, their projection, the files written, and the errors."""
import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
from vecdata import binary_bytes  # noqa: E402

import w2v  # noqa: E402
from w2v.errors import W2VError  # noqa: E402
from w2v.plot import plot, points, project  # noqa: E402


@pytest.fixture
def vec(tmp_path):
    p = tmp_path / "v.bin"
    p.write_bytes(binary_bytes())
    return str(p)


def test_points_and_groups(vec):
    v = w2v.load(vec)
    # cos(king, .): man 0.71, queen 0.5 (= France, later row); cos(woman, .): queen 0.71, then
    # </s>, man, king ... all 0: the earliest row, </s>
    rows, groups = points(v, ["king", "woman"], 2)
    assert rows == [3, 2, 1, 4, 0] and groups == [0, 1, 0, 0, 1]
    assert points(v, ["king", "woman"]) == ([3, 2], [0, 1])
    with pytest.raises(W2VError, match="word 'nope' is not in the vocabulary"):
        points(v, ["king", "nope"])
    with pytest.raises(W2VError, match="word 'king' is given twice"):
        points(v, ["king", "king"])


def test_pca_matches_eigenvectors_of_the_covariance():
    rng = np.random.default_rng(3)
    m = rng.normal(size=(30, 8)) * np.array([5, 3, 1, 1, 1, 1, 1, 1])
    xy, note = project(m, "pca")
    centred = m - m.mean(axis=0)
    val, vecs = np.linalg.eigh(centred.T @ centred)
    ref = centred @ vecs[:, ::-1][:, :2]
    for k in range(2):                                   # each axis up to its sign
        sign = np.sign(np.dot(ref[:, k], xy[:, k]))
        np.testing.assert_allclose(sign * xy[:, k], ref[:, k], atol=1e-9)
    share = val[::-1][:2] / val.sum()
    assert note == f"PCA: {100 * share[0]:.0f}% and {100 * share[1]:.0f}% of the variance"


def _png_size(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_png_pdf_svg(vec, tmp_path):
    out = str(tmp_path / "map.png")
    summary = plot(vec, ["king", "woman"], out, neighbours=2)
    assert summary.startswith("5 words (PCA: ") and summary.endswith(f" of the variance) -> {out}")
    assert _png_size(open(out, "rb").read()) == (1000, 800)
    pdf = open(_plot(vec, tmp_path, "map.pdf"), "rb").read()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    root = ET.parse(_plot(vec, tmp_path, "map.svg")).getroot()
    texts = {"".join(t.itertext()).strip() for t in root.iter() if t.tag.endswith("}text")}
    assert {"king", "woman", "man", "queen", "</s>"} <= texts      # labels kept as text
    assert sorted(os.listdir(tmp_path)) == ["map.pdf", "map.png", "map.svg", "v.bin"]   # no temp files


def _plot(vec, tmp_path, name):
    out = str(tmp_path / name)
    plot(vec, ["king", "woman"], out, neighbours=2)
    return out


def test_errors(vec, tmp_path, w2v_cli):
    with pytest.raises(W2VError, match=r"the name must end in \.png, \.svg or \.pdf"):
        plot(vec, ["king"], str(tmp_path / "map.jpg"))
    with pytest.raises(W2VError, match="-neighbours must be >= 0"):
        plot(vec, ["king"], str(tmp_path / "map.png"), neighbours=-1)
    with pytest.raises(W2VError, match="-method must be one of pca, tsne"):
        plot(vec, ["king", "man"], str(tmp_path / "map.png"), method="umap")
    with pytest.raises(W2VError, match="at least one word"):
        plot(vec, [], str(tmp_path / "map.png"))
    with pytest.raises(W2VError, match="folder .* does not exist"):
        plot(vec, ["king", "man"], str(tmp_path / "no" / "map.png"))
    with pytest.raises(W2VError, match="at least two points"):
        plot(vec, ["king"], str(tmp_path / "map.png"))
    r = w2v_cli("plot", vec, "king", "nope", "-output", "m.png")
    assert r.returncode == 1 and r.err_lines == ["w2v plot: error: word 'nope' is not in the vocabulary"], r
    r = w2v_cli("plot", vec, "king", "-output", "m.png", "-neighbours", "x")
    assert r.returncode == 2 and len(r.err_lines) == 1 and "-neighbours" in r.err_lines[0], r
    assert not os.path.exists(tmp_path / "m.png")


def _without(module, args, cwd):
    """Run the CLI in a subprocess where *module* cannot be imported."""
    code = (f"import sys; sys.modules[{module!r}] = None; from w2v.cli import main; "
            f"main({list(args)!r})")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_missing_extras(vec, tmp_path):
    p = _without("matplotlib", ["plot", vec, "king", "man", "-output", "m.png"], str(tmp_path))
    assert p.returncode == 1
    assert p.stderr.decode().splitlines() == [
        'w2v plot: error: plotting needs matplotlib: pip install "w2v[plot]"']
    p = _without("sklearn", ["plot", vec, "king", "man", "-neighbours", "2", "-method", "tsne",
                             "-output", "m.png"], str(tmp_path))
    assert p.returncode == 1
    assert p.stderr.decode().splitlines() == [
        "w2v plot: error: -method tsne needs scikit-learn: pip install scikit-learn"]
    assert not os.path.exists(tmp_path / "m.png")


def test_tsne(vec, tmp_path):
    out = str(tmp_path / "t.png")
    summary = plot(vec, ["king", "woman"], out, neighbours=2, method="tsne")
    assert summary == f"5 words (t-SNE, perplexity {4 / 3:.3g}) -> {out}"   # below the 5 points
    assert _png_size(open(out, "rb").read()) == (1000, 800)
    with pytest.raises(W2VError, match="t-SNE needs at least 3 points"):
        plot(vec, ["king", "woman"], out, method="tsne")
