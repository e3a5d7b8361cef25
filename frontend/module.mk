# frontend/: pea, the podman-compatible command line (docs/pea.1.md).
FRONTEND_SOURCES := $(filter-out frontend/main.c frontend/pea-infra.c,$(wildcard frontend/*.c))
$(eval $(call pea_archive,frontend,$(FRONTEND_SOURCES)))
$(eval $(call pea_program,pea,frontend/main.c,frontend,,json-c))
INSTALL_BIN += pea
MAN_EXTRA += pea-container-cleanup.1 pea-container-prune.1 pea-create.1 pea-exec.1 \
	pea-image-inspect.1 pea-images.1 pea-inspect.1 pea-kill.1 pea-load.1 pea-logs.1 pea-ps.1 \
	pea-pull.1 pea-rename.1 pea-restart.1 pea-rm.1 pea-rmi.1 pea-run.1 pea-start.1 pea-stop.1 \
	pea-tag.1 pea-untag.1 pea-wait.1
# crun and conmon stand in for pea-runtime and pea-monitor (tests/70-frontend-crun.bats);
# tini is the subreaper of the tests; tar reads the index of an archive for pea load.
DEB_PACKAGES += crun conmon tini tar
# (pea uses libarchive for cp, export and diff's tar streams and libcrypto for
# commit's digests, both loaded on first use: lib/dl.h; libcurl for import
# from a URL likewise, in cmd-commit.c)
MAN_EXTRA += pea-pause.1 pea-top.1 pea-stats.1
MAN_EXTRA += pea-cp.1
MAN_EXTRA += pea-mount.1 pea-diff.1 pea-export.1 pea-commit.1
MAN_EXTRA += pea-push.1 pea-save.1 pea-login.1 pea-search.1 pea-history.1 pea-import.1
MAN_EXTRA += pea-volume.1 pea-info.1 pea-system.1
MAN_EXTRA += pea-attach.1
MAN_EXTRA += pea-network.1
# podman-compose drives pea as podman (tests/75-frontend-network-compose.bats).
DEB_PACKAGES += podman-compose
# --init runs catatonit as /run/podman-init (tests/72-frontend-run-security.bats).
DEB_PACKAGES += catatonit
# external containers: buildah's, in containers/storage (tests/74-frontend-compat-a.bats)
DEB_PACKAGES += buildah
# rootless: newuidmap/newgidmap map /etc/subuid ranges; pasta is the rootless network
# (tests/76-frontend-rootless.bats)
DEB_PACKAGES += uidmap passt
MAN_EXTRA += pea-update.1 pea-image-mount.1
MAN_EXTRA += pea-build.1
MAN_EXTRA += pea-events.1
# pea-infra: the process of a pod's infra container, static and alone in the pause image
# that pea makes from it on first use (frontend/pod.c); never sanitized (a static binary).
PROGRAMS += $(BUILD)/bin/pea-infra
$(BUILD)/bin/pea-infra: frontend/pea-infra.c
	@mkdir -p $(@D)
	$(CC) -std=gnu17 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -DPEA_VERSION='"$(VERSION)"' \
		-static -o $@ $<
INSTALL_BIN += pea-infra
MAN_EXTRA += pea-pod.1
# kube play|down|generate (frontend/kube-*.c): libyaml is loaded on first use
# (frontend/kube-yaml-dl.c), so pea does not link it; libyaml-dev is in the top Makefile.
MAN_EXTRA += pea-kube.1
MAN_EXTRA += pea-generate.1 pea-image-trust.1 pea-image-sign.1 pea-container-runlabel.1
MAN_EXTRA += pea-manifest.1 pea-secret.1
