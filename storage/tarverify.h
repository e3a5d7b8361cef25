#pragma once

/*
 * What a layer's tar headers say, checked against its files after a crash (durable.c):
 * for every entry the apply left, its type, mode (with the set-ID bits), owner, size,
 * device numbers (a whiteout's 0/0), symbolic link target, hard link (one inode with its
 * target), the attributes its pax header carries and an opaque directory's attribute.
 * Fed the tar as tarsplit_write_fed() gives it back.
 */

#include <stdbool.h>
#include <stddef.h>

struct tarverify;

struct tarverify_options {
	const char *opaque_xattr; /* the attribute the apply marks an opaque directory with */
	bool check_owner;	  /* false: the store ignores chown errors */
};

struct tarverify *tarverify_new(void);
void tarverify_free(struct tarverify *v);
/* tarsplit_feed_fn: the next bytes of the tar */
void tarverify_feed(void *data, const void *p, size_t n);
/* NULL when every entry is as the apply made it, else why not (the first path). */
char *tarverify_finish(struct tarverify *v, int rootfd, const struct tarverify_options *o);
