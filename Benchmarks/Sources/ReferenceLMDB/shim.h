// The system LMDB header (Debian: liblmdb-dev), for the raw-LMDB reference workload.
#include <lmdb.h>
