# storage/: pea-storage, the layer, image and container store.
STORAGE_SOURCES := $(filter-out storage/main.c storage/twin.c,$(wildcard storage/*.c))
$(eval $(call pea_archive,storage,$(STORAGE_SOURCES)))
# pea run --rm execs pea-storage twice (container create --mount, container
# rm): it is a static PIE (pea_static_program: no ld.so, no libc.so to map and
# bind, 0.80 -> 0.33 ms of CPU a --version here). The commands that dlopen
# libarchive, libzstd, ISA-L or libcrypto (lib/dl.h) run in its dynamic twin,
# LIBEXECDIR/pea/pea-storage-layers, the same main() without storage/twin.c,
# which pea-storage execs for them (storage/twin.h).
$(eval $(call pea_static_program,pea-storage,storage/main.c storage/twin.c,storage,))
# one build id in both (storage_build_tag, twin.h): a hash of what both are made of
STORAGE_BUILD_ID := $(BUILD)/obj/storage/build-id
$(STORAGE_BUILD_ID).c: $(call obj,storage/main.c) $(BUILD)/lib/libstorage.a $(BUILD)/lib/libpea.a
	@mkdir -p $(@D)
	printf '#include "storage/twin.h"\n__attribute__((used)) const char storage_build_tag[] = STORAGE_BUILD_TAG_PREFIX "%s+%s";\n' \
		'$(VERSION)' "$$(cat $^ | sha256sum | cut -c1-16)" >$@.tmp && mv $@.tmp $@
$(STORAGE_BUILD_ID).o: $(STORAGE_BUILD_ID).c
	$(CC) $(PEA_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
$(BUILD)/bin/pea-storage: $(STORAGE_BUILD_ID).o
INSTALL_BIN += pea-storage
$(call obj,storage/twin.c): CPPFLAGS += -DPEA_LIBEXECDIR='"$(LIBEXECDIR)"' $(if $(SANITIZE),-DPEA_TWIN_LIBC_DL)
ifndef SANITIZE
$(BUILD)/bin/pea-storage: LDFLAGS += -Wl,--wrap=dlopen,--wrap=dlsym,--wrap=dlclose,--wrap=dlerror
endif
PROGRAMS += $(BUILD)/libexec/pea/pea-storage-layers
$(BUILD)/libexec/pea/pea-storage-layers: $(call obj,storage/main.c) $(STORAGE_BUILD_ID).o $(BUILD)/lib/libstorage.a $(BUILD)/lib/libpea.a
	@mkdir -p $(@D)
	$(CC) $(PEA_LDFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(BUILD)/lib/libstorage.a \
		$(BUILD)/lib/libpea.a -Wl,-Bstatic $(shell $(PKG_CONFIG) --libs json-c) -Wl,-Bdynamic
INSTALL_LIBEXEC += pea-storage-layers
DEB_PACKAGES += libarchive-dev libssl-dev libzstd-dev fuse-overlayfs zstd python3 attr
# tests: an XFS on a loop device of 8 KiB sectors (O_DIRECT refused past submission)
DEB_PACKAGES += xfsprogs strace
# gzip layers decoded by ISA-L, zstd layers by libzstd (dlopen, libarchive without them)
DEB_PACKAGES += libisal-dev
