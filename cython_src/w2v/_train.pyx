# cython: language_level=3
"""The training kernels, Hogwild style.  The pair kernel: skip-gram and
CBOW with hierarchical softmax and/or negative sampling, one (centre,
context) pair at a time as in word2vec.c.  The batched kernels
(Shared.batch): skip-gram with negative sampling (train_sentence_sg_batch)
or hierarchical softmax (train_sentence_sg_batch_hs), one centre word's
whole window against one shared set of targets at a time; CBOW with
negative sampling (train_sentence_cbow_batch), up to CBOW_GROUP centre
words of a line, spread over it, against one shared draw of negatives.

Paragraph vectors (Shared.docs > 0): syn0 has one more row per document
after the words' rows, and the corpus holds a line's document as the id
vocab_size + d before its words.  That row is trained as a context of every
word of the line (skip-gram: one more context position; CBOW: part of the
averaged input), for the whole line whatever its length.  With Shared.frozen
(inference) only the documents' rows change.

Python (w2v/trainer.py) builds the tables once, starts the worker threads and
calls :meth:`Kernel.train_range` for each work unit (a worker's share of one
epoch, or the rest of it after a pause); that call releases the GIL for the
whole unit.  The state lives in the structs of _train.pxd: ``Shared`` for
what all workers share, ``Worker`` for one thread's."""
import numpy as np
cimport numpy as cnp
from libc.math cimport log
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t, uint8_t
from libc.stdlib cimport free
from libc.string cimport memcpy, memset

from w2v._common cimport (
    MAX_SENTENCE_LENGTH, EXP_TABLE_SIZE, MAX_EXP, ALPHA_UPDATE_WORDS, EOS_ID,
    w2v_dot, w2v_axpy, w2v_pair_update, w2v_scale, w2v_simd_level, w2v_dot_rows,
    w2v_update_rows, w2v_publish_rows, w2v_dot_block, w2v_block_update, w2v_block_backprop, w2v_combine,
    w2v_dot_block_rows, w2v_block_update_rows,
    w2v_atomic_load, w2v_atomic_load_int, w2v_atomic_store_int,
    rng_unit,
)
from w2v._train cimport (
    Shared, Worker, alpha_at, fold_pending, table_index, label_loss, path_of, draw_negative,
    ns_step, window_bounds, draw_targets, softplus, BATCH_CONTEXTS, CBOW_GROUP, CBOW_SPACING,
    HOT_NODES, HOT_FOLD_WORDS,
)

cnp.import_array()


cdef inline double hs_gradients(const Shared *m, Worker *w, int32_t word) noexcept nogil:
    """w.gs[d] = C's gradient (times alpha) for node d of word's path, from the
    dot products in w.fs[d]; returns the path's binary log-loss (node d's
    label is 1 - code[d], as in C's gradient)."""
    return hs_path_gradients(m, w.fs, w.gs, w.alpha, word)


cdef inline double hs_path_gradients(const Shared *m, const float *fs, float *gs, float alpha,
                                     int32_t word) noexcept nogil:
    """hs_gradients for one path's dots fs into gs (one row of a block)."""
    cdef int d
    cdef const uint8_t *code = m.codes + <int64_t>word * m.max_codelen
    cdef float f
    cdef int i
    cdef double loss = 0
    for d in range(m.codelens[word]):
        f = fs[d]
        if f <= -MAX_EXP or f >= MAX_EXP:
            gs[d] = 0            # C skips nodes outside the table entirely
            loss += label_loss(m, f, 1 - code[d])
        else:
            i = table_index(f)
            gs[d] = (1 - code[d] - m.exp_table[i]) * alpha
            loss += m.loss_table[i + (EXP_TABLE_SIZE if code[d] else 0)]
    return loss


cdef inline void output_rows(const Shared *m, Worker *w, float *rows, const int32_t *idx, int k,
                             const float *l1) noexcept nogil:
    """w.neu1e += sum_j gs[j] * row_j, and row_j += gs[j] * l1 unless the
    outputs are frozen (inference)."""
    cdef int j, D = m.size
    if not m.frozen:
        w2v_update_rows(w.gs, rows, idx, k, D, w.neu1e, l1)
        return
    for j in range(k):
        if w.gs[j] != 0:
            w2v_axpy(w.gs[j], rows + <int64_t>(idx[j] if idx != NULL else j) * D, w.neu1e, D)


cdef inline double hs_update(const Shared *m, Worker *w, const float *l1, int32_t word,
                             float *rows, const int32_t *idx) noexcept nogil:
    """Hierarchical softmax along word's Huffman path, whose node d is row
    idx[d] of rows (syn1 and word's points), or row d of rows when idx is
    NULL (the worker's private copy of the path, see train_sentence_sg).
    The dots of all nodes are taken first (they do not depend on each
    other's updates: the nodes of one path are distinct and l1 is not
    changed here).  Returns the loss."""
    cdef int n = m.codelens[word], D = m.size
    cdef double loss
    w2v_dot_rows(l1, rows, idx, n, D, w.fs)
    loss = hs_gradients(m, w, word)
    output_rows(m, w, rows, idx, n, l1)
    return loss


