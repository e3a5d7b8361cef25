# monitor/: pea-monitor, the per-container monitor (a conmon 2.x drop-in).
MONITOR_SOURCES := $(filter-out monitor/main.c,$(wildcard monitor/*.c))
$(eval $(call pea_archive,monitor,$(MONITOR_SOURCES)))
$(eval $(call pea_program,pea-monitor,monitor/main.c,monitor,,json-c))
INSTALL_BIN += pea-monitor
DEB_PACKAGES += conmon crun tini socat podman
