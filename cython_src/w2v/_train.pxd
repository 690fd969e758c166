# cython: language_level=3
"""The training kernels' state and primitives, shared by every kernel.

``Shared`` is what all workers of one training run read and write (the
model's matrices, the tables, the schedule, the progress counter);
``Worker`` is one thread's private state (random stream, scratch buffers,
learning rate, pending word count, loss).  The pair kernel in _train.pyx and
any other kernel take these two structs and the inline primitives below;
none of them owns a copy of the loops that walk the corpus."""
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t, uint8_t
from libc.math cimport exp, log1p

from w2v._common cimport (
    EXP_TABLE_SIZE, MAX_EXP, EXP_INDEX_FACTOR, EOS_ID,
    w2v_atomic_add, w2v_atomic_store_int, rng_next, rng_below, w2v_prefetch_row,
)


cdef enum:
    BATCH_CONTEXTS = 32     # batched kernel: most context rows in one block step
    CBOW_GROUP = 8          # batched CBOW: most centre words sharing one draw of negatives ...
    CBOW_SPACING = 4        # ... and the least distance between two of them in their line
    HOT_NODES = 511         # batched skip-gram HS, several threads: the Huffman tree's top
                            # nodes each worker trains in a private copy, folded in ...
    HOT_FOLD_WORDS = 1000   # ... every this many words and at each counter update


cdef struct Shared:
    float *syn0
    float *syn1                     # hierarchical softmax: one row per inner node
    float *syn1neg                  # negative sampling: one row per word
    int64_t vocab_size              # words (syn0 rows from vocab_size on are documents' rows)
    int64_t docs                    # paragraph vectors: documents (0: none)
    int frozen                      # inference: only the documents' rows train (words and outputs fixed)
    int size
    int window
    int negative
    int hs
    int cbow
    const float *exp_table          # C's sigmoid table
    const float *loss_table         # -log sigmoid(x) at the table's points, then -log(1 - sigmoid(x))
    const uint8_t *codes
    const int32_t *points
    const int32_t *codelens
    int max_codelen
    const uint32_t *alias_prob
    const int32_t *alias_idx
    const float *keep_prob          # NULL: no subsampling
    const int32_t *corpus
    float start_alpha
    float end_alpha                 # the schedule's end point (-min-alpha; 0 for C's)
    float min_alpha                 # floor: -min-alpha, or C's start_alpha * 1e-4
    int c_schedule                  # 1: C's arithmetic, start * (1 - progress)
    double total_words              # iter * corpus length (+1 like C)
    int64_t *words_done             # shared progress counter
    int *pause                      # set by the main thread: workers return at a sentence end
    int64_t pause_at                # > 0: the counter update reaching it sets pause
    int private_paths               # skip-gram HS: train each centre word's path in a private copy
    int batch                       # skip-gram NS: the batched kernel (shared negatives per centre word)
    int hot_rows                    # batched skip-gram HS: private top nodes per worker (0: none) ...
    int64_t hot_from                # ... syn1 rows hot_from to hot_from + hot_rows - 1 (the root last) ...
    int64_t hot_fold_words          # ... folded into syn1 after this many words (and at counter updates)


cdef struct Worker:
    uint64_t rng
    float *neu1
    float *neu1e
    int32_t *sentence
    float *fs                       # scratch: dot products of one update
    float *gs                       # scratch: their gradients
    int32_t *targets                # scratch: negative-sampling targets
    int32_t *contexts               # batched kernel: the context words of one block step ...
    float *block                    # ... and their rows' changes (contexts x size)
    float *inputs                   # batched CBOW: the group's inputs (CBOW_GROUP x size)
    float *path_rows                # private copy of the centre word's syn1 path rows ...
    float *path_start               # ... and their values when copied
    float **path_ptrs               # batched skip-gram HS: the centre word's path rows ...
    float **kept_ptrs               # ... and those a block step updates
    float *hot                      # private copy of the hot_rows top nodes of syn1 ...
    float *hot_base                 # ... and their values when copied
    int64_t doc                     # syn0 row of the current line's document (-1: none)
    float alpha
    int64_t pending                 # words read since the last counter update
    int64_t hot_at                  # pending when the top nodes were last copied
    double loss                     # training loss summed since the epoch began ...
    int64_t examples                # ... over this many examples


cdef inline float alpha_at(const Shared *m, int64_t done) noexcept nogil:
    """The learning rate after `done` words of the whole run."""
    cdef double progress = <double>done / m.total_words
    cdef float a
    if m.c_schedule:
        a = m.start_alpha * <float>(1.0 - progress)
    else:
        a = <float>(m.start_alpha - (<double>m.start_alpha - m.end_alpha) * progress)
    if a < m.min_alpha:
        a = m.min_alpha
    return a


