// Guarded calls into LMDB: a damaged data file must end in an error, never in a signal.
//
// Debian's LMDB 0.9.24 does not check the pages it reads. A flipped byte in a page header or a
// node offset can make it read past the end of the file (SIGBUS), outside the map (SIGSEGV), or
// fail one of its own assertions (abort). Every LMDB call that reads pages goes through one of the
// functions below instead: it runs the call with a per-thread recovery point set, and a fault
// raised *inside that call* returns LMDB_GUARD_FAULT instead of killing the process. Faults
// anywhere else reach the handler that was installed before (the process dies as it would have).
//
// Only C frames (this file and LMDB) lie between the recovery point and the fault, so no Swift
// cleanup is skipped. After a fault the transaction must be aborted: LMDB's view of it is lost.
#ifndef CLMDBGUARD_H
#define CLMDBGUARD_H

#include <lmdb.h>

/// The return code of a guarded call that LMDB could not finish because the file is damaged.
/// Outside LMDB's own codes (-30799 ... -30780) and errno values (positive).
#define LMDB_GUARD_FAULT (-30600)

/// Installs the signal handlers (once per process) and LMDB's assertion hook for `env`.
void lmdb_guard_prepare(MDB_env *env);

/// The signal (SIGSEGV, SIGBUS; SIGABRT for an LMDB assertion) of the last fault on this thread.
int lmdb_guard_last_signal(void);

/// The text of the last LMDB assertion that failed on this thread (empty if none).
const char *lmdb_guard_last_assertion(void);

int guarded_mdb_env_open(MDB_env *env, const char *path, unsigned int flags, mdb_mode_t mode);
int guarded_mdb_env_info(MDB_env *env, MDB_envinfo *info);
int guarded_mdb_env_stat(MDB_env *env, MDB_stat *stat);
int guarded_mdb_env_set_mapsize(MDB_env *env, size_t size);
int guarded_mdb_txn_begin(MDB_env *env, MDB_txn *parent, unsigned int flags, MDB_txn **txn);
int guarded_mdb_txn_commit(MDB_txn *txn);
int guarded_mdb_dbi_open(MDB_txn *txn, const char *name, unsigned int flags, MDB_dbi *dbi);
int guarded_mdb_get(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data);
int guarded_mdb_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data, unsigned int flags);
int guarded_mdb_del(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *data);
int guarded_mdb_drop(MDB_txn *txn, MDB_dbi dbi, int del);
int guarded_mdb_stat(MDB_txn *txn, MDB_dbi dbi, MDB_stat *stat);
int guarded_mdb_cursor_open(MDB_txn *txn, MDB_dbi dbi, MDB_cursor **cursor);
int guarded_mdb_cursor_get(MDB_cursor *cursor, MDB_val *key, MDB_val *data, MDB_cursor_op op);
int guarded_mdb_cursor_put(MDB_cursor *cursor, MDB_val *key, MDB_val *data, unsigned int flags);
int guarded_mdb_cursor_del(MDB_cursor *cursor, unsigned int flags);

#endif
