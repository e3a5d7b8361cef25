# lib/: libpea.a, the shared internal library every binary links.
LIB_SOURCES := $(wildcard lib/*.c)
$(BUILD)/lib/libpea.a: $(call obj,$(LIB_SOURCES))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^
