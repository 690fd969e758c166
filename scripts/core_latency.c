/* Core-to-core latency: two threads pinned to two CPUs pass a counter back
 * and forth through one cache line; prints the one-way time in ns (the median
 * of a few batches of round trips).  Used by scripts/thread_check.py to tell
 * how far apart the host placed the CPUs while a run trains (a line written
 * by one core and read by the other costs this much each time).
 *
 *     cc -O2 -pthread -o core_latency scripts/core_latency.c
 *     ./core_latency 0 1              one figure
 *     ./core_latency 0 1 200 50       50 figures, one every 200 ms (one line each)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define TRIPS 2000
#define BATCHES 5

static _Alignas(64) atomic_long ball;
static int cpus[2];

static int pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/* Answers every odd value with the next even one; -1 ends it. */
static void *partner(void *arg) {
    (void)arg;
    if (pin(cpus[1]) != 0) { fprintf(stderr, "core_latency: cannot run on CPU %d\n", cpus[1]); exit(2); }
    for (;;) {
        long v = atomic_load_explicit(&ball, memory_order_acquire);
        if (v < 0)
            return NULL;
        if (v & 1)
            atomic_store_explicit(&ball, v + 1, memory_order_release);
    }
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static long v = 0;

/* One figure: the median over BATCHES batches of TRIPS round trips, with a
 * partner thread started for it (so that nothing spins between figures). */
static double sample(void) {
    double ns[BATCHES];
    pthread_t t;
    v = 0;
    atomic_store(&ball, 0);
    pthread_create(&t, NULL, partner, NULL);
    for (int b = 0; b < BATCHES; b++) {
        double t0 = now();
        for (int i = 0; i < TRIPS; i++) {
            atomic_store_explicit(&ball, v + 1, memory_order_release);
            while (atomic_load_explicit(&ball, memory_order_acquire) != v + 2) ;
            v += 2;
        }
        ns[b] = (now() - t0) / TRIPS / 2 * 1e9;
    }
    atomic_store_explicit(&ball, -1, memory_order_release);
    pthread_join(t, NULL);
    qsort(ns, BATCHES, sizeof ns[0], cmp);
    return ns[BATCHES / 2];
}

int main(int argc, char **argv) {
    cpus[0] = argc > 1 ? atoi(argv[1]) : 0;
    cpus[1] = argc > 2 ? atoi(argv[2]) : 1;
    int every_ms = argc > 3 ? atoi(argv[3]) : 0;
    int count = argc > 4 ? atoi(argv[4]) : 1;
    if (pin(cpus[0]) != 0) { fprintf(stderr, "core_latency: cannot run on CPU %d\n", cpus[0]); return 2; }
    for (int k = 0; k < count; k++) {
        if (k > 0 && every_ms > 0) {
            struct timespec d = {every_ms / 1000, (every_ms % 1000) * 1000000L};
            nanosleep(&d, NULL);
        }
        printf("%.1f\n", sample());
        fflush(stdout);
    }
    return 0;
}
