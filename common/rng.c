/* rng.c — splitmix64 streams (see rng.h). Small, fast, and good enough for demos;
 * not for cryptography. */
#include "rng.h"

#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

static _Atomic uint64_t run_seed;

void lab_rng_set_seed(uint64_t seed)
{
    atomic_store(&run_seed, seed);
}

uint64_t lab_rng_seed(void)
{
    return atomic_load(&run_seed);
}

uint64_t lab_rng_time_seed(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 16) ^ (uint64_t)ts.tv_sec) % 1000000u;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

lab_rng lab_rng_stream(uint64_t stream)
{
    /* Mix seed and stream so that neighbouring streams start far apart. */
    uint64_t mix = lab_rng_seed() ^ (stream * 0xD1B54A32D192ED03ull);
    lab_rng rng = {splitmix64(&mix)};
    return rng;
}

long lab_rng_between(lab_rng *rng, long lo, long hi)
{
    if (hi <= lo)
        return lo;
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
    if (span == 0) /* the whole range of long */
        return (long)splitmix64(&rng->state);
    /* Reject the top sliver that would make small values more likely (modulo bias). */
    uint64_t limit = UINT64_MAX - UINT64_MAX % span;
    uint64_t draw;
    do
        draw = splitmix64(&rng->state);
    while (draw >= limit);
    return (long)((uint64_t)lo + draw % span);
}

double lab_rng_uniform(lab_rng *rng, double lo, double hi)
{
    double unit = (double)(splitmix64(&rng->state) >> 11) / 9007199254740992.0; /* 2^53 */
    return lo + unit * (hi - lo);
}