cdef inline double ns_update(const Shared *m, Worker *w, const float *l1, int32_t word) noexcept nogil:
    """Negative sampling (targets: draw_targets).  Returns the loss,
    -log s(w.c) - sum log s(-w.n)."""
    cdef int j, D = m.size
    cdef bint repeated
    cdef int k = draw_targets(m, w, word, &repeated)
    cdef float *row
    cdef float f
    cdef double loss = 0
    if not repeated:
        # all rows distinct: take every dot first, then every update
        w2v_dot_rows(l1, m.syn1neg, w.targets, k, D, w.fs)
        w.gs[0] = ns_step(m, w.fs[0], 1, w.alpha, &loss)
        for j in range(1, k):
            w.gs[j] = ns_step(m, w.fs[j], 0, w.alpha, &loss)
        output_rows(m, w, m.syn1neg, w.targets, k, l1)
    else:
        # a row drawn twice must see its first update (C's sequential order)
        for j in range(k):
            row = m.syn1neg + <int64_t>w.targets[j] * D
            f = w2v_dot(l1, row, D)
            f = ns_step(m, f, 1 if j == 0 else 0, w.alpha, &loss)
            if m.frozen:
                w2v_axpy(f, row, w.neu1e, D)
            else:
                w2v_pair_update(f, row, w.neu1e, l1, D)
    return loss


cdef inline double sg_pair(const Shared *m, Worker *w, float *l1, int32_t word, bint private) noexcept nogil:
    """One skip-gram example: input row l1 trains (and is trained by) the
    centre word's outputs (its path in w.path_rows when *private*).  Returns the loss."""
    cdef double loss = 0
    memset(w.neu1e, 0, m.size * sizeof(float))
    if private:
        loss += hs_update(m, w, l1, word, w.path_rows, NULL)
    elif m.hs:
        loss += hs_update(m, w, l1, word, m.syn1, path_of(m, word))
    if m.negative:
        loss += ns_update(m, w, l1, word)
    w2v_axpy(1.0, w.neu1e, l1, m.size)
    w.examples += 1
    return loss


cdef void train_sentence_sg(const Shared *m, Worker *w, int n) noexcept nogil:
    """Skip-gram: every context word of a centre word trains (as input) the
    centre word's outputs.  One example is one (centre, context) pair.

    With HS and several threads (m.private_paths), all context words of one
    centre word train the same Huffman path, whose first nodes (the root and
    its children) are on every word's path.  Updating those rows in shared
    memory for every (centre, context) pair, as C does, makes the threads
    fight over their cache lines (measured: +47 % CPU time at 2 threads).
    So the worker copies the path's rows once per centre word, trains the
    copy in C's order (each update sees the previous ones, as in C) and adds
    the net change back to syn1 once.  Other threads see this centre word's
    path updates a few pairs later than in C: the usual Hogwild staleness.

    The line's document (w.doc >= 0) is one more context of every centre
    word, after its window; frozen (inference), it is the only one."""
    cdef int a, c, lo, hi, k = 0, D = m.size
    cdef int32_t word
    cdef const int32_t *point = NULL
    cdef double loss = 0
    cdef bint private = m.private_paths     # set by Kernel only for skip-gram with HS
    for a in range(n):
        word = w.sentence[a]
        window_bounds(m, w, a, n, &lo, &hi)
        if m.frozen:
            lo, hi = a, a
        if private:
            k = m.codelens[word]
            point = path_of(m, word)
            for c in range(k):
                memcpy(w.path_rows + <int64_t>c * D, m.syn1 + <int64_t>point[c] * D, D * sizeof(float))
            memcpy(w.path_start, w.path_rows, <size_t>k * D * sizeof(float))
        for c in range(lo, hi + 1):
            if c == a:
                continue
            loss += sg_pair(m, w, m.syn0 + <int64_t>w.sentence[c] * D, word, private)
        if w.doc >= 0:
            loss += sg_pair(m, w, m.syn0 + w.doc * D, word, private)
        if private:
            w2v_publish_rows(m.syn1, point, k, D, w.path_rows, w.path_start)
    w.loss += loss


cdef inline int gather_contexts(Worker *w, int a, int hi, int last, int *c) noexcept nogil:
    """The next block step's context rows into w.contexts, from window
    position c[0] (advanced) to at most last: at most BATCH_CONTEXTS of the
    window's words other than the centre a, then (position hi + 1) the
    line's document.  Returns their number."""
    cdef int nc = 0
    while c[0] <= last and nc < BATCH_CONTEXTS:
        if c[0] > hi:
            w.contexts[nc] = <int32_t>w.doc
            nc += 1
        elif c[0] != a:
            w.contexts[nc] = w.sentence[c[0]]
            nc += 1
        c[0] += 1
    return nc


