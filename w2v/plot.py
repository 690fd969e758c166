"""``w2v plot``: a 2-D map of some words and their nearest neighbours.

The points are the unit vectors of the given words (and, with
``neighbours``, each one's nearest words), projected by PCA (numpy's SVD of
the centred points) or by t-SNE (scikit-learn).  One colour per query word's
group; the query words are drawn larger and bold.  Needs matplotlib (the
``plot`` extra); drawn without any GUI backend."""
from __future__ import annotations

import os
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .errors import W2VError
from .io import atomic_output, check_writable
from .vectors import Vectors, load

KINDS = (".png", ".svg", ".pdf")
METHODS = ("pca", "tsne")
_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
            "#17becf", "#7f7f7f", "#bcbd22"]


def _matplotlib():
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        raise W2VError('plotting needs matplotlib: pip install "w2v[plot]"') from None
    return matplotlib, Figure


def points(v: Vectors, words: Sequence[str], neighbours: int = 0) -> Tuple[List[int], List[int]]:
    """(rows, group of each row): the query words first, then each one's
    *neighbours* nearest words not already on the map (group = the index of
    the query word they belong to)."""
    rows: List[int] = []
    for w in words:
        i = v.get_index(w)
        if i < 0:
            raise W2VError(f"word {w!r} is not in the vocabulary")
        if i in rows:
            raise W2VError(f"word {w!r} is given twice")
        rows.append(i)
    groups = list(range(len(rows)))
    if neighbours > 0:
        seen = set(rows)
        for g, w in enumerate(words):
            for near, _ in v.most_similar(w, topn=neighbours):
                i = v.get_index(near)
                if i not in seen:
                    seen.add(i)
                    rows.append(i)
                    groups.append(g)
    return rows, groups


def project(m: np.ndarray, method: str = "pca", seed: int = 1) -> Tuple[np.ndarray, str]:
    """2-D coordinates of the rows of *m* and axis notes."""
    m = np.asarray(m, dtype=np.float64)
    if method == "pca":
        centred = m - m.mean(axis=0)
        u, s, _ = np.linalg.svd(centred, full_matrices=False)
        xy = u[:, :2] * s[:2]
        if xy.shape[1] < 2:
            xy = np.hstack([xy, np.zeros((len(m), 2 - xy.shape[1]))])
        var = s ** 2
        share = var[:2] / var.sum() if var.sum() > 0 else np.zeros(2)
        share = np.concatenate([share, np.zeros(2 - len(share))])
        return xy, f"PCA: {100 * share[0]:.0f}% and {100 * share[1]:.0f}% of the variance"
    if method != "tsne":
        raise W2VError(f"-method must be one of {', '.join(METHODS)} (got {method!r})")
    try:
        from sklearn.manifold import TSNE
    except ImportError:
        raise W2VError("-method tsne needs scikit-learn: pip install scikit-learn") from None
    if len(m) < 3:
        raise W2VError(f"t-SNE needs at least 3 points (got {len(m)}); use -neighbours or -method pca")
    perplexity = float(min(30.0, (len(m) - 1) / 3))
    tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed,
                metric="cosine")
    return tsne.fit_transform(m), f"t-SNE, perplexity {perplexity:.3g}"


def _label(w) -> str:
    return w.decode("utf-8", "replace") if isinstance(w, bytes) else str(w)


def draw(labels: Sequence[str], groups: Sequence[int], xy: np.ndarray, n_queries: int,
         output: str, title: str, note: str) -> None:
    """Write the map to *output* (.png, .svg or .pdf)."""
    matplotlib, Figure = _matplotlib()
    fig = Figure(figsize=(10, 8), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    groups = np.asarray(groups)
    notes = []
    for g in range(n_queries):
        colour = _COLOURS[g % len(_COLOURS)]
        member = np.flatnonzero(groups == g)
        near = member[member >= n_queries]
        ax.scatter(xy[near, 0], xy[near, 1], s=18, color=colour, alpha=0.6, linewidths=0)
        ax.scatter(xy[g, 0], xy[g, 1], s=90, color=colour, edgecolors="black", linewidths=0.8,
                   zorder=3, label=labels[g])
        for i in member:
            query = i < n_queries
            notes.append((i, ax.annotate(
                labels[i], (xy[i, 0], xy[i, 1]), xytext=(4, 2), textcoords="offset points",
                ha="left", va="bottom", color="black" if query else colour,
                fontsize=13 if query else 9, fontweight="bold" if query else "normal",
                zorder=4 if query else 2)))
    pad = 0.08 * max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1]), 1e-6)
    ax.set_xlim(xy[:, 0].min() - pad, xy[:, 0].max() + 2.5 * pad)   # room for the labels
    ax.set_ylim(xy[:, 1].min() - pad, xy[:, 1].max() + pad)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=12)
    ax.set_xlabel(note, fontsize=9, color="#555555")
    if n_queries > 1:
        ax.legend(loc="best", fontsize=10, framealpha=0.8)
    fig.tight_layout()
    _place_labels(fig, ax, xy, sorted(notes, key=lambda t: t[0]), n_queries)
    with matplotlib.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
        with atomic_output(output, "output file") as out:
            fig.savefig(out, format=os.path.splitext(output)[1][1:].lower())


