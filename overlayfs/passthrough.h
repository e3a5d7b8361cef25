#pragma once

/*
 * FUSE passthrough (Linux 6.9 on): the kernel reads, writes and maps an open
 * file's layer file itself, with no request per read or write. The server
 * registers the layer file on /dev/fuse (FUSE_DEV_IOC_BACKING_OPEN, which
 * needs CAP_SYS_ADMIN: root only) and names its id in the open reply. Where
 * it cannot be had (unprivileged, older kernels, writeback=1, passthrough=0,
 * a layer that is itself stacked) files are opened as before.
 *
 * libfuse 3.14 knows nothing of it: its INIT reply and our open replies are
 * completed on their way to /dev/fuse, through libfuse's custom I/O hooks.
 *
 * The kernel puts an inode in one I/O mode at a time: all passthrough opens of
 * it must name the same registered file, and no cached open may coexist with
 * them (the kernel fails such an open with EIO; direct I/O is refused too).
 * So each node counts its opens of each kind, and an open of another layer
 * file than the one its passthrough files have (a copy-up while a lower file
 * is open) moves the name to a new node and answers ESTALE, on which the
 * kernel looks the path up again and opens the new node.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct ovl_fs;
struct ovl_node;
struct fuse_session;

/* Marks in a file handle (fh) besides the fd in its low 32 bits. */
#define OVL_FH_LOWER	   (1ull << 32) /* a lower layer's file: closing it may block */
#define OVL_FH_PASSTHROUGH (1ull << 33) /* counted in the node's pt_opens */
#define OVL_FH_CACHED	   (1ull << 34) /* counted in the node's cached_opens */

/* After fuse_session_mount: route the session's I/O through the hooks. */
int ovl_pt_setup(struct ovl_fs *fs, struct fuse_session *se);
/*
 * From the init callback: ask for passthrough and FUSE_HANDLE_KILLPRIV_V2
 * (where ovl_want_killpriv) if the kernel offers them.
 */
void ovl_pt_init(struct ovl_fs *fs);
/*
 * Did the OPEN request this thread is answering carry FUSE_OPEN_KILL_SUIDGID
 * (killpriv v2: an O_TRUNC open by a caller without CAP_FSETID)?
 */
bool ovl_pt_open_kills_suidgid(void);
/*
 * Has process pid CAP_FSETID in the initial user namespace (the kernel's
 * capable(), which its set-ID checks ask)? No when it cannot be told.
 */
bool ovl_pt_has_fsetid(pid_t pid);
/*
 * May a caller (pid, its fsgid) keep the set-group-ID bit of a file of uid and
 * gid that is not group-executable at a write (the kernel's
 * in_group_or_capable): in the file's group (fsgid or a supplementary group,
 * /proc/PID/status), or CAP_FSETID in its user namespace with uid and gid
 * mapped there? No when it cannot be told.
 */
bool ovl_pt_in_group_or_fsetid(pid_t pid, gid_t fsgid, uid_t uid, gid_t gid);

/* How a file is opened: what goes into the reply and the fh. */
struct ovl_pt_open {
	int backing_id;	   /* > 0: passthrough */
	bool drop_cache;   /* cached open after uncached ones: the kernel's pages may be stale */
	uint64_t fh_flags; /* OVL_FH_PASSTHROUGH or OVL_FH_CACHED */
};

/*
 * Decide for an open of the regular file n on fd (fs->lock held); -ESTALE
 * when the kernel is to look the name up again (see above): fd is not used.
 */
int ovl_pt_open(struct ovl_fs *fs, struct ovl_node *n, int fd, struct ovl_pt_open *ret);
/* Undo ovl_pt_open, for a release or a reply that did not reach the kernel (fs->lock held). */
void ovl_pt_close(struct ovl_fs *fs, struct ovl_node *n, uint64_t fh);
/* The next open or create reply of this thread names this file (0: none). */
void ovl_pt_reply_with(int backing_id);
