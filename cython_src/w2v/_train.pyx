# cython: language_level=3
"""The training kernels: skip-gram and CBOW with hierarchical softmax and/or
negative sampling, Hogwild style.

Python (w2v/train.py) builds the tables, starts one thread per worker and
calls :meth:`Kernel.train_range` for each (thread, epoch) work unit; that
call releases the GIL for the whole unit.  All shared state lives in the
``Model`` struct; all per-thread state in ``Worker``."""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t, uint8_t
from libc.stdlib cimport free
from libc.string cimport memcpy, memset

from w2v._common cimport (
    MAX_SENTENCE_LENGTH, EXP_TABLE_SIZE, MAX_EXP, EXP_INDEX_FACTOR, ALPHA_UPDATE_WORDS,
    EOS_ID, w2v_dot, w2v_axpy, w2v_pair_update, w2v_scale, w2v_simd_level, w2v_dot_rows,
    w2v_update_rows, w2v_prefetch_row, w2v_publish_rows,
    w2v_atomic_add, w2v_atomic_load, w2v_atomic_load_int, w2v_atomic_store_int,
    rng_next, rng_below, rng_unit,
)

cnp.import_array()


cdef struct Model:
    float *syn0
    float *syn1
    float *syn1neg
    int64_t vocab_size
    int size
    int window
    int negative
    int hs
    int cbow
    const float *exp_table
    const uint8_t *codes
    const int32_t *points
    const int32_t *codelens
    int max_codelen
    const uint32_t *alias_prob
    const int32_t *alias_idx
    const float *keep_prob          # NULL: no subsampling
    const int32_t *corpus
    float start_alpha
    float min_alpha
    double total_words              # iter * corpus length (+1 like C)
    int64_t *words_done             # shared progress counter
    int *stop                       # set by the main thread on Ctrl-C
    int private_paths               # skip-gram HS: train each centre word's path in a private copy


cdef struct Worker:
    uint64_t rng
    float *neu1
    float *neu1e
    int32_t *sentence
    float *fs                       # scratch: dot products of one update
    float *gs                       # scratch: their gradients
    int32_t *targets                # scratch: negative-sampling targets
    float *path_rows                # private copy of the centre word's syn1 path rows ...
    float *path_start               # ... and their values when copied
    float alpha
    int64_t pending                 # words read since the last counter update


cdef inline float alpha_at(const Model *m, int64_t done) noexcept nogil:
    cdef float a = m.start_alpha * <float>(1.0 - <double>done / m.total_words)
    if a < m.min_alpha:
        a = m.min_alpha
    return a


cdef inline void report(const Model *m, Worker *w) noexcept nogil:
    cdef int64_t done = w2v_atomic_add(m.words_done, w.pending)
    w.pending = 0
    w.alpha = alpha_at(m, done)


cdef inline float sigmoid(const Model *m, float f) noexcept nogil:
    # word2vec.c's table lookup, with its integer scale factor (83, not 83.33)
    return m.exp_table[<int>((f + MAX_EXP) * EXP_INDEX_FACTOR)]


cdef inline const int32_t *path_of(const Model *m, int32_t word) noexcept nogil:
    """The syn1 rows (inner nodes, root first) of word's Huffman path."""
    return m.points + <int64_t>word * m.max_codelen


cdef inline void hs_gradients(const Model *m, Worker *w, int32_t word) noexcept nogil:
    """w.gs[d] = C's gradient (times alpha) for node d of word's path, from the
    dot products in w.fs[d]."""
    cdef int d
    cdef const uint8_t *code = m.codes + <int64_t>word * m.max_codelen
    cdef float f
    for d in range(m.codelens[word]):
        f = w.fs[d]
        if f <= -MAX_EXP or f >= MAX_EXP:
            w.gs[d] = 0          # C skips nodes outside the table entirely
        else:
            w.gs[d] = (1 - code[d] - sigmoid(m, f)) * w.alpha


cdef inline void hs_update(const Model *m, Worker *w, const float *l1, int32_t word,
                           float *rows, const int32_t *idx) noexcept nogil:
    """Hierarchical softmax along word's Huffman path, whose node d is row
    idx[d] of rows (syn1 and word's points), or row d of rows when idx is
    NULL (the worker's private copy of the path, see train_sentence_sg).
    The dots of all nodes are taken first (they do not depend on each
    other's updates: the nodes of one path are distinct and l1 is not
    changed here)."""
    cdef int n = m.codelens[word], D = m.size
    w2v_dot_rows(l1, rows, idx, n, D, w.fs)
    hs_gradients(m, w, word)
    w2v_update_rows(w.gs, rows, idx, n, D, w.neu1e, l1)


