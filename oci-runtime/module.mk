# oci-runtime/: pea-runtime, the OCI runtime (crun/runc command line).
RUNTIME_SOURCES := $(filter-out oci-runtime/main.c,$(wildcard oci-runtime/*.c))
$(eval $(call pea_archive,runtime,$(RUNTIME_SOURCES)))
$(eval $(call pea_program,pea-runtime,oci-runtime/main.c,runtime,libcap libseccomp))
INSTALL_BIN += pea-runtime
DEB_PACKAGES += crun runc libcap-dev libseccomp-dev uidmap tini conmon containerd
