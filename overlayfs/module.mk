# overlayfs/: pea-overlayfs, the FUSE overlay filesystem (a fuse-overlayfs drop-in).
OVERLAYFS_SOURCES := $(filter-out overlayfs/main.c,$(wildcard overlayfs/*.c))
$(eval $(call pea_archive,overlayfs,$(OVERLAYFS_SOURCES)))
$(eval $(call pea_program,pea-overlayfs,overlayfs/main.c,overlayfs,fuse3))
INSTALL_BIN += pea-overlayfs
DEB_PACKAGES += fuse3 libfuse3-dev fuse-overlayfs attr acl python3 crun uidmap fuse2fs e2fsprogs
