// The system OpenSSL crypto library (Debian: libssl-dev), for the hash chain's SHA-256 and the
// personal data's AES-256-GCM. Nothing of OpenSSL's source lives in this repository.
//
// SHA256_Init/Update/Final are marked deprecated in OpenSSL 3 in favour of EVP, but they hash on a
// stack context with no allocation and no provider lookup, which is what one chain link per event
// needs; OpenSSL 3 keeps them. This suppresses the markings for them.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
