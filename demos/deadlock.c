/* deadlock — two accounts pay each other, each teller locking the account it pays from
 * first: each holds one lock and waits for the other's. Nobody can move, ever.
 *
 * Python (The threading catalogue, the second kind of deadlock): Account("hepang", 10000, Lock())
 * and Account("luoziyao", 5000, Lock()); transfer(from_, to, amount) locks from_, sleeps, then
 * locks to. t1 pays 4000 hepang -> luoziyao while t2 pays 4000 luoziyao -> hepang: each holds one
 * account and waits for the other; Python just hangs. Here each account's lock is an instrumented
 * lock (common/ilock.h): after --timeout s it finds the cycle, prints who holds and waits for what,
 * and answers one teller EDEADLK, which backs out, pauses a random while and retries: it ends.
 *   --fix=none     (default) the tutorial: a deadlock every run, found and broken
 *   --fix=order    lock both accounts in one global order (by account number): no cycle
 *   --fix=trylock  lock the first, only *try* the second; if busy, release, back off, retry
 *   --timeout 0    wait forever, as Python does: the real hang, for gdb (thread apply all bt)
 *   --threads M --accounts K --transfers N  thread i's first transfer goes from account i to
 *                  i+1 (a ring: 3 and 3 make a cycle of three), the others are random.
 * Observe: the wait-for picture; the total before and after, equal in every mode.
 */
#include "lab.h"
#include "bank.h"    /* the accounts, each with its ilock */
#include "meeting.h" /* a meeting with a deadline */

#include <errno.h>
#include <unistd.h>

static int fix = 0;
static const char *const fix_names[] = {"none", "order", "trylock", NULL};
enum { FIX_NONE, FIX_ORDER, FIX_TRYLOCK };
static double timeout = 2, pause_seconds = 0.5;
static int threads = 2, account_count = 2, transfers = 0, amount = 4000;

static account *accounts; /* bank_open(account_count) */
typedef struct teller {
    int index;
    lab_rng rng;
    int done, retries, deadlocks; /* the teller's own: main reads them after the join */
} teller;

static meeting ring; /* ring tellers meet here holding one account each: a certain deadlock */

/* The tutorial's sleep() between the two locks (random ones: shorter); first, also the meeting. */
static void pause_in_the_window(teller *t, bool ring_transfer, bool meet)
{
    lab_sleep(ring_transfer ? pause_seconds : lab_rng_uniform(&t->rng, 0, pause_seconds / 4));
    if (meet && pause_seconds > 0)
        meeting_attend(&ring, threads, pause_seconds);
}

/* 0, or EDEADLK / ETIMEDOUT after --timeout s (the lock says why); --timeout 0: no limit. */
static int lock_account(account *a)
{
    return timeout > 0 ? lab_ilock_lock_timeout(&a->lock, timeout) : lab_ilock_lock(&a->lock);
}

/* One attempt: true if the money moved, false if it backed out. Ring transfers are told. */
static bool transfer_once(teller *t, account *from, account *to, long sum, bool ring, bool meet)
{
    bool swap = fix == FIX_ORDER && to->number < from->number; /* the fix: lower number first */
    account *one = swap ? to : from, *two = swap ? from : to;
    int rc = lock_account(one);
    if (rc == 0) {
        if (ring)
            say("transfer %ld %s -> %s: locked %s, wait...", sum, account_name(from),
                account_name(to), account_name(one));
        pause_in_the_window(t, ring, meet);
        if (ring)
            say("now %s %s", fix == FIX_TRYLOCK ? "trying" : "locking", account_name(two));
        rc = fix == FIX_TRYLOCK ? lab_ilock_trylock(&two->lock) : lock_account(two);
        if (rc == 0) {
            from->balance -= sum; /* both locks held: nobody sees the money in flight */
            to->balance += sum;
            account_unlock(two);
        } else if (ring) {
            const char *why = rc == EBUSY ? "busy" : rc == EDEADLK ? "EDEADLK" : "timeout";
            say("%s: backing out, releasing %s", why, account_name(one));
        }
        account_unlock(one); /* the money moved, or we back out: either way, let go */
    }
    t->deadlocks += rc == EDEADLK;
    return rc == 0;
}

/* Move sum between two accounts, backing off a random while and retrying until it is done. */
static void transfer(teller *t, account *from, account *to, long sum, bool ring)
{
    for (int attempt = 0; !transfer_once(t, from, to, sum, ring, ring && attempt == 0); attempt++) {
        t->retries++;
        lab_sleep(lab_rng_uniform(&t->rng, 0, pause_seconds)); /* not in step with the others */
    }
    t->done++;
    if (ring)
        say("moved %ld: %s -> %s", sum, account_name(from), account_name(to));
}

