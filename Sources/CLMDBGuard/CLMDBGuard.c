// See include/CLMDBGuard.h.
#define _GNU_SOURCE
#include "CLMDBGuard.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>

// The recovery point of the guarded call running on this thread, if any. Initial-exec TLS: the code
// is linked into the program, and every guarded call reads and writes it (the general model would
// call __tls_get_addr each time).
#define GUARD_TLS __thread __attribute__((tls_model("initial-exec")))
static GUARD_TLS sigjmp_buf *guard_target;
static GUARD_TLS int guard_signal;
static GUARD_TLS char guard_assertion[256];

static struct sigaction previous_segv;
static struct sigaction previous_bus;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

static void guard_handler(int signal_number, siginfo_t *info, void *context) {
    sigjmp_buf *target = guard_target;
    if (target != NULL) {
        guard_signal = signal_number;
        siglongjmp(*target, 1);
    }
    // Not a fault inside a guarded LMDB call: hand it to whoever handled it before us.
    struct sigaction *previous = signal_number == SIGBUS ? &previous_bus : &previous_segv;
    if ((previous->sa_flags & SA_SIGINFO) && previous->sa_sigaction != NULL) {
        previous->sa_sigaction(signal_number, info, context);
        return;
    }
    if (previous->sa_handler != SIG_DFL && previous->sa_handler != SIG_IGN) {
        previous->sa_handler(signal_number);
        return;
    }
    // Default action: returning re-runs the faulting instruction, which now ends the process.
    signal(signal_number, SIG_DFL);
}

static void install_handlers(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = guard_handler;
    // SA_NODEFER: the signal stays unblocked after the jump back (sigsetjmp does not save the
    // signal mask, which would cost a system call on every guarded call).
    action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, &previous_segv);
    sigaction(SIGBUS, &action, &previous_bus);
}

// LMDB calls this before it aborts on a failed assertion: inside a guarded call, jump back.
static void guard_assert(MDB_env *env, const char *message) {
    (void)env;
    sigjmp_buf *target = guard_target;
    if (target != NULL) {
        strncpy(guard_assertion, message, sizeof guard_assertion - 1);
        guard_assertion[sizeof guard_assertion - 1] = 0;
        guard_signal = SIGABRT;
        siglongjmp(*target, 1);
    }
}

void lmdb_guard_prepare(MDB_env *env) {
    pthread_once(&install_once, install_handlers);
    mdb_env_set_assert(env, guard_assert);
}

int lmdb_guard_last_signal(void) { return guard_signal; }

const char *lmdb_guard_last_assertion(void) { return guard_assertion; }

// Runs `call` with a recovery point. Nested guarded calls (none today) would restore the outer one.
#define GUARDED(call)                                                  \
    do {                                                               \
        sigjmp_buf here;                                               \
        sigjmp_buf *saved = guard_target;                              \
        if (sigsetjmp(here, 0) != 0) {                                 \
            guard_target = saved;                                      \
            return LMDB_GUARD_FAULT;                                   \
        }                                                              \
        guard_target = &here;                                          \
        int result = (call);                                           \
        guard_target = saved;                                          \
        return result;                                                 \
    } while (0)

int guarded_mdb_env_open(MDB_env *env, const char *path, unsigned int flags, mdb_mode_t mode) { GUARDED(mdb_env_open(env, path, flags, mode)); }
int guarded_mdb_env_info(MDB_env *env, MDB_envinfo *info) { GUARDED(mdb_env_info(env, info)); }
int guarded_mdb_env_stat(MDB_env *env, MDB_stat *stat) { GUARDED(mdb_env_stat(env, stat)); }
int guarded_mdb_env_set_mapsize(MDB_env *env, size_t size) { GUARDED(mdb_env_set_mapsize(env, size)); }
int guarded_mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned int flags, MDB_txn **txn) { GUARDED(mdb_txn_begin(env, parent, flags, txn)); }
int guarded_mdb_txn_commit(MDB_txn *txn) { GUARDED(mdb_txn_commit(txn)); }
int guarded_mdb_dbi_open(MDB_txn *txn, const char *name, unsigned int flags, MDB_dbi *dbi) { GUARDED(mdb_dbi_open(txn, name, flags, dbi)); }
int guarded_mdb_get(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data) { GUARDED(mdb_get(txn, dbi, key, data)); }
int guarded_mdb_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data, unsigned int flags) { GUARDED(mdb_put(txn, dbi, key, data, flags)); }
int guarded_mdb_del(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data) { GUARDED(mdb_del(txn, dbi, key, data)); }
int guarded_mdb_drop(MDB_txn *txn, MDB_dbi dbi, int del) { GUARDED(mdb_drop(txn, dbi, del)); }
int guarded_mdb_stat(MDB_txn *txn, MDB_dbi dbi, MDB_stat *stat) { GUARDED(mdb_stat(txn, dbi, stat)); }
int guarded_mdb_cursor_open(MDB_txn *txn, MDB_dbi dbi, MDB_cursor **cursor) { GUARDED(mdb_cursor_open(txn, dbi, cursor)); }
int guarded_mdb_cursor_get(MDB_cursor *cursor, MDB_val *key, MDB_val *data, MDB_cursor_op op) { GUARDED(mdb_cursor_get(cursor, key, data, op)); }
int guarded_mdb_cursor_put(MDB_cursor *cursor, MDB_val *key, MDB_val *data, unsigned int flags) { GUARDED(mdb_cursor_put(cursor, key, data, flags)); }
int guarded_mdb_cursor_del(MDB_cursor *cursor, unsigned int flags) { GUARDED(mdb_cursor_del(cursor, flags)); }
