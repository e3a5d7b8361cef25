#pragma once

/*
 * Every fuzz target defines LLVMFuzzerTestOneInput. `make fuzz` links them
 * with clang's libFuzzer (build-fuzz/tests/fuzz/fuzz-NAME -max_total_time=60
 * build-fuzz/corpus-NAME tests/fuzz/corpus/NAME: new inputs go to the first
 * folder, so the seed corpus stays as committed); `make check` links them with replay.c and runs
 * each over its seed corpus, so a crash found once stays fixed.
 */

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