cdef void train_sentence_sg_batch(const Shared *m, Worker *w, int n) noexcept nogil:
    """Batched skip-gram with negative sampling: one draw of targets (the
    centre word and its negatives) per centre word, shared by all its
    context words.  The window's context rows (at most BATCH_CONTEXTS at a
    time) and the target rows form one block: all their dots, then all the
    updates from the values before the step (w2v_block_update), so each
    target row is fetched once per centre word instead of once per pair.
    One example is still one (centre, context) pair: same loss, same count.
    The line's document (w.doc >= 0) is one more context row of every
    window, after the words'."""
    cdef int a, c, i, j, lo, hi, last, nc, nt, D = m.size
    cdef int32_t word
    cdef bint repeated
    cdef float f
    cdef float *fs
    cdef float *gs
    cdef double loss = 0
    for a in range(n):
        word = w.sentence[a]
        window_bounds(m, w, a, n, &lo, &hi)
        nt = draw_targets(m, w, word, &repeated)    # a repeated negative counts twice
        last = hi + 1 if w.doc >= 0 else hi         # position hi + 1: the document
        c = lo
        while c <= last:
            nc = gather_contexts(w, a, hi, last, &c)
            if nc == 0:
                break
            w2v_dot_block(m.syn0, w.contexts, nc, m.syn1neg, w.targets, nt, D, w.fs)
            for i in range(nc):
                fs = w.fs + i * nt
                gs = w.gs + i * nt
                gs[0] = ns_step(m, fs[0], 1, w.alpha, &loss)
                for j in range(1, nt):
                    f = fs[j]
                    gs[j] = ns_step(m, f, 0, w.alpha, &loss)
            w2v_block_update(w.gs, m.syn0, w.contexts, nc, m.syn1neg, w.targets, nt, D, w.block)
            w.examples += nc
    w.loss += loss


cdef inline bint live_node(const float *gs, int nc, int k, int j) noexcept nogil:
    """Whether node j of a block's path has a gradient for some context."""
    cdef int i
    for i in range(nc):
        if gs[i * k + j] != 0:
            return True
    return False


cdef inline const float *live_nodes(const float *gs, int nc, int k, float **path, float **rows,
                                    float *out, int *kept) noexcept nogil:
    """The block without the path's nodes whose gradient is 0 for every
    context (nodes outside the table, which C skips): their number in kept,
    their rows in rows, and the gradient matrix (nc x kept, row-major): gs
    itself when every node is kept, else out.  The update is unchanged (a 0
    gradient adds exact zeros), only cheaper."""
    cdef int i, j, t = 0
    for j in range(k):
        if live_node(gs, nc, k, j):
            rows[t] = path[j]
            t += 1
    kept[0] = t
    if t == k:
        return gs
    t = 0
    for j in range(k):      # the kept rows in path order (a path's nodes are distinct)
        if t < kept[0] and path[j] == rows[t]:
            for i in range(nc):
                out[i * kept[0] + t] = gs[i * k + j]
            t += 1
    return out


cdef inline void hot_load(const Shared *m, Worker *w) noexcept nogil:
    """The worker's private copy of the tree's top nodes, from syn1."""
    cdef size_t nbytes = <size_t>m.hot_rows * m.size * sizeof(float)
    if m.hot_rows:
        memcpy(w.hot, m.syn1 + m.hot_from * m.size, nbytes)
        memcpy(w.hot_base, w.hot, nbytes)
        w.hot_at = w.pending


cdef inline void hot_fold(const Shared *m, Worker *w) noexcept nogil:
    """Add what the worker changed in its top nodes since hot_load to syn1
    (other workers' changes there since then are kept), then copy them
    again."""
    if m.hot_rows:
        w2v_publish_rows(m.syn1 + m.hot_from * m.size, NULL, m.hot_rows, m.size, w.hot, w.hot_base)
        hot_load(m, w)


cdef void train_sentence_sg_batch_hs(const Shared *m, Worker *w, int n) noexcept nogil:
    """Batched skip-gram with hierarchical softmax: the targets shared by a
    centre word's window are the inner nodes of its Huffman path (rows of
    syn1).  Blocks as in train_sentence_sg_batch: at most BATCH_CONTEXTS
    context rows at a time against the whole path, all dots first, then all
    updates from the values before the step.  One example is one (centre,
    context) pair, as in the pair kernel.  The tree's top m.hot_rows nodes
    (on almost every path) are the worker's private copy (hot_fold merges
    it), so that threads do not write the same rows for every word."""
    cdef int a, c, d, i, lo, hi, last, nc, k, kept, D = m.size
    cdef int32_t word
    cdef const float *g
    cdef const int32_t *point
    cdef double loss = 0
    for a in range(n):
        word = w.sentence[a]
        window_bounds(m, w, a, n, &lo, &hi)
        k = m.codelens[word]
        point = path_of(m, word)
        for d in range(k):
            if point[d] >= m.hot_from:      # no private rows: hot_from is past the root
                w.path_ptrs[d] = w.hot + (point[d] - m.hot_from) * D
            else:
                w.path_ptrs[d] = m.syn1 + <int64_t>point[d] * D
        last = hi + 1 if w.doc >= 0 else hi
        c = lo
        while c <= last:
            nc = gather_contexts(w, a, hi, last, &c)
            if nc == 0:
                break
            w2v_dot_block_rows(m.syn0, w.contexts, nc, w.path_ptrs, k, D, w.fs)
            for i in range(nc):
                loss += hs_path_gradients(m, w.fs + i * k, w.gs + i * k, w.alpha, word)
            g = live_nodes(w.gs, nc, k, w.path_ptrs, w.kept_ptrs, w.fs, &kept)
            w2v_block_update_rows(g, m.syn0, w.contexts, nc, w.kept_ptrs, kept, D, w.block)
            w.examples += nc
    w.loss += loss


cdef float ONE = 1.0