cdef inline int32_t draw_negative(const Model *m, Worker *w) noexcept nogil:
    cdef uint64_t r = rng_next(&w.rng)
    cdef int32_t i = <int32_t>(((r >> 32) * <uint64_t>m.vocab_size) >> 32)
    if <uint32_t>r >= m.alias_prob[i]:
        i = m.alias_idx[i]
    if i == EOS_ID:
        # word2vec.c: a drawn </s> becomes a uniformly random real word
        i = 1 + <int32_t>rng_below(&w.rng, <uint32_t>(m.vocab_size - 1))
    return i


cdef inline float ns_gradient(const Model *m, float f, float label, float alpha) noexcept nogil:
    if f > MAX_EXP:
        return (label - 1) * alpha
    if f < -MAX_EXP:
        return label * alpha
    return (label - sigmoid(m, f)) * alpha


cdef inline void ns_update(const Model *m, Worker *w, const float *l1, int32_t word) noexcept nogil:
    """Negative sampling: the word itself (label 1), then `negative` draws
    (label 0; a draw equal to the word is skipped, not redrawn, like C)."""
    cdef int d, j, k = 1, D = m.size
    cdef bint repeated = False
    cdef int32_t t
    cdef float *row
    w.targets[0] = word
    for d in range(m.negative):
        t = draw_negative(m, w)
        if t == word:
            continue
        for j in range(1, k):
            if w.targets[j] == t:
                repeated = True
        w.targets[k] = t
        k += 1
        w2v_prefetch_row(m.syn1neg + <int64_t>t * D, D)
    if not repeated:
        # all rows distinct: take every dot first, then every update
        w2v_dot_rows(l1, m.syn1neg, w.targets, k, D, w.fs)
        w.gs[0] = ns_gradient(m, w.fs[0], 1, w.alpha)
        for j in range(1, k):
            w.gs[j] = ns_gradient(m, w.fs[j], 0, w.alpha)
        w2v_update_rows(w.gs, m.syn1neg, w.targets, k, D, w.neu1e, l1)
    else:
        # a row drawn twice must see its first update (C's sequential order)
        for j in range(k):
            row = m.syn1neg + <int64_t>w.targets[j] * D
            w2v_pair_update(ns_gradient(m, w2v_dot(l1, row, D), 1 if j == 0 else 0, w.alpha),
                            row, w.neu1e, l1, D)


cdef inline void window_bounds(const Model *m, Worker *w, int a, int n, int *lo, int *hi) noexcept nogil:
    """C's dynamic window: a half-width b uniform in 1..window, clipped to the sentence."""
    cdef int b = m.window - <int>rng_below(&w.rng, <uint32_t>m.window)
    lo[0] = a - b if a - b > 0 else 0
    hi[0] = a + b if a + b < n - 1 else n - 1


cdef void train_sentence_sg(const Model *m, Worker *w, int n) noexcept nogil:
    """Skip-gram: every context word of a centre word trains (as input) the
    centre word's outputs.

    With HS and several threads (m.private_paths), all context words of one
    centre word train the same Huffman path, whose first nodes (the root and
    its children) are on every word's path.  Updating those rows in shared
    memory for every (centre, context) pair, as C does, makes the threads
    fight over their cache lines (measured: +47 % CPU time at 2 threads).
    So the worker copies the path's rows once per centre word, trains the
    copy in C's order (each update sees the previous ones, as in C) and adds
    the net change back to syn1 once.  Other threads see this centre word's
    path updates a few pairs later than in C: the usual Hogwild staleness."""
    cdef int a, c, lo, hi, k = 0, D = m.size
    cdef int32_t word
    cdef const int32_t *point = NULL
    cdef float *l1
    cdef bint private = m.private_paths     # set by Kernel only for skip-gram with HS
    for a in range(n):
        word = w.sentence[a]
        window_bounds(m, w, a, n, &lo, &hi)
        if private:
            k = m.codelens[word]
            point = path_of(m, word)
            for c in range(k):
                memcpy(w.path_rows + <int64_t>c * D, m.syn1 + <int64_t>point[c] * D, D * sizeof(float))
            memcpy(w.path_start, w.path_rows, <size_t>k * D * sizeof(float))
        for c in range(lo, hi + 1):
            if c == a:
                continue
            l1 = m.syn0 + <int64_t>w.sentence[c] * D
            memset(w.neu1e, 0, D * sizeof(float))
            if private:
                hs_update(m, w, l1, word, w.path_rows, NULL)
            elif m.hs:
                hs_update(m, w, l1, word, m.syn1, path_of(m, word))
            if m.negative:
                ns_update(m, w, l1, word)
            w2v_axpy(1.0, w.neu1e, l1, D)
        if private:
            w2v_publish_rows(m.syn1, point, k, D, w.path_rows, w.path_start)


