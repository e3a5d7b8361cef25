#include <errno.h>
#include <limits.h>
#include <linux/limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>

#include "overlayfs/fs.h"
#include "overlayfs/override.h"

#define OVERRIDE_MAX 64 /* "4294967295:4294967295:07777" and room to spare */

static const char *const names[] = {
	OVL_OVERRIDE_PRIVILEGED,
	OVL_OVERRIDE_CONTAINERS,
	OVL_OVERRIDE_USER,
};

const char *ovl_override_probe(int fd)
{
	char v[OVERRIDE_MAX];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (fgetxattr(fd, names[i], v, sizeof(v)) >= 0)
			return names[i];
	return NULL;
}

bool ovl_override_is_name(const char *name)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool ovl_override_hides_security(const char *override)
{
	return override && strcmp(override, OVL_OVERRIDE_CONTAINERS) == 0;
}

const char *ovl_override_name_from_disk(const char *disk)
{
	if (has_prefix(disk, OVL_SECURITY_PREFIX))
		return NULL;
	if (has_prefix(disk, OVL_OVERRIDE_PREFIX OVL_SECURITY_PREFIX))
		return disk + strlen(OVL_OVERRIDE_PREFIX);
	return disk;
}

int ovl_override_name_to_disk(const char **name, char *buf, size_t size)
{
	if (has_prefix(*name, OVL_OVERRIDE_PREFIX OVL_SECURITY_PREFIX))
		return -ENODATA;
	if (!has_prefix(*name, OVL_SECURITY_PREFIX))
		return 0;
	if (size > XATTR_NAME_MAX + 1)
		size = XATTR_NAME_MAX + 1;
	if ((size_t)snprintf(buf, size, "%s%s", OVL_OVERRIDE_PREFIX, *name) >= size)
		return -ERANGE;
	*name = buf;
	return 0;
}

/* A decimal (base 10) or octal (base 8) number up to max, then sep; *pos moves past it. */
static int parse_num(const char *buf, size_t len, size_t *pos, unsigned base, unsigned long max,
		     char sep, unsigned long *ret)
{
	unsigned long n = 0;
	size_t start = *pos;

	while (*pos < len && buf[*pos] >= '0' && buf[*pos] < (char)('0' + base)) {
		n = n * base + (unsigned long)(buf[*pos] - '0');
		if (n > max)
			return -EINVAL;
		(*pos)++;
	}
	if (*pos == start)
		return -EINVAL;
	if (sep != '\0') {
		if (*pos >= len || buf[*pos] != sep)
			return -EINVAL;
		(*pos)++;
	} else if (*pos < len && buf[*pos] != '\0') {
		return -EINVAL;
	}
	*ret = n;
	return 0;
}

int ovl_override_parse(const char *buf, size_t len, uid_t *ret_uid, gid_t *ret_gid,
		       mode_t *ret_mode)
{
	unsigned long uid, gid, mode;
	size_t pos = 0;

	if (len > OVERRIDE_MAX)
		return -EINVAL;
	if (parse_num(buf, len, &pos, 10, UINT32_MAX - 1, ':', &uid) < 0 ||
	    parse_num(buf, len, &pos, 10, UINT32_MAX - 1, ':', &gid) < 0 ||
	    parse_num(buf, len, &pos, 8, 07777, '\0', &mode) < 0)
		return -EINVAL;
	*ret_uid = (uid_t)uid;
	*ret_gid = (gid_t)gid;
	*ret_mode = (mode_t)mode;
	return 0;
}

int ovl_override_apply(int dirfd, const char *path, const char *name, struct stat *st)
{
	char v[OVERRIDE_MAX];
	uid_t uid;
	gid_t gid;
	mode_t mode;
	ssize_t n;

	n = ovl_getxattr_at(dirfd, path, name, v, sizeof(v));
	/* An upper written by pea-overlayfs before 4a88acb: the old name (override.h). */
	if (n < 0 && errno == ENODATA && strcmp(name, OVL_OVERRIDE_CONTAINERS) == 0)
		n = ovl_getxattr_at(dirfd, path, OVL_OVERRIDE_USER, v, sizeof(v));
	if (n < 0)
		return (errno == ENODATA || errno == ENOTSUP || errno == EPERM) ? 0 : -errno;
	if (ovl_override_parse(v, (size_t)n, &uid, &gid, &mode) < 0)
		return -EINVAL; /* as fuse-overlayfs says */
	st->st_uid = uid;
	st->st_gid = gid;
	st->st_mode = (st->st_mode & S_IFMT) | mode;
	return 0;
}

int ovl_override_write(int dirfd, const char *path, const char *name, uid_t uid, gid_t gid,
		       mode_t mode)
{
	char v[OVERRIDE_MAX];
	int len;

	len = snprintf(v, sizeof(v), "%u:%u:0%o", (unsigned)uid, (unsigned)gid,
		       (unsigned)(mode & 07777));
	if (ovl_setxattr_at(dirfd, path, name, v, (size_t)len, 0) < 0)
		return -errno;
	return 0;
}
