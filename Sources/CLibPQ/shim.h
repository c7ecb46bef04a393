// The system libpq header (Debian: libpq-dev), PostgreSQL's own client library. Nothing of its
// source lives in this repository.
#include <libpq-fe.h>
