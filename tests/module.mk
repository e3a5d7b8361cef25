# tests/: C unit tests, one TAP program per tests/unit/test-*.c. Each links the
# component archives and libpea, so a test can reach any module.
UNIT_SOURCES := $(wildcard tests/unit/test-*.c)
CHECK_PROGRAMS += $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SOURCES))

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(ARCHIVES) $(BUILD)/lib/libpea.a
	@mkdir -p $(@D)
	$(CC) $(PEA_LDFLAGS) $(LDFLAGS) -o $@ $< $(ARCHIVES) $(BUILD)/lib/libpea.a \
		$(shell $(PKG_CONFIG) --libs $(filter-out $(PKG_MISSING),$(PKG_MODULES)) 2>/dev/null)