cdef inline void fold_pending(const Shared *m, Worker *w) noexcept nogil:
    """Add the worker's pending words to the shared counter and take the
    learning rate for the new count (C's every-10,000-words update).
    Frozen (inference), the rate stays the one of the epoch's start, so
    that no document's updates depend on the other threads' progress."""
    cdef int64_t done = w2v_atomic_add(m.words_done, w.pending)
    w.pending = 0
    if m.pause_at > 0 and done >= m.pause_at:
        w2v_atomic_store_int(m.pause, 1)
    if not m.frozen:
        w.alpha = alpha_at(m, done)


cdef inline int table_index(float f) noexcept nogil:
    # word2vec.c's table position, with its integer scale factor (83, not 83.33)
    return <int>((f + MAX_EXP) * EXP_INDEX_FACTOR)


cdef inline float sigmoid(const Shared *m, float f) noexcept nogil:
    return m.exp_table[table_index(f)]


cdef inline double softplus(double x) noexcept nogil:
    """log(1 + e^x) without overflow."""
    if x > 0:
        return x + log1p(exp(-x))
    return log1p(exp(x))


cdef inline double label_loss(const Shared *m, float f, int label) noexcept nogil:
    """-log P(label | f): from C's sigmoid table where the gradient uses it
    (|f| <= MAX_EXP), exact outside (where C's gradient is clipped or skipped)."""
    if -MAX_EXP <= f <= MAX_EXP:
        return m.loss_table[table_index(f) + (0 if label else EXP_TABLE_SIZE)]
    return softplus(-f if label else f)


cdef inline const int32_t *path_of(const Shared *m, int32_t word) noexcept nogil:
    """The syn1 rows (inner nodes, root first) of word's Huffman path."""
    return m.points + <int64_t>word * m.max_codelen


cdef inline int32_t draw_negative(const Shared *m, Worker *w) noexcept nogil:
    cdef uint64_t r = rng_next(&w.rng)
    cdef int32_t i = <int32_t>(((r >> 32) * <uint64_t>m.vocab_size) >> 32)
    if <uint32_t>r >= m.alias_prob[i]:
        i = m.alias_idx[i]
    if i == EOS_ID:
        # word2vec.c: a drawn </s> becomes a uniformly random real word
        i = 1 + <int32_t>rng_below(&w.rng, <uint32_t>(m.vocab_size - 1))
    return i


cdef inline float ns_step(const Shared *m, float f, int label, float alpha, double *loss) noexcept nogil:
    """Negative sampling for one target with dot f: C's gradient (times
    alpha; clipped outside the table) and, added to *loss, -log P(label | f)
    (label_loss), from one table position."""
    cdef int i
    if f > MAX_EXP:
        loss[0] += softplus(-f if label else f)
        return (label - 1) * alpha
    if f < -MAX_EXP:
        loss[0] += softplus(-f if label else f)
        return label * alpha
    i = table_index(f)
    loss[0] += m.loss_table[i + (0 if label else EXP_TABLE_SIZE)]
    return (label - m.exp_table[i]) * alpha


cdef inline void window_bounds(const Shared *m, Worker *w, int a, int n, int *lo, int *hi) noexcept nogil:
    """C's dynamic window: a half-width b uniform in 1..window, clipped to the sentence."""
    cdef int b = m.window - <int>rng_below(&w.rng, <uint32_t>m.window)
    lo[0] = a - b if a - b > 0 else 0
    hi[0] = a + b if a + b < n - 1 else n - 1


cdef inline int draw_targets(const Shared *m, Worker *w, int32_t word, bint *repeated) noexcept nogil:
    """Negative sampling's targets into w.targets: the word itself (label 1),
    then `negative` draws (label 0) less those equal to the word (skipped, not
    redrawn, like C).  Returns their count; repeated: a negative was drawn
    twice.  Their syn1neg rows are prefetched."""
    cdef int d, j, k = 1
    cdef int32_t t
    repeated[0] = False
    w.targets[0] = word
    for d in range(m.negative):
        t = draw_negative(m, w)
        if t == word:
            continue
        for j in range(1, k):
            if w.targets[j] == t:
                repeated[0] = True
        w.targets[k] = t
        k += 1
        w2v_prefetch_row(m.syn1neg + <int64_t>t * m.size, m.size)
    return k