/* Thread i does transfers i, i + threads, ...: the first around the ring, then random ones. */
static void *teller_main(void *arg)
{
    teller *t = arg;
    for (int k = t->index; k < transfers; k += threads) {
        if (k < threads) {
            transfer(t, &accounts[k % account_count], &accounts[(k + 1) % account_count], amount,
                     true);
        } else {
            int to, from = bank_pick_two(&t->rng, account_count, &to);
            transfer(t, &accounts[from], &accounts[to], lab_rng_between(&t->rng, 1, amount), false);
        }
    }
    if (transfers > threads)
        say("done: %d transfers, %d retries", t->done, t->retries);
    return NULL;
}

static const lab_option options[] = {
    LAB_CHOICE("fix", &fix, fix_names, "none: deadlock; order: by number; trylock: back off"),
    LAB_DOUBLE("timeout", &timeout, 0, 60, "S", "wait before the cycle search; 0 waits forever"),
    LAB_DOUBLE("pause", &pause_seconds, 0, 10, "S", "the tutorial's sleep between the two locks"),
    LAB_INT("threads", &threads, 1, 100, "M", "tellers (threads)"),
    LAB_INT("accounts", &account_count, 2, 100, "K", "accounts"),
    {.name = "transfers",
     .kind = LAB_OPT_INT,
     .target = &transfers,
     .meta = "N",
     .min = 1,
     .max = 1000000,
     .help = "transfers in all (the first of each teller goes round the ring)",
     .default_text = "one per teller"},
    LAB_INT("amount", &amount, 1, 1000000, "X", "ring transfers move X, random ones 1 to X"),
    LAB_END,
};

/* Under --schedule a deadlock nobody breaks ends the run: --fix=none's lesson, else a bug. */
static bool deadlock_is_the_lesson(void)
{
    return fix == FIX_NONE;
}

static const lab_demo demo = {
    .name = "deadlock",
    .summary = "two accounts pay each other, each locking its own first: a deadlock and two fixes",
    .python = "transfer(from_, to, amount): from_.lock.acquire(); sleep(); to.lock.acquire() ... "
              "(The threading catalogue)",
    .details = "t1 pays hepang -> luoziyao while t2 pays luoziyao -> hepang, each locking its\n"
               "own first: a deadlock every run. The instrumented lock finds it after --timeout\n"
               "s and tells one teller EDEADLK: it backs out and retries. --fix=order and\n"
               "--fix=trylock never deadlock. --timeout 0 hangs for real (for gdb).",
    .options = options,
    .invariant = "deadlock == \"no\" && total_after == total_before", /* for --explore */
    .deadlock_expected = deadlock_is_the_lesson,
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    if (transfers == 0)
        transfers = threads;
    else if (transfers < threads)
        threads = transfers; /* a teller with nothing to do is not started */
    LAB_SETUP(meeting_init(&ring));
    accounts = bank_open(account_count); /* hepang 10000, luoziyao 5000, ... */
    static const char *const how[] = {
        "each teller locks the account it pays from, then the other",
        "each teller locks the lower-numbered account first",
        "each teller locks the account it pays from, then only tries the other"};
    say("--fix=%s: %s; %d tellers, %d transfers", fix_names[fix], how[fix], threads, transfers);
    if (timeout <= 0)
        say("--timeout 0: locks wait forever, as Python's do: "
            "gdb -p %d, then thread apply all bt; Ctrl-C ends it",
            (int)getpid());
    long before = bank_say_total(accounts, account_count, "before");

    teller *tellers = lab_calloc((size_t)threads, sizeof *tellers);
    lab_thread **started = lab_calloc((size_t)threads, sizeof *started);
    for (int i = 0; i < threads; i++) {
        tellers[i] = (teller){.index = i, .rng = lab_rng_stream((uint64_t)i)};
        started[i] =
            lab_thread_start(teller_main, &tellers[i], LAB_THREAD_NOT_DAEMON, "t%d", i + 1);
    }
    int done = 0, retries = 0, deadlocks = 0;
    for (int i = 0; i < threads; i++) {
        lab_thread_join(started[i]);
        done += tellers[i].done;
        retries += tellers[i].retries;
        deadlocks += tellers[i].deadlocks;
    }
    long after = bank_say_total(accounts, account_count, "after");
    if (deadlocks > 0)
        say("%d deadlock(s) found and broken by backing out; "
            "--fix=order or --fix=trylock prevent them",
            deadlocks);
    else
        say("no deadlock; %d retries", retries);
    lab_result("fix=%s deadlock=%s deadlocks=%d transfers_done=%d total_before=%ld "
               "total_after=%ld retries=%d",
               fix_names[fix], deadlocks > 0 ? "yes" : "no", deadlocks, done, before, after,
               retries);
    bank_close(accounts, account_count);
    free(tellers);
    free(started);
    return 0;
}
