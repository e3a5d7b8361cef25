#pragma once

/*
 * Deferred durability of applied layers (storage.conf pea_sync = "deferred", the default).
 *
 * A layer's apply no longer waits for the disk: its record is committed (written,
 * fsynced, renamed, its folder fsynced) with the mark "unsynced": BOOT_ID, and its id is
 * noted in GRAPH/unsynced ("BOOT_ID\n" then one id a line; the file itself is made
 * durable before the first record it speaks for). One syncfs(2) of the store's file
 * system later makes the files durable and the marks are cleared under the store lock:
 * at `pea-storage sync`, or at any writer's open once the note is older than the
 * kernel's writeback window (vm.dirty_expire_centisecs: by then little is left to write).
 *
 * After a crash (the note's boot id is not the machine's), the first writer's open checks
 * every marked layer: the files named by its tar-split record are read back and must give
 * the layer's diff id again. A layer that does has its mark cleared; one that does not is
 * marked "damaged": images using it fail `image inspect` and `container create` (EUCLEAN,
 * one line naming the layer), and the next apply of the layer (pea pull) replaces it.
 * GRAPH/damaged lists the damaged layers, so that the check costs one stat when none is.
 */

#include <stdbool.h>

struct pea_error;
struct store;
struct layer_rec;
struct image_rec;

/* The boot id ($PEA_STORAGE_TEST_BOOT_ID_FILE replaces /proc/sys/kernel/random/boot_id). */
char *durable_boot_id(void);

/* Can the boot id be read (no: a layer cannot be marked, it is synced now)? */
bool durable_boot_known(void);

/* Does GRAPH/unsynced speak for another boot (a reader must take the writer's open)? */
bool durable_other_boot(int root_fd);

/* Under the store lock, before the record of layer id marked unsynced is renamed. */
int durable_note(struct store *s, const char *id, struct pea_error **err);

/* A writer's open (store lock held): verify other boots' marks, sync aged ones. */
int durable_open_check(struct store *s, struct pea_error **err);

/* syncfs of the store, then every mark of this boot cleared; *ret_cleared: how many. */
int durable_sync(struct store *s, int *ret_cleared, struct pea_error **err);

/* What to do about damaged layer l: pull its image again, or (from no registry: marked
 * before only a registry's layers were deferred) make its images again. */
const char *durable_remedy(const struct layer_rec *l);

/* EUCLEAN naming the first damaged layer of the image, or 0. */
int durable_check_image(struct store *s, const struct image_rec *i, struct pea_error **err);

/*
 * An apply of layer l->id found it damaged: its folder was moved aside (replaced), the
 * damaged list no longer names it once its new record is saved.
 */
void durable_forget_damaged(struct store *s, const char *id);
