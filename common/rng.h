/* rng.h — reproducible randomness, one generator per thread.
 *
 * A run has one seed (--seed N, or a time-based one that the demo prints so the run
 * can be repeated). Each thread draws from its own stream, derived from the seed and a
 * stream number the demo picks (e.g. the thread's index): no shared state, no lock,
 * and the same seed gives every thread the same choices on every run. (What the
 * threads' choices do once they interleave is still up to the scheduler.)
 */
#ifndef THREADLAB_RNG_H
#define THREADLAB_RNG_H

#include <stdint.h>

typedef struct lab_rng {
    uint64_t state;
} lab_rng;

/* Set the run's seed (lab_init does this from --seed). Call before starting threads.
 * Can't fail. */
void lab_rng_set_seed(uint64_t seed);
/* The run's seed. Can't fail. */
uint64_t lab_rng_seed(void);
/* A fresh seed from the clock and the process id, short enough to type back. Can't fail. */
uint64_t lab_rng_time_seed(void);

/* An independent generator for stream `stream` of the run's seed. Can't fail. */
lab_rng lab_rng_stream(uint64_t stream);
/* A uniform whole number in [lo, hi] (both included); lo when hi <= lo. Can't fail. */
long lab_rng_between(lab_rng *rng, long lo, long hi);
/* A uniform real number in [lo, hi). Can't fail. */
double lab_rng_uniform(lab_rng *rng, double lo, double hi);

#endif
