#pragma once

/*
 * The trash, GRAPH_ROOT/trash/: what a removal takes out of the store without
 * waiting for its files to go. Under the store lock, trash_move renames a
 * layer's folder there (one rename on the same file system: gone for every
 * reader at once) and locks the entry (flock on its folder). Once the lock of
 * the store is released, trash_hand_off removes the entries in a process of
 * its own that nobody waits for: each rmdir of a folder that held files waits
 * for the disk on some file systems (ext4 mounted with `discard`: 3-5 ms a
 * folder, ~10 in a container's layer). An entry whose remover was killed is
 * held by nobody: the next writer's open removes it (trash_sweep).
 */

#include <stdbool.h>
#include <stddef.h>

struct store;

/*
 * Move DIRFD/NAME (a folder or a file; NAME may have a folder in front) into the
 * trash and hold it. False when it could not be moved
 * (no trash folder, another file system, NAME missing): the caller removes it
 * in place, as before, and reports what that says.
 */
bool trash_move(struct store *s, int dirfd, const char *name);

/*
 * After the store lock is released: in a detached child (its own session,
 * stdio on /dev/null, no fd above 2 but the trash's and fds[0..nfds-1]), run
 * before(arg) (say, closing what delays an unmount), then remove every entry
 * this store moved. Without a child (fork failed), both here. The caller's
 * copies of the fds are its own to close.
 */
void trash_hand_off(struct store *s, void (*before)(void *arg), void *arg, const int *fds,
		    size_t nfds);

/* Whether the entries go before the command ends: $PEA_RM_SYNC, $PEA_STORAGE_TEST_TRASH_WAIT. */
bool trash_wait(void);

/*
 * Instead of a remover of its own (the caller's removes them: pea rm, one
 * remover per removal): each entry and each of fds[0..nfds-1] (>= 0: detached
 * mounts, to close before the entries go) sent on the unix socket sock, one
 * message with one fd each: "t" NAME (GRAPH_ROOT/trash/NAME, the fd holding
 * its flock) or "p" (a mount). What is sent is released here (fds[i] = -1);
 * what cannot be (the caller gone, its socket full) stays for trash_hand_off.
 */
void trash_pass(struct store *s, int sock, int *fds, size_t nfds);

/* Remove the entries nobody holds (a killed remover's); a writer's open. */
void trash_sweep(struct store *s);

/* Release the entries this store holds, without removing them (store_free). */
void trash_release(struct store *s);