cdef inline int cbow_input(const Shared *m, Worker *w, int a, int lo, int hi, float *h) noexcept nogil:
    """h = the mean of centre a's context rows (positions lo..hi but a, then
    the line's document); returns their number (h untouched when 0).  The
    rows are summed in the order of C's loop (one sum per side of a)."""
    cdef int cw = hi - lo + (1 if w.doc >= 0 else 0), D = m.size
    if cw == 0:
        return 0
    w2v_combine(h, NULL, &ONE, 0, m.syn0, w.sentence + lo, a - lo, D)
    w2v_combine(h, h, &ONE, 0, m.syn0, w.sentence + a + 1, hi - a, D)
    if w.doc >= 0:
        w2v_axpy(1.0, m.syn0 + w.doc * D, h, D)
    w2v_scale(<float>1.0 / cw, h, D)
    return cw


cdef inline void cbow_error_to_contexts(const Shared *m, Worker *w, int a, int lo, int hi,
                                        const float *e) noexcept nogil:
    """Centre a's error e added to each of its context rows (frozen:
    only to the line's document's)."""
    cdef int c, D = m.size
    if not m.frozen:
        for c in range(lo, hi + 1):
            if c != a:
                w2v_axpy(1.0, e, m.syn0 + <int64_t>w.sentence[c] * D, D)
    if w.doc >= 0:
        w2v_axpy(1.0, e, m.syn0 + w.doc * D, D)


cdef void train_sentence_cbow(const Shared *m, Worker *w, int n) noexcept nogil:
    """CBOW: the mean of the context rows trains the centre word's outputs.
    One example is one centre word.  The line's document (w.doc >= 0) is one
    more row of the mean; frozen (inference), the only row the error trains."""
    cdef int a, lo, hi, D = m.size
    cdef int32_t word
    cdef double loss = 0
    for a in range(n):
        word = w.sentence[a]
        window_bounds(m, w, a, n, &lo, &hi)
        memset(w.neu1e, 0, D * sizeof(float))
        if cbow_input(m, w, a, lo, hi, w.neu1) == 0:
            continue
        if m.hs:
            loss += hs_update(m, w, w.neu1, word, m.syn1, path_of(m, word))
        if m.negative:
            loss += ns_update(m, w, w.neu1, word)
        cbow_error_to_contexts(m, w, a, lo, hi, w.neu1e)
        w.examples += 1
    w.loss += loss


cdef void train_sentence_cbow_batch(const Shared *m, Worker *w, int n) noexcept nogil:
    """Batched CBOW with negative sampling: up to CBOW_GROUP centre words of
    the line share one draw of `negative` negatives.  A group's words are
    spread over the line, not neighbours: with gn = min(CBOW_GROUP, n //
    CBOW_SPACING) words per group (at least 1) and ng = ceil(n / gn) groups,
    group q holds positions q, q + ng, q + 2 ng, ...; so two words of a
    group are at least CBOW_SPACING apart and their windows share few rows
    (groups of neighbours lose analogy accuracy: their inputs overlap and
    are all taken before any of them trains).  Per group: the draws (their
    rows prefetched while the inputs are summed), each centre word's window
    and input h_i (the mean of its context rows, as in the pair kernel),
    then, all from the values before the step: the dots of every h_i with
    its own word's row and with the shared negatives (one block), the
    gradients (a negative equal to a centre's word is skipped for that
    centre, as C skips it), the errors e_i, the output rows' updates, and
    last each e_i added to centre i's context rows.  Each negative row is
    fetched and written once per group instead of once per centre word.
    One example is one centre word, as in the pair kernel."""
    cdef int q, ng, gn, i, j, K = m.negative, D = m.size
    cdef int pos[CBOW_GROUP]
    cdef int lo[CBOW_GROUP]
    cdef int hi[CBOW_GROUP]
    cdef int cw[CBOW_GROUP]
    cdef int32_t word
    cdef float *h
    cdef float *e
    cdef float *fs
    cdef float *gs
    cdef float *gpos = w.gs + CBOW_GROUP * K
    cdef double loss = 0
    gn = n // CBOW_SPACING
    gn = 1 if gn < 1 else (CBOW_GROUP if gn > CBOW_GROUP else gn)
    ng = (n + gn - 1) // gn
    for q in range(ng):
        gn = 0
        i = q
        while i < n and gn < CBOW_GROUP:
            pos[gn] = i
            gn += 1
            i += ng
        for j in range(K):
            w.targets[j] = draw_negative(m, w)
            w2v_prefetch_row(m.syn1neg + <int64_t>w.targets[j] * D, D)
        for i in range(gn):
            window_bounds(m, w, pos[i], n, &lo[i], &hi[i])
            cw[i] = cbow_input(m, w, pos[i], lo[i], hi[i], w.inputs + i * D)
        w2v_dot_block(w.inputs, NULL, gn, m.syn1neg, w.targets, K, D, w.fs)
        for i in range(gn):
            word = w.sentence[pos[i]]
            fs = w.fs + i * K
            gs = w.gs + i * K
            h = w.inputs + i * D
            e = w.block + i * D
            memset(e, 0, D * sizeof(float))
            if cw[i] == 0:
                gpos[i] = 0
                for j in range(K):
                    gs[j] = 0
                continue
            gpos[i] = ns_step(m, w2v_dot(h, m.syn1neg + <int64_t>word * D, D), 1, w.alpha, &loss)
            w2v_axpy(gpos[i], m.syn1neg + <int64_t>word * D, e, D)
            for j in range(K):
                if w.targets[j] == word:
                    gs[j] = 0
                else:
                    gs[j] = ns_step(m, fs[j], 0, w.alpha, &loss)
            w.examples += 1
        w2v_block_backprop(w.gs, w.inputs, NULL, gn, m.syn1neg, w.targets, K, D, w.block)
        for i in range(gn):
            if cw[i]:
                w2v_axpy(gpos[i], w.inputs + i * D, m.syn1neg + <int64_t>w.sentence[pos[i]] * D, D)
                cbow_error_to_contexts(m, w, pos[i], lo[i], hi[i], w.block + i * D)
    w.loss += loss


