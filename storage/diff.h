#pragma once

/*
 * A layer's changes as an OCI layer tar (pax), written to an fd: the overlay upper
 * directory as it is, its whiteout devices and opaque directories turned back into
 * ".wh.NAME" and ".wh..wh..opq"; for vfs, the difference with the parent's copy.
 */

struct pea_error;
struct idmaps;

/*
 * dir_fd: the layer's files. overlay: opaque_xattr names the opaque attribute and
 * parent_fd is -1. vfs: opaque_xattr is NULL and parent_fd the parent's files (or -1).
 * maps: the files are owned by host ids of a container's id map; the tar has its ids.
 */
int diff_write_tar(int dir_fd, int parent_fd, const char *opaque_xattr, const struct idmaps *maps,
		   int out_fd, struct pea_error **err);
