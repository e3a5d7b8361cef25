# oci-runtime/: pea-runtime, the OCI runtime (crun/runc command line).
RUNTIME_SOURCES := $(filter-out oci-runtime/main.c,$(wildcard oci-runtime/*.c))
$(eval $(call pea_archive,runtime,$(RUNTIME_SOURCES)))
# pea run execs pea-runtime three times (create, start, delete): libseccomp, libcap and json-c are linked in statically, so that an
# exec maps, relocates and binds libc alone (0.1 to 0.15 ms of CPU less per
# exec here, 0.6 ms per `pea run`). A static PIE with libc too saves another
# 0.15 ms per exec, but its text is three times larger, and the sealed copy
# that create and exec make of it (exe-seal.c) then costs more than that.
# pea-runtime-dmz (dmz/dmz.c): the init's last image before the container's
# program, a static binary without a C library, embedded in pea-runtime
# (dmz-image.c) and run from a sealed memfd (exe-seal.c). Its own flags: no
# libc, no PIE, no stack protector (there is no runtime to back them).
DMZ_FLAGS := -Os -static -nostdlib -nostartfiles -ffreestanding -fno-builtin \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-pie -no-pie \
	-Wall -Wextra -Werror -Wl,--build-id=none -Wl,-z,noexecstack -s
# clang (make fuzz) takes -no-pie beside -static as unused, an error under -Werror
DMZ_FLAGS += $(if $(findstring clang,$(shell $(CC) --version 2>/dev/null)),-Wno-unused-command-line-argument)
ifneq ($(filter x86_64-% aarch64-%,$(shell $(CC) -dumpmachine)),)
$(BUILD)/dmz/pea-runtime-dmz: oci-runtime/dmz/dmz.c
	@mkdir -p $(@D)
	$(CC) $(DMZ_FLAGS) -o $@ $<
$(call obj,oci-runtime/dmz-image.c): $(BUILD)/dmz/pea-runtime-dmz
$(call obj,oci-runtime/dmz-image.c): CPPFLAGS += -DPEA_DMZ_IMAGE='"$(BUILD)/dmz/pea-runtime-dmz"'
endif
RUNTIME_LINK := -Wl,-Bstatic $(shell $(PKG_CONFIG) --libs libcap libseccomp json-c) -Wl,-Bdynamic
PROGRAMS += $(BUILD)/bin/pea-runtime
$(BUILD)/bin/pea-runtime: $(call obj,oci-runtime/main.c) $(BUILD)/lib/libruntime.a $(BUILD)/lib/libpea.a
	@mkdir -p $(@D)
	$(CC) $(PEA_LDFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(BUILD)/lib/libruntime.a \
		$(BUILD)/lib/libpea.a $(RUNTIME_LINK)
INSTALL_BIN += pea-runtime
DEB_PACKAGES += crun runc libcap-dev libseccomp-dev uidmap tini conmon containerd
