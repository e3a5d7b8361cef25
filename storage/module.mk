# storage/: pea-storage, the layer, image and container store.
STORAGE_SOURCES := $(filter-out storage/main.c,$(wildcard storage/*.c))
$(eval $(call pea_archive,storage,$(STORAGE_SOURCES)))
$(eval $(call pea_program,pea-storage,storage/main.c,storage,,json-c))
INSTALL_BIN += pea-storage
DEB_PACKAGES += libarchive-dev libssl-dev libzstd-dev fuse-overlayfs zstd python3 attr
# tests: an XFS on a loop device of 8 KiB sectors (O_DIRECT refused past submission)
DEB_PACKAGES += xfsprogs strace
# gzip layers decoded by ISA-L, zstd layers by libzstd (dlopen, libarchive without them)
DEB_PACKAGES += libisal-dev
