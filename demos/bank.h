/* bank.h — the accounts of the deadlock demo, each with the instrumented lock (ilock.h)
 * that guards its balance, named after the account: open them, add them up, close them.
 */
#ifndef THREADLAB_DEMO_BANK_H
#define THREADLAB_DEMO_BANK_H

#include "lab.h"

typedef struct account {
    int number;     /* its place in one global order */
    long balance;   /* protected by lock */
    lab_ilock lock; /* named after the account */
} account;

/* The account's name: its lock's. */
static inline const char *account_name(const account *a)
{
    return lab_ilock_name(&a->lock);
}

/* Open n accounts: the tutorial's hepang 10000 and luoziyao 5000, then more of each kind.
 * Exits 1 (LAB_SETUP) when a lock cannot be made. */
static inline account *bank_open(int n)
{
    static const char *const names[] = {"hepang", "luoziyao", "xiaoming", "xiaohong"};
    account *accounts = lab_calloc((size_t)n, sizeof *accounts);
    for (int i = 0; i < n; i++) {
        char name[LAB_ILOCK_NAME_MAX];
        if (i < 4)
            snprintf(name, sizeof name, "%s", names[i]);
        else
            snprintf(name, sizeof name, "account%d", i + 1);
        accounts[i].number = i;
        accounts[i].balance = i % 2 == 0 ? 10000 : 5000;
        LAB_SETUP(lab_ilock_init(&accounts[i].lock, name));
    }
    return accounts;
}

/* Say the total ("before: hepang 10000 + luoziyao 5000 = 15000", or a count when there
 * are more than 4) and return it. Call while nobody moves money. */
static inline long bank_say_total(const account *accounts, int n, const char *when)
{
    char each[256] = "";
    long total = 0;
    for (int i = 0; i < n; i++) {
        total += accounts[i].balance;
        if (n <= 4)
            snprintf(each + strlen(each), sizeof each - strlen(each), "%s%s %ld",
                     i > 0 ? " + " : "", account_name(&accounts[i]), accounts[i].balance);
    }
    if (n <= 4)
        say("%s: %s = %ld", when, each, total);
    else
        say("%s: %d accounts, total %ld", when, n, total);
    return total;
}

/* Unlock an account the caller holds. Aborts on an error (EPERM would be a bug). */
static inline void account_unlock(account *a)
{
    LAB_CHECK(lab_ilock_unlock(&a->lock)); /* we hold it: EPERM would be a bug here */
}

/* Two different accounts of n at random: returns the first, puts the second in *to. */
static inline int bank_pick_two(lab_rng *rng, int n, int *to)
{
    int from = (int)lab_rng_between(rng, 0, n - 1);
    *to = (int)lab_rng_between(rng, 0, n - 2);
    *to += *to >= from; /* another account */
    return from;
}

static inline void bank_close(account *accounts, int n)
{
    for (int i = 0; i < n; i++)
        lab_ilock_destroy(&accounts[i].lock);
    free(accounts);
}

#endif
