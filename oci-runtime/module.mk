# oci-runtime/: pea-runtime, the OCI runtime (crun/runc command line).
RUNTIME_SOURCES := $(filter-out oci-runtime/main.c,$(wildcard oci-runtime/*.c))
$(eval $(call pea_archive,runtime,$(RUNTIME_SOURCES)))
# pea run --rm execs pea-runtime twice (run, delete): it is a static PIE,
# libseccomp, libcap, json-c and libc linked in (pea_static_program), so that
# an exec maps, relocates and binds nothing (0.66 -> 0.40 ms of CPU a
# --version here). Its text is three times larger (1.5 MB), but create and run
# no longer copy it (the dmz below): only exec's sealed copy (exe-seal.c) does.
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
$(eval $(call pea_static_program,pea-runtime,oci-runtime/main.c,runtime,libcap libseccomp))
INSTALL_BIN += pea-runtime
DEB_PACKAGES += crun runc libcap-dev libseccomp-dev uidmap tini conmon containerd