cdef int64_t line_doc(const Shared *m, int64_t pos) noexcept nogil:
    """The document (syn0 row) of the line holding corpus[pos]: the id
    before pos back to the line's start that is a document's (-1: none)."""
    cdef int32_t word
    while pos > 0:
        pos -= 1
        word = m.corpus[pos]
        if word == EOS_ID:
            return -1
        if word >= m.vocab_size:
            return word
    return -1


cdef int64_t train_range(const Shared *m, Worker *w, int64_t start, int64_t end) noexcept nogil:
    """Train on corpus[start:end] from a sentence start; returns the position
    reached: end, or the start of the next sentence when paused.  Words read
    but not yet added to the shared counter stay pending in the worker at a
    pause (so a paused and resumed run computes what an uninterrupted one
    does) and are added when the range is done.

    Paragraph vectors: a line's document id (>= vocab_size) sets w.doc
    until the line's end, across the MAX_SENTENCE_LENGTH pieces of a long
    line; a range starting inside a line takes the line's document from
    before it (line_doc).

    A worker with private top nodes (m.hot_rows) copies them from syn1 here
    and folds its changes back every m.hot_fold_words words, at each counter
    update, at a pause and at the range's end, so syn1 holds all of them
    between ranges."""
    cdef int64_t pos = start
    cdef int n
    cdef int32_t word
    cdef bint line_end
    if m.docs:
        w.doc = line_doc(m, start)
    hot_load(m, w)
    while pos < end:
        if w2v_atomic_load_int(m.pause):
            hot_fold(m, w)
            return pos
        n = 0
        line_end = False
        while pos < end:
            word = m.corpus[pos]
            pos += 1
            w.pending += 1
            if word == EOS_ID:
                line_end = True
                break
            if word >= m.vocab_size:
                w.doc = word
                continue
            if m.keep_prob != NULL and m.keep_prob[word] < rng_unit(&w.rng):
                continue
            w.sentence[n] = word
            n += 1
            if n >= MAX_SENTENCE_LENGTH:
                break
        if w.pending > ALPHA_UPDATE_WORDS:
            fold_pending(m, w)
            hot_fold(m, w)
        elif m.hot_rows and w.pending - w.hot_at > m.hot_fold_words:
            hot_fold(m, w)
        if n > 1 or n == 1 and w.doc >= 0:   # a lone word has no context but its document
            if m.cbow and m.batch:
                train_sentence_cbow_batch(m, w, n)
            elif m.cbow:
                train_sentence_cbow(m, w, n)
            elif m.batch and m.hs:
                train_sentence_sg_batch_hs(m, w, n)
            elif m.batch:
                train_sentence_sg_batch(m, w, n)
            else:
                train_sentence_sg(m, w, n)
        if line_end:
            w.doc = -1
    fold_pending(m, w)
    hot_fold(m, w)
    return pos


