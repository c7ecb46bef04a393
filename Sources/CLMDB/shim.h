// The system LMDB header (Debian: liblmdb-dev). Nothing of LMDB's source lives in this repository.
#include <lmdb.h>
