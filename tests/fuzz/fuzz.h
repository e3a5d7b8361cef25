#pragma once

/*
 * Every fuzz target defines LLVMFuzzerTestOneInput. `make fuzz` links them
 * with clang's libFuzzer (build-fuzz/tests/fuzz/fuzz-NAME -max_total_time=60
 * tests/fuzz/corpus/NAME); `make check` links them with replay.c and runs
 * each over its seed corpus, so a crash found once stays fixed.
 */

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
