# oci-runtime/: pea-runtime, the OCI runtime (crun/runc command line).
RUNTIME_SOURCES := $(filter-out oci-runtime/main.c,$(wildcard oci-runtime/*.c))
$(eval $(call pea_archive,runtime,$(RUNTIME_SOURCES)))
# pea run execs pea-runtime four times (create and its sealed re-exec, start,
# delete): libseccomp, libcap and json-c are linked in statically, so that an
# exec maps, relocates and binds libc alone (0.1 to 0.15 ms of CPU less per
# exec here, 0.6 ms per `pea run`). A static PIE with libc too saves another
# 0.15 ms per exec, but its text is three times larger, and the sealed copy
# that create and exec make of it (exe-seal.c) then costs more than that.
RUNTIME_LINK := -Wl,-Bstatic $(shell $(PKG_CONFIG) --libs libcap libseccomp json-c) -Wl,-Bdynamic
PROGRAMS += $(BUILD)/bin/pea-runtime
$(BUILD)/bin/pea-runtime: $(call obj,oci-runtime/main.c) $(BUILD)/lib/libruntime.a $(BUILD)/lib/libpea.a
	@mkdir -p $(@D)
	$(CC) $(PEA_LDFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(BUILD)/lib/libruntime.a \
		$(BUILD)/lib/libpea.a $(RUNTIME_LINK)
INSTALL_BIN += pea-runtime
DEB_PACKAGES += crun runc libcap-dev libseccomp-dev uidmap tini conmon containerd
