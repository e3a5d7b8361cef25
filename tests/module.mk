# tests/: C unit tests (one TAP program per tests/unit/test-*.c) and fuzz
# targets (tests/fuzz/fuzz-*.c). Each links the component archives and libpea,
# so a test can reach any module.
UNIT_SOURCES := $(wildcard tests/unit/test-*.c)
FUZZ_SOURCES := $(wildcard tests/fuzz/fuzz-*.c)
TEST_LIBS = $(ARCHIVES) $(BUILD)/lib/libpea.a \
	$(shell $(PKG_CONFIG) --libs $(filter-out $(PKG_MISSING),$(PKG_MODULES)) 2>/dev/null)

ifdef FUZZ
# Built by `make fuzz`: libFuzzer drives the targets.
FUZZERS := $(patsubst tests/fuzz/%.c,$(BUILD)/tests/fuzz/%,$(FUZZ_SOURCES))
$(BUILD)/tests/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(ARCHIVES) $(BUILD)/lib/libpea.a
	@mkdir -p $(@D)
	$(CC) $(PEA_LDFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(TEST_LIBS)
else
CHECK_PROGRAMS += $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SOURCES))
CHECK_PROGRAMS += $(patsubst tests/fuzz/%.c,$(BUILD)/tests/fuzz/%,$(FUZZ_SOURCES))

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(ARCHIVES) $(BUILD)/lib/libpea.a
	@mkdir -p $(@D)
	$(CC) $(PEA_LDFLAGS) $(LDFLAGS) -o $@ $< $(TEST_LIBS)

$(BUILD)/tests/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/replay.o $(ARCHIVES) $(BUILD)/lib/libpea.a
	@mkdir -p $(@D)
	$(CC) $(PEA_LDFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/obj/tests/fuzz/replay.o $(TEST_LIBS)
endif

.PHONY: fuzz fuzzers
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang SANITIZE=address,undefined FUZZ=1 \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION" fuzzers
	@echo "run one: mkdir -p build-fuzz/corpus-NAME && build-fuzz/tests/fuzz/fuzz-NAME -max_total_time=60 build-fuzz/corpus-NAME tests/fuzz/corpus/NAME"
	@echo "(new inputs go to the first folder; copy the ones worth keeping into tests/fuzz/corpus/NAME)"
fuzzers: $(FUZZERS)
