"""word2vec.c's -classes output: k-means over the word vectors."""
from __future__ import annotations

import numpy as np


def kmeans_classes(syn0: np.ndarray, k: int, iterations: int = 10) -> np.ndarray:
    """word2vec.c's word classes: k-means with 10 fixed iterations; word i starts
    in class i mod k; centroids are member sums / (members + 1), L2-normalised;
    each word joins the centroid with the largest dot product (lowest id on ties).
    Like C, an empty class (or one whose members sum to zero) has no centroid
    (C's 0/0 gives NaN) and can never be joined, and a word whose dot products
    are all <= -10 (C's starting best) goes to class 0."""
    V, D = syn0.shape
    k = min(k, V) if k > 0 else 1
    cl = np.arange(V, dtype=np.int64) % k
    x = syn0.astype(np.float64)
    for _ in range(iterations):
        cent = np.zeros((k, D), dtype=np.float64)
        np.add.at(cent, cl, x)
        cent /= (np.bincount(cl, minlength=k) + 1.0)[:, None]
        norm = np.sqrt((cent * cent).sum(axis=1))
        dead = norm == 0
        norm[dead] = 1.0
        cent /= norm[:, None]
        for s in range(0, V, 16384):
            dots = x[s:s + 16384] @ cent.T
            dots[:, dead] = -np.inf
            best = np.argmax(dots, axis=1)
            best[dots[np.arange(len(best)), best] <= -10] = 0
            cl[s:s + 16384] = best
    return cl