def _place_labels(fig, ax, xy: np.ndarray, notes, n_queries: int) -> None:
    """Move each label (queries first) to the first spot around its point
    that overlaps no label placed before it nor any point; else to the spot
    that overlaps least."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    px = ax.transData.transform(xy)
    r = np.where(np.arange(len(px)) < n_queries, 6.0, 3.0)
    boxes = np.concatenate([px - r[:, None], px + r[:, None]], axis=1)   # points: x0 y0 x1 y1
    boxes = np.concatenate([boxes, np.zeros((len(notes), 4))])
    used = len(px)
    to_points = 72.0 / fig.dpi
    f = ax.get_window_extent(renderer)
    frame = np.array([[f.x0, f.y0, f.x1, f.y1]])

    def overlaps(box: np.ndarray, others: np.ndarray) -> np.ndarray:
        w = np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0])
        h = np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1])
        return np.clip(w, 0, None) * np.clip(h, 0, None)

    for i, note in notes:
        ext = note.get_window_extent(renderer)
        w, h = ext.width, ext.height
        x, y = px[i]
        spots = [(5, 1), (5, -h - 1), (-w - 5, 1), (-w - 5, -h - 1), (5, -h / 2), (-w - 5, -h / 2)]
        spots += [(5, s * (1 + k) * 0.8 * h + (1 if s > 0 else -h - 1)) for k in range(4) for s in (1, -1)]
        others = np.delete(boxes[:used], i, axis=0)        # not the label's own point
        best, best_cost = spots[0], np.inf
        for dx, dy in spots:
            box = np.array([x + dx, y + dy, x + dx + w, y + dy + h])
            cost = overlaps(box, others).sum() + 10 * (w * h - overlaps(box, frame)[0])  # outside
            if cost < best_cost:
                best, best_cost = (dx, dy), cost
            if cost == 0:
                break
        note.set_position((best[0] * to_points, best[1] * to_points))
        boxes[used] = (x + best[0], y + best[1], x + best[0] + w, y + best[1] + h)
        used += 1


def plot(vectors, words: Sequence[str], output: str, neighbours: int = 0, method: str = "pca",
         seed: int = 1) -> str:
    """Draw the map of *words* (and *neighbours* nearest words of each) from
    *vectors* (a path or :class:`~w2v.vectors.Vectors`) into *output*;
    returns a one-line summary."""
    kind = os.path.splitext(output)[1].lower()
    if kind not in KINDS:
        raise W2VError(f"-output {output!r}: the name must end in .png, .svg or .pdf")
    if method not in METHODS:
        raise W2VError(f"-method must be one of {', '.join(METHODS)} (got {method!r})")
    if neighbours < 0:
        raise W2VError(f"-neighbours must be >= 0 (got {neighbours})")
    if not words:
        raise W2VError("give at least one word to plot")
    _matplotlib()                                  # fail before loading a large file
    check_writable(output, "output file")
    v = vectors if isinstance(vectors, Vectors) else load(vectors, normalize=True)
    rows, groups = points(v, words, neighbours)
    if len(rows) < 2:
        raise W2VError("a map needs at least two points: give more words or -neighbours N")
    xy, note = project(v.unit[rows], method, seed)
    name = os.path.basename(v.path) if v.path else "vectors"
    extra = f", {neighbours} nearest words each" if neighbours else ""
    draw([_label(v.words[i]) for i in rows], groups, xy, len(words), output,
         f"{name}: {len(words)} word{'s' if len(words) > 1 else ''}{extra}", note)
    return f"{len(rows)} words ({note}) -> {output}"