COUNTER_UPDATE_WORDS = ALPHA_UPDATE_WORDS   # words a worker trains between its updates of the shared counter
HOT_NODE_ROWS = HOT_NODES           # batched skip-gram HS, several threads: private top nodes ...
HOT_NODE_FOLD_WORDS = HOT_FOLD_WORDS   # ... folded in after this many words
CBOW_GROUP_SIZE = CBOW_GROUP        # batched CBOW: most centre words sharing one draw ...
CBOW_GROUP_SPACING = CBOW_SPACING    # ... and the least distance between two of them


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
    """One worker's state: its random stream, learning rate, pending word
    count and loss (readable and settable, for checkpoints), and its private
    buffers, in one block aligned to cache lines and padded so that no line
    is shared with another thread's data (the scratch values are written for
    every update: false sharing between two workers would cost more than the
    arithmetic)."""
    cdef Worker *w
    cdef char *block
    cdef object kernel

    def __cinit__(self, kernel, uint64_t seed):
        """Buffers sized for `kernel` (a Kernel): vectors, scratch for the
        longest Huffman path or the negative-sampling targets (of a whole
        block step in the batched kernel), the private path copy, the
        batched kernel's context block, batched CBOW's input rows.  The
        Worker struct itself (its random state and counters change at every
        draw and word) lives in the block too, on lines of its own: inside
        the Python object it could share a line with the next worker's."""
        cdef int size = kernel.size, scratch = kernel.scratch_size, path_rows = kernel.path_rows
        cdef int batch_rows = kernel.batch_rows, input_rows = kernel.input_rows
        cdef int path_ptrs = kernel.path_ptrs, hot_rows = kernel.hot_rows
        self.kernel = kernel
        cdef size_t wrk = lines(sizeof(Worker))
        cdef size_t vec = lines(max(size, 1) * sizeof(float))
        cdef size_t scr = lines(max(scratch, 1) * sizeof(float))
        cdef size_t sen = lines((MAX_SENTENCE_LENGTH + 1) * sizeof(int32_t))
        cdef size_t rows = lines(<size_t>path_rows * size * sizeof(float))
        cdef size_t ctx = lines(<size_t>batch_rows * sizeof(int32_t))
        cdef size_t blk = lines(<size_t>batch_rows * size * sizeof(float))
        cdef size_t inp = lines(<size_t>input_rows * size * sizeof(float))
        cdef size_t ptr = lines(<size_t>path_ptrs * sizeof(float *))
        cdef size_t hot = lines(<size_t>hot_rows * size * sizeof(float))
        cdef size_t total = (LINE + wrk + 2 * vec + 3 * scr + sen + 2 * rows + ctx + blk + inp
                             + 2 * ptr + 2 * hot + LINE)
        self.block = <char *>aligned_alloc(LINE, total)
        if self.block == NULL:
            raise MemoryError()
        memset(self.block, 0, total)
        self.w = <Worker *>(self.block + LINE)
        cdef char *at = self.block + LINE + wrk
        self.w.neu1 = <float *>at
        self.w.neu1e = <float *>(at + vec)
        self.w.fs = <float *>(at + 2 * vec)
        self.w.gs = <float *>(at + 2 * vec + scr)
        self.w.targets = <int32_t *>(at + 2 * vec + 2 * scr)
        self.w.sentence = <int32_t *>(at + 2 * vec + 3 * scr)
        self.w.path_rows = <float *>(at + 2 * vec + 3 * scr + sen) if rows else NULL
        self.w.path_start = <float *>(at + 2 * vec + 3 * scr + sen + rows) if rows else NULL
        self.w.contexts = <int32_t *>(at + 2 * vec + 3 * scr + sen + 2 * rows) if ctx else NULL
        self.w.block = <float *>(at + 2 * vec + 3 * scr + sen + 2 * rows + ctx) if blk else NULL
        self.w.inputs = <float *>(at + 2 * vec + 3 * scr + sen + 2 * rows + ctx + blk) if inp else NULL
        at += 2 * vec + 3 * scr + sen + 2 * rows + ctx + blk + inp
        self.w.path_ptrs = <float **>at if ptr else NULL
        self.w.kept_ptrs = <float **>(at + ptr) if ptr else NULL
        self.w.hot = <float *>(at + 2 * ptr) if hot else NULL
        self.w.hot_base = <float *>(at + 2 * ptr + hot) if hot else NULL
        self.w.rng = seed
        self.w.doc = -1
        self.w.pending = 0
        self.w.alpha = 0
        self.w.loss = 0
        self.w.examples = 0

    def __dealloc__(self):
        free(self.block)

    @property
    def rng(self):
        return self.w.rng

    @rng.setter
    def rng(self, uint64_t value):
        self.w.rng = value

    @property
    def pending(self):
        return self.w.pending

    @pending.setter
    def pending(self, int64_t value):
        self.w.pending = value

    @property
    def alpha(self):
        return self.w.alpha

    @alpha.setter
    def alpha(self, float value):
        self.w.alpha = value

    @property
    def loss(self):
        return self.w.loss

    @loss.setter
    def loss(self, double value):
        self.w.loss = value

    @property
    def examples(self):
        return self.w.examples

    @examples.setter
    def examples(self, int64_t value):
        self.w.examples = value


