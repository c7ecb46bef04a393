// The system SQLite header (Debian: libsqlite3-dev), for the SQLite reference workload.
#include <sqlite3.h>
