#pragma once

/*
 * pea-storage is a static PIE (Makefile: pea_static_program): it runs every
 * command of a container's start and removal without ld.so, libc.so or any
 * library to map and bind at exec. The commands that read or write a layer's
 * archive or hash one (libarchive, libzstd, ISA-L, libcrypto: opened with
 * dlopen, lib/dl.h, which a static binary cannot do safely) run in its
 * dynamic twin, pea-storage-layers (LIBEXECDIR/pea), the same main() linked
 * against libc.so, which pea-storage execs with the same arguments.
 */
#define STORAGE_TWIN_NAME "pea-storage-layers"

/*
 * Linked into both (BUILD/obj/storage/build-id.c, storage/module.mk):
 * "pea-storage-build=VERSION+HASH", HASH of what both are made of (main.o,
 * libstorage.a, libpea.a). pea-storage looks for its own in the twin's file
 * before the exec and refuses another (twin.c).
 */
#define STORAGE_BUILD_TAG_PREFIX "pea-storage-build="
extern const char storage_build_tag[];

struct pea_error;

/*
 * storage/twin.c, linked into the static pea-storage alone (weak: NULL in the
 * twin). ARGV[FIRST] is the command: 0 when it runs here, else the twin is
 * exec'd (no return) or -1 with *err when the exec fails.
 */
int storage_twin_exec(int argc, char **argv, int first, struct pea_error **err)
	__attribute__((weak));

/*
 * Any command of the static pea-storage that finds, once it runs, that it
 * needs a library after all (durable.c: layers another boot left unsynced are
 * hashed at the store's open, before the command does anything of its own)
 * hands itself over whole: the twin is exec'd with the same arguments, and
 * what this process did before is what a kill at that point would leave,
 * which the twin's open repairs (the store's lock goes with the exec). 0 in
 * the twin itself (weak: NULL there); -1 with *err when the exec fails.
 */
int storage_twin_handoff(struct pea_error **err) __attribute__((weak));