cdef class Kernel:
    """Holds the arrays (keeping them alive) and the Shared struct that points into them."""
    cdef Shared m
    cdef object _refs
    cdef cnp.int64_t[::1] _done
    cdef int[::1] _pause
    cdef cnp.float32_t[::1] _loss_table
    cdef int64_t _corpus_len

    def __init__(self, *, cnp.float32_t[:, ::1] syn0 not None, syn1, syn1neg,
                 int window, int negative, int hs, int cbow,
                 cnp.float32_t[::1] exp_table not None, codes, points, codelens,
                 alias_prob, alias_idx, keep_prob,
                 const cnp.int32_t[::1] corpus not None,
                 float start_alpha, double total_words, min_alpha=None,
                 bint private_paths=False, bint batch=False, int64_t docs=0, bint frozen=False,
                 int hot_nodes=0, int64_t hot_fold_words=HOT_FOLD_WORDS):
        """min_alpha: None for C's schedule (start * (1 - progress), floored
        at start * 1e-4); else the end point X of start - (start - X) * progress,
        never below X.  private_paths: skip-gram HS trains each centre
        word's path in a per-thread copy (train_sentence_sg); worth it only
        with several threads.  batch: a batched kernel (skip-gram with one
        loss, CBOW with negative sampling only).  docs: the
        last `docs` rows of syn0 are documents' (paragraph vectors), ids
        from syn0's rows - docs on in the corpus.  frozen: only those rows
        train (inference; the pair kernel).  hot_nodes: batched skip-gram
        HS trains the Huffman tree's top hot_nodes nodes (at most all of
        them) in a private copy per worker, folded into syn1 every
        hot_fold_words words and at each counter update (train_range);
        worth it only with several threads, whose writes to those rows
        otherwise collide at every word."""
        cdef cnp.float32_t[:, ::1] s1
        cdef cnp.float32_t[::1] kp
        cdef cnp.uint8_t[:, ::1] cd
        cdef cnp.int32_t[:, ::1] pt
        cdef cnp.int32_t[::1] cl, ai
        cdef cnp.uint32_t[::1] ap
        if batch and (hs == (negative > 0) or cbow and hs):
            raise ValueError("the batched kernels are skip-gram with negative sampling only or with "
                             "hierarchical softmax only, and CBOW with negative sampling only")
        if not 0 <= docs < syn0.shape[0] or frozen and (batch or not docs):
            raise ValueError("frozen training needs documents and the pair kernel")
        memset(&self.m, 0, sizeof(Shared))
        self._refs = (syn0, syn1, syn1neg, exp_table, codes, points, codelens,
                      alias_prob, alias_idx, keep_prob, corpus)
        self._done = np.zeros(1, dtype=np.int64)
        self._pause = np.zeros(1, dtype=np.intc)
        sig = np.asarray(exp_table, dtype=np.float64)
        self._loss_table = np.concatenate([-np.log(sig), -np.log1p(-sig)]).astype(np.float32)
        self.m.vocab_size = syn0.shape[0] - docs
        self.m.docs = docs
        self.m.frozen = 1 if frozen else 0
        self.m.size = syn0.shape[1]
        self.m.syn0 = &syn0[0, 0]
        self.m.window = window
        self.m.negative = negative
        self.m.hs = hs
        self.m.cbow = cbow
        self.m.exp_table = &exp_table[0]
        self.m.loss_table = &self._loss_table[0]
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
        self._corpus_len = corpus.shape[0]
        self.m.start_alpha = start_alpha
        if min_alpha is None:
            self.m.c_schedule = 1
            self.m.end_alpha = 0
            self.m.min_alpha = start_alpha * <float>1e-4
        else:
            self.m.c_schedule = 0
            self.m.end_alpha = min_alpha
            self.m.min_alpha = min_alpha
        self.m.total_words = total_words
        self.m.words_done = &self._done[0]
        self.m.pause = &self._pause[0]
        self.m.private_paths = 1 if (private_paths and hs and not cbow and not frozen) else 0
        self.m.batch = 1 if batch else 0
        if hot_nodes < 0:
            raise ValueError("hot_nodes must be >= 0")
        if hot_fold_words < 1:
            raise ValueError("hot_fold_words must be >= 1")
        self.m.hot_fold_words = hot_fold_words
        if batch and hs and not cbow and not frozen:     # inner nodes 0 .. V - 2, the root last
            self.m.hot_rows = <int>min(hot_nodes, self.m.vocab_size - 1)
            self.m.hot_from = self.m.vocab_size - 1 - self.m.hot_rows

    @property
    def size(self):
        return self.m.size

    @property
    def scratch_size(self):
        """Scratch entries a WorkerState needs for this model."""
        return max(self.m.max_codelen * max(self.batch_rows, 1), (self.m.negative + 1) * max(self.batch_rows, 1))

    @property
    def batch_rows(self):
        """Rows of one batched block step a WorkerState needs (0: pair
        kernel): skip-gram's context rows, CBOW's centre words."""
        if not self.m.batch:
            return 0
        if self.m.cbow:
            return CBOW_GROUP
        return min(2 * self.m.window + (1 if self.m.docs else 0), BATCH_CONTEXTS)

    @property
    def input_rows(self):
        """Input rows (batched CBOW's h_i) a WorkerState needs (0: none)."""
        return CBOW_GROUP if self.m.batch and self.m.cbow else 0

    @property
    def batch(self):
        return bool(self.m.batch)

    @property
    def hot_rows(self):
        """The Huffman tree's top nodes each worker trains in a private copy."""
        return self.m.hot_rows

    @property
    def path_ptrs(self):
        """Row pointers a WorkerState needs for a path (batched skip-gram HS)."""
        return self.m.max_codelen if self.m.batch and self.m.hs and not self.m.cbow else 0

    @property
    def path_rows(self):
        """Rows of the private path copy a WorkerState needs (0: none)."""
        return self.m.max_codelen if self.m.private_paths else 0

    def begin_epoch(self, WorkerState state not None, done=None):
        """A worker starting its share of an epoch takes the learning rate
        of the words done so far (or after *done* words: the epoch's start,
        which frozen training keeps for the whole epoch, whatever the other
        workers did meanwhile), and its loss starts from zero."""
        state.w.alpha = alpha_at(&self.m, w2v_atomic_load(self.m.words_done) if done is None else done)
        state.w.loss = 0
        state.w.examples = 0

    def train_range(self, WorkerState state not None, int64_t start, int64_t end):
        """One work unit, without the GIL from start to end (or to a pause);
        returns the position reached."""
        cdef int64_t reached
        if state.kernel is not self:
            raise ValueError("WorkerState was made for another Kernel")
        if not 0 <= start <= end <= self._corpus_len:
            raise ValueError("work unit outside the corpus")
        with nogil:
            reached = train_range(&self.m, state.w, start, end)
        return reached

    @property
    def words_done(self):
        """Words of the whole run added to the shared counter."""
        return w2v_atomic_load(self.m.words_done)

    @words_done.setter
    def words_done(self, int64_t value):
        self._done[0] = value

    def alpha_at(self, int64_t done):
        """The schedule's learning rate after `done` words."""
        return alpha_at(&self.m, done)

    @property
    def alpha(self):
        return alpha_at(&self.m, w2v_atomic_load(self.m.words_done))

    @property
    def pause_at(self):
        """> 0: the counter update that reaches this many words pauses the
        workers (a synchroniser's round counted in words); 0: none."""
        return self.m.pause_at

    @pause_at.setter
    def pause_at(self, int64_t value):
        self.m.pause_at = value

    def pause(self):
        """Ask every worker to return at its next sentence start."""
        w2v_atomic_store_int(self.m.pause, 1)

    def unpause(self):
        w2v_atomic_store_int(self.m.pause, 0)

    @property
    def paused(self):
        return bool(w2v_atomic_load_int(self.m.pause))


