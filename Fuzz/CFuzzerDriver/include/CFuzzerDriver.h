// libFuzzer's entry point for programs that have a main of their own (the fuzz targets do: Swift
// packages name an executable's main themselves). Linked from the toolchain's libFuzzer when the
// targets are built with `-sanitize=fuzzer`; declared here only.
#ifndef CFUZZERDRIVER_H
#define CFUZZERDRIVER_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
