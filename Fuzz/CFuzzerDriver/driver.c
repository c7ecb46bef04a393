// Nothing to compile: CFuzzerDriver only declares libFuzzer's driver (see the header).
#include "CFuzzerDriver.h"