cdef void train_sentence_cbow(const Model *m, Worker *w, int n) noexcept nogil:
    cdef int a, c, lo, hi, cw, D = m.size
    cdef int32_t word
    for a in range(n):
        word = w.sentence[a]
        window_bounds(m, w, a, n, &lo, &hi)
        memset(w.neu1, 0, D * sizeof(float))
        memset(w.neu1e, 0, D * sizeof(float))
        cw = 0
        for c in range(lo, hi + 1):
            if c != a:
                w2v_axpy(1.0, m.syn0 + <int64_t>w.sentence[c] * D, w.neu1, D)
                cw += 1
        if cw == 0:
            continue
        w2v_scale(<float>1.0 / cw, w.neu1, D)
        if m.hs:
            hs_update(m, w, w.neu1, word, m.syn1, path_of(m, word))
        if m.negative:
            ns_update(m, w, w.neu1, word)
        for c in range(lo, hi + 1):
            if c != a:
                w2v_axpy(1.0, w.neu1e, m.syn0 + <int64_t>w.sentence[c] * D, D)


cdef int64_t train_range(const Model *m, Worker *w, int64_t start, int64_t end) noexcept nogil:
    """Train on corpus[start:end]; returns the position reached (end unless stopped)."""
    cdef int64_t pos = start
    cdef int n
    cdef int32_t word
    w.alpha = alpha_at(m, w2v_atomic_load(m.words_done))
    while pos < end:
        if w2v_atomic_load_int(m.stop):
            break
        n = 0
        while pos < end:
            word = m.corpus[pos]
            pos += 1
            w.pending += 1
            if word == EOS_ID:
                break
            if m.keep_prob != NULL and m.keep_prob[word] < rng_unit(&w.rng):
                continue
            w.sentence[n] = word
            n += 1
            if n >= MAX_SENTENCE_LENGTH:
                break
        if w.pending > ALPHA_UPDATE_WORDS:
            report(m, w)
        if n > 1:   # a lone word has no context in either model
            if m.cbow:
                train_sentence_cbow(m, w, n)
            else:
                train_sentence_sg(m, w, n)
    report(m, w)
    return pos


def simd_level():
    """The vector code path picked for this CPU."""
    return w2v_simd_level().decode()


cdef extern from "stdlib.h" nogil:
    void *aligned_alloc(size_t alignment, size_t size)


cdef enum:
    LINE = 64      # cache line: no two threads' scratch buffers may share one


cdef inline size_t lines(size_t nbytes) noexcept nogil:
    return (nbytes + LINE - 1) // LINE * LINE


cdef class WorkerState:
    """One thread's private buffers, in one block aligned to cache lines and
    padded so that no line is shared with another thread's data (the
    scratch values are written for every update: false sharing between two
    workers would cost more than the arithmetic)."""
    cdef Worker w
    cdef char *block
    cdef object kernel

    def __cinit__(self, kernel, uint64_t seed):
        """Buffers sized for `kernel` (a Kernel): vectors, scratch for the
        longest Huffman path or negative + 1, the private path copy."""
        cdef int size = kernel.size, scratch = kernel.scratch_size, path_rows = kernel.path_rows
        self.kernel = kernel
        cdef size_t vec = lines(max(size, 1) * sizeof(float))
        cdef size_t scr = lines(max(scratch, 1) * sizeof(float))
        cdef size_t sen = lines((MAX_SENTENCE_LENGTH + 1) * sizeof(int32_t))
        cdef size_t rows = lines(<size_t>path_rows * size * sizeof(float))
        cdef size_t total = LINE + 2 * vec + 3 * scr + sen + 2 * rows + LINE
        self.block = <char *>aligned_alloc(LINE, total)
        if self.block == NULL:
            raise MemoryError()
        memset(self.block, 0, total)
        self.w.neu1 = <float *>(self.block + LINE)
        self.w.neu1e = <float *>(self.block + LINE + vec)
        self.w.fs = <float *>(self.block + LINE + 2 * vec)
        self.w.gs = <float *>(self.block + LINE + 2 * vec + scr)
        self.w.targets = <int32_t *>(self.block + LINE + 2 * vec + 2 * scr)
        self.w.sentence = <int32_t *>(self.block + LINE + 2 * vec + 3 * scr)
        self.w.path_rows = <float *>(self.block + LINE + 2 * vec + 3 * scr + sen) if rows else NULL
        self.w.path_start = <float *>(self.block + LINE + 2 * vec + 3 * scr + sen + rows) if rows else NULL
        self.w.rng = seed
        self.w.pending = 0
        self.w.alpha = 0

    def __dealloc__(self):
        free(self.block)


