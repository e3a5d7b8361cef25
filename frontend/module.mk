# frontend/: pea, the podman-compatible command line.
FRONTEND_SOURCES := $(filter-out frontend/main.c,$(wildcard frontend/*.c))
$(eval $(call pea_archive,frontend,$(FRONTEND_SOURCES)))
$(eval $(call pea_program,pea,frontend/main.c,frontend,json-c))
INSTALL_BIN += pea
DEB_PACKAGES += crun conmon tini