cdef inline double exact_label_loss(float f, int label) noexcept nogil:
    """-log P(label | f) with the exact sigmoid."""
    return softplus(-f if label else f)


cdef double objective_loop(const float *syn0, const float *syn1, const float *syn1neg, int D,
                           const int32_t *targets, const int32_t *inputs, const int64_t *offsets,
                           int64_t n, const int32_t *negs, int negative,
                           const uint8_t *codes, const int32_t *points, const int32_t *codelens,
                           int max_codelen, float *h) noexcept nogil:
    """The kernel's loss, exact sigmoid, summed over n examples: example i's
    input is the mean of the syn0 rows inputs[offsets[i]:offsets[i + 1]]
    (one row for skip-gram, the window for CBOW), its outputs the Huffman
    path of targets[i] (syn1 != NULL) and negative sampling's targets[i]
    (label 1) and negs[i, :] (label 0; -1: skipped, like a draw equal to
    the word)."""
    cdef int64_t i, k
    cdef int d, cw
    cdef int32_t word, t
    cdef const float *l1
    cdef const uint8_t *code
    cdef const int32_t *point
    cdef double loss = 0
    for i in range(n):
        word = targets[i]
        cw = <int>(offsets[i + 1] - offsets[i])
        if cw == 1:
            l1 = syn0 + <int64_t>inputs[offsets[i]] * D
        else:
            memset(h, 0, D * sizeof(float))
            for k in range(offsets[i], offsets[i + 1]):
                w2v_axpy(1.0, syn0 + <int64_t>inputs[k] * D, h, D)
            w2v_scale(<float>1.0 / cw, h, D)
            l1 = h
        if syn1 != NULL:
            code = codes + <int64_t>word * max_codelen
            point = points + <int64_t>word * max_codelen
            for d in range(codelens[word]):
                loss += exact_label_loss(w2v_dot(l1, syn1 + <int64_t>point[d] * D, D), 1 - code[d])
        if syn1neg != NULL:
            loss += exact_label_loss(w2v_dot(l1, syn1neg + <int64_t>word * D, D), 1)
            for d in range(negative):
                t = negs[i * negative + d]
                if t >= 0:
                    loss += exact_label_loss(w2v_dot(l1, syn1neg + <int64_t>t * D, D), 0)
    return loss


def objective_sum(const cnp.float32_t[:, ::1] syn0 not None, syn1, syn1neg,
                  const cnp.int32_t[::1] targets not None, const cnp.int32_t[::1] inputs not None,
                  const cnp.int64_t[::1] offsets not None, negs, codes, points, codelens):
    """The loss of the examples (see objective_loop) summed, without the GIL.
    syn1 with codes, points, codelens (the Huffman tree) for hierarchical
    softmax, syn1neg with negs (examples x negative, int32) for negative
    sampling; None for a loss the model does not train."""
    cdef int64_t n = targets.shape[0]
    cdef int D = syn0.shape[1], negative = 0, max_codelen = 0
    cdef const cnp.float32_t[:, ::1] s1
    cdef const cnp.float32_t[:, ::1] sn
    cdef const cnp.int32_t[:, ::1] ng
    cdef const cnp.uint8_t[:, ::1] cd
    cdef const cnp.int32_t[:, ::1] pt
    cdef const cnp.int32_t[::1] cl
    cdef const float *p1 = NULL
    cdef const float *pn = NULL
    cdef const int32_t *pneg = NULL
    cdef const uint8_t *pcd = NULL
    cdef const int32_t *ppt = NULL
    cdef const int32_t *pcl = NULL
    cdef double total
    if offsets.shape[0] != n + 1 or (n and (offsets[0] != 0 or offsets[n] != inputs.shape[0])):
        raise ValueError("offsets do not match the examples")
    if n == 0:
        return 0.0
    cdef cnp.ndarray[cnp.float32_t, ndim=1] h = np.zeros(max(D, 1), dtype=np.float32)
    if syn1 is not None:
        s1, cd, pt, cl = syn1, codes, points, codelens
        p1, pcd, ppt, pcl, max_codelen = &s1[0, 0], &cd[0, 0], &pt[0, 0], &cl[0], cd.shape[1]
    if syn1neg is not None:
        sn, ng = syn1neg, negs
        if ng.shape[0] != n:
            raise ValueError("one row of negatives per example")
        pn, negative = &sn[0, 0], ng.shape[1]
        if negative:
            pneg = &ng[0, 0]
    with nogil:
        total = objective_loop(&syn0[0, 0], p1, pn, D, &targets[0], &inputs[0], &offsets[0], n, pneg,
                               negative, pcd, ppt, pcl, max_codelen, <float *>h.data)
    return total