cdef class Kernel:
    """Holds the arrays (keeping them alive) and the Model struct that points into them."""
    cdef Model m
    cdef object _refs
    cdef cnp.int64_t[::1] _done
    cdef int[::1] _stop

    def __init__(self, *, cnp.float32_t[:, ::1] syn0 not None, syn1, syn1neg,
                 int window, int negative, int hs, int cbow,
                 cnp.float32_t[::1] exp_table not None, codes, points, codelens,
                 alias_prob, alias_idx, keep_prob,
                 const cnp.int32_t[::1] corpus not None,
                 float start_alpha, double total_words, bint private_paths=False):
        """private_paths: skip-gram HS trains each centre word's path in a
        per-thread copy (train_sentence_sg); worth it only with several threads."""
        cdef cnp.float32_t[:, ::1] s1
        cdef cnp.float32_t[::1] kp
        cdef cnp.uint8_t[:, ::1] cd
        cdef cnp.int32_t[:, ::1] pt
        cdef cnp.int32_t[::1] cl, ai
        cdef cnp.uint32_t[::1] ap
        memset(&self.m, 0, sizeof(Model))
        self._refs = (syn0, syn1, syn1neg, exp_table, codes, points, codelens,
                      alias_prob, alias_idx, keep_prob, corpus)
        self._done = np.zeros(1, dtype=np.int64)
        self._stop = np.zeros(1, dtype=np.intc)
        self.m.vocab_size = syn0.shape[0]
        self.m.size = syn0.shape[1]
        self.m.syn0 = &syn0[0, 0]
        self.m.window = window
        self.m.negative = negative
        self.m.hs = hs
        self.m.cbow = cbow
        self.m.exp_table = &exp_table[0]
        if hs:
            s1 = syn1
            self.m.syn1 = &s1[0, 0]
            cd = codes
            pt = points
            cl = codelens
            self.m.codes = &cd[0, 0]
            self.m.points = &pt[0, 0]
            self.m.codelens = &cl[0]
            self.m.max_codelen = cd.shape[1]
        if negative:
            s1 = syn1neg
            self.m.syn1neg = &s1[0, 0]
            ap = alias_prob
            ai = alias_idx
            self.m.alias_prob = &ap[0]
            self.m.alias_idx = &ai[0]
        if keep_prob is not None:
            kp = keep_prob
            self.m.keep_prob = &kp[0]
        self.m.corpus = &corpus[0] if corpus.shape[0] > 0 else NULL
        self.m.start_alpha = start_alpha
        self.m.min_alpha = start_alpha * <float>1e-4
        self.m.total_words = total_words
        self.m.words_done = &self._done[0]
        self.m.stop = &self._stop[0]
        self.m.private_paths = 1 if (private_paths and hs and not cbow) else 0

    @property
    def size(self):
        return self.m.size

    @property
    def scratch_size(self):
        """Scratch entries a WorkerState needs for this model."""
        return max(self.m.max_codelen, self.m.negative + 1)

    @property
    def path_rows(self):
        """Rows of the private path copy a WorkerState needs (0: none)."""
        return self.m.max_codelen if self.m.private_paths else 0

    def train_range(self, WorkerState state not None, int64_t start, int64_t end):
        """One work unit, without the GIL from start to end."""
        cdef int64_t reached
        if state.kernel is not self:
            raise ValueError("WorkerState was made for another Kernel")
        with nogil:
            reached = train_range(&self.m, &state.w, start, end)
        return reached

    @property
    def words_done(self):
        return w2v_atomic_load(self.m.words_done)

    @property
    def alpha(self):
        return alpha_at(&self.m, w2v_atomic_load(self.m.words_done))

    def stop(self):
        w2v_atomic_store_int(self.m.stop, 1)

    @property
    def stopped(self):
        return bool(w2v_atomic_load_int(self.m.stop))
