#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "image/sif.h"

/* Header fields (offsets into the 128-byte header). */
#define HDR_MAGIC	 32 /* "SIF_MAGIC\0" */
#define HDR_VERSION	 42 /* "01\0" */
#define HDR_ARCH	 45 /* "02\0" */
#define HDR_UUID	 48 /* 16 bytes */
#define HDR_CREATED	 64
#define HDR_DESCR_TOTAL	 88
#define HDR_DESCR_OFFSET 96
#define HDR_DESCR_SIZE	 104
/* Descriptor fields (offsets into one 585-byte descriptor). */
#define DESC_DATATYPE 0
#define DESC_USED     4
#define DESC_ID	      5
#define DESC_GROUP    9
#define DESC_LINK     13
#define DESC_OFFSET   17
#define DESC_SIZE     25
#define DESC_NAME     73
#define DESC_EXTRA    201 /* partitions: fstype (int32), parttype (int32), arch[3] */

/* 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in seconds since the epoch */
#define SIF_CREATED_MIN (-62167219200LL)
#define SIF_CREATED_END 253402300800LL

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* A two-digit code with its NUL ("02\0"), copied when well-formed. */
static int get_code(const uint8_t *p, const char *what, char out[3], struct pea_error **err)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' || p[2] != '\0')
		return pea_error_new(err, EINVAL, "bad SIF %s code (not two digits)", what);
	out[0] = (char)p[0];
	out[1] = (char)p[1];
	out[2] = '\0';
	return 0;
}

int sif_parse_header(const uint8_t *buf, size_t len, uint64_t file_size, struct sif_image *img,
		     struct pea_error **err)
{
	static const char magic[10] = "SIF_MAGIC";
	uint64_t total, offset, size;
	const uint8_t *u;

	if (len < SIF_HEADER_SIZE || file_size < SIF_HEADER_SIZE)
		return pea_error_new(
			err, EINVAL, "not a SIF file: %llu bytes, shorter than a SIF header (%d)",
			(unsigned long long)(file_size < SIF_HEADER_SIZE ? file_size : len),
			SIF_HEADER_SIZE);
	if (memcmp(buf + HDR_MAGIC, magic, sizeof(magic)) != 0)
		return pea_error_new(err, EINVAL, "not a SIF file: no SIF_MAGIC at byte %d",
				     HDR_MAGIC);
	if (memcmp(buf + HDR_VERSION, "01", 3) != 0)
		return pea_error_new(err, ENOTSUP, "SIF version '%.2s' is not supported (only 01)",
				     isprint(buf[HDR_VERSION]) && isprint(buf[HDR_VERSION + 1])
					     ? (const char *)buf + HDR_VERSION
					     : "??");
	if (get_code(buf + HDR_ARCH, "header arch", img->arch, err) < 0)
		return -EINVAL;
	u = buf + HDR_UUID;
	snprintf(img->uuid, sizeof(img->uuid),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		 u[15]);
	img->created = (int64_t)get_u64(buf + HDR_CREATED);
	/* an image config's "created" is RFC 3339: a year of 4 digits */
	if (img->created < SIF_CREATED_MIN || img->created >= SIF_CREATED_END)
		return pea_error_new(err, EINVAL,
				     "bad SIF header: its creation time (%lld) is not in the "
				     "years 0 to 9999",
				     (long long)img->created);
	total = get_u64(buf + HDR_DESCR_TOTAL);
	offset = get_u64(buf + HDR_DESCR_OFFSET);
	size = get_u64(buf + HDR_DESCR_SIZE);
	if (total == 0 || total > SIF_DESCRIPTORS_MAX)
		return pea_error_new(err, EINVAL, "bad SIF header: %llu descriptors (1 to %d)",
				     (unsigned long long)total, SIF_DESCRIPTORS_MAX);
	if (size < total * SIF_DESCRIPTOR_SIZE)
		return pea_error_new(err, EINVAL,
				     "bad SIF header: a descriptor table of %llu bytes cannot hold "
				     "%llu descriptors",
				     (unsigned long long)size, (unsigned long long)total);
	if (offset < SIF_HEADER_SIZE || offset > file_size ||
	    file_size - offset < total * SIF_DESCRIPTOR_SIZE)
		return pea_error_new(err, EINVAL,
				     "truncated SIF file: the descriptor table (%llu bytes at "
				     "%llu) ends past the file's end (%llu bytes)",
				     (unsigned long long)(total * SIF_DESCRIPTOR_SIZE),
				     (unsigned long long)offset, (unsigned long long)file_size);
	img->descriptors_total = total;
	img->descriptors_offset = offset;
	img->file_size = file_size;
	return 0;
}

static int parse_object(const struct sif_image *img, const uint8_t *d, size_t index,
			struct sif_object *o, struct pea_error **err)
{
	memset(o, 0, sizeof(*o));
	o->datatype = (int32_t)get_u32(d + DESC_DATATYPE);
	o->id = get_u32(d + DESC_ID);
	o->group = get_u32(d + DESC_GROUP);
	o->link = get_u32(d + DESC_LINK);
	o->offset = get_u64(d + DESC_OFFSET);
	o->size = get_u64(d + DESC_SIZE);
	/* the name field need not end in a NUL: it is 128 bytes at most */
	memcpy(o->name, d + DESC_NAME, 128);
	o->name[128] = '\0';
	/* shown in errors only: a control byte of the file's must not break their one line */
	for (char *c = o->name; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	if (o->offset > img->file_size || img->file_size - o->offset < o->size)
		return pea_error_new(err, EINVAL,
				     "truncated SIF file: object %zu (id %u, %llu bytes at %llu) "
				     "ends past the file's end (%llu bytes)",
				     index, o->id, (unsigned long long)o->size,
				     (unsigned long long)o->offset,
				     (unsigned long long)img->file_size);
	if (o->datatype != SIF_DATA_PARTITION)
		return 0;
	o->fstype = (int32_t)get_u32(d + DESC_EXTRA);
	o->parttype = (int32_t)get_u32(d + DESC_EXTRA + 4);
	if (get_code(d + DESC_EXTRA + 8, "partition arch", o->arch, err) < 0)
		return pea_error_wrap(err, "object %zu (id %u)", index, o->id);
	return 0;
}

int sif_parse_descriptors(struct sif_image *img, const uint8_t *buf, size_t len,
			  struct pea_error **err)
{
	size_t total = (size_t)img->descriptors_total, used = 0;

	if (total > SIF_DESCRIPTORS_MAX || len / SIF_DESCRIPTOR_SIZE < total)
		return pea_error_new(err, EINVAL, "truncated SIF descriptor table");
	for (size_t i = 0; i < total; i++)
		if (buf[i * SIF_DESCRIPTOR_SIZE + DESC_USED])
			used++;
	free(img->objects);
	img->objects = xnew(struct sif_object, used ? used : 1);
	img->nobjects = 0;
	for (size_t i = 0; i < total; i++) {
		const uint8_t *d = buf + i * SIF_DESCRIPTOR_SIZE;

		if (!d[DESC_USED])
			continue;
		if (parse_object(img, d, i, &img->objects[img->nobjects], err) < 0)
			return -EINVAL;
		img->nobjects++;
	}
	return 0;
}

struct sif_image *sif_image_free(struct sif_image *img)
{
	if (!img)
		return NULL;
	free(img->objects);
	free(img);
	return NULL;
}

int sif_parse(const uint8_t *buf, size_t len, struct sif_image **ret, struct pea_error **err)
{
	_cleanup_(sif_image_free_p) struct sif_image *img = xnew(struct sif_image, 1);

	if (sif_parse_header(buf, len, len, img, err) < 0)
		return -EINVAL;
	/* the header checked that the table lies inside the buffer */
	if (sif_parse_descriptors(img, buf + img->descriptors_offset,
				  len - (size_t)img->descriptors_offset, err) < 0)
		return -EINVAL;
	*ret = TAKE_PTR(img);
	return 0;
}

static int pread_full(int fd, void *buf, size_t len, uint64_t offset, struct pea_error **err)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pea_error_errno(err, "read the SIF file");
		if (n == 0)
			return pea_error_new(err, EINVAL,
					     "truncated SIF file: it ended while read");
		done += (size_t)n;
	}
	return 0;
}

int sif_read(int fd, struct sif_image **ret, struct pea_error **err)
{
	_cleanup_(sif_image_free_p) struct sif_image *img = xnew(struct sif_image, 1);
	_cleanup_free_ uint8_t *table = NULL;
	uint8_t header[SIF_HEADER_SIZE];
	struct stat st;
	size_t len;

	if (fstat(fd, &st) < 0)
		return pea_error_errno(err, "stat the SIF file");
	if (!S_ISREG(st.st_mode))
		return pea_error_new(err, EINVAL, "not a SIF file: not a regular file");
	if ((uint64_t)st.st_size < SIF_HEADER_SIZE)
		return sif_parse_header(header, 0, (uint64_t)st.st_size, img, err);
	if (pread_full(fd, header, sizeof(header), 0, err) < 0 ||
	    sif_parse_header(header, sizeof(header), (uint64_t)st.st_size, img, err) < 0)
		return -EINVAL;
	/* at most SIF_DESCRIPTORS_MAX * 585 bytes (2.4 MB), inside the file */
	len = (size_t)img->descriptors_total * SIF_DESCRIPTOR_SIZE;
	table = xmalloc(len);
	if (pread_full(fd, table, len, img->descriptors_offset, err) < 0 ||
	    sif_parse_descriptors(img, table, len, err) < 0)
		return -EINVAL;
	*ret = TAKE_PTR(img);
	return 0;
}

int sif_primary_partition(const struct sif_image *img, const struct sif_object **ret,
			  struct pea_error **err)
{
	const struct sif_object *found = NULL;

	for (size_t i = 0; i < img->nobjects; i++) {
		const struct sif_object *o = &img->objects[i];

		if (o->datatype != SIF_DATA_PARTITION || o->parttype != SIF_PART_PRIMARY_SYSTEM)
			continue;
		if (found)
			return pea_error_new(err, EINVAL,
					     "the SIF file has two primary system partitions "
					     "(ids %u and %u)",
					     found->id, o->id);
		found = o;
	}
	if (!found)
		return pea_error_new(err, ENOENT,
				     "the SIF file has no primary system partition (no root "
				     "filesystem)");
	*ret = found;
	return 0;
}

const struct sif_object *sif_find(const struct sif_image *img, int32_t datatype, const char *name)
{
	for (size_t i = 0; i < img->nobjects; i++)
		if (img->objects[i].datatype == datatype &&
		    (!name || strcmp(img->objects[i].name, name) == 0))
			return &img->objects[i];
	return NULL;
}

const char *sif_arch_name(const char code[3])
{
	static const char *const names[] = {
		[1] = "386",	[2] = "amd64",	   [3] = "arm",	   [4] = "arm64",
		[5] = "ppc64",	[6] = "ppc64le",   [7] = "mips",   [8] = "mipsle",
		[9] = "mips64", [10] = "mips64le", [11] = "s390x", [12] = "riscv64",
	};
	int n;

	if (code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9')
		return NULL;
	n = (code[0] - '0') * 10 + (code[1] - '0');
	return n > 0 && (size_t)n < ARRAY_SIZE(names) ? names[n] : NULL;
}

/* One line of [p, end), trimmed, as a new string; *next is where the following line starts. */
static char *next_line(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *stop = nl ? nl : end;

	*next = nl ? nl + 1 : end;
	while (p < stop && isspace((unsigned char)*p))
		p++;
	while (stop > p && isspace((unsigned char)stop[-1]))
		stop--;
	return xstrndup(p, (size_t)(stop - p));
}

static void append(char **out, size_t *len, const char *s)
{
	size_t n = strlen(s);

	*out = xrealloc(*out, *len + n + 1);
	memcpy(*out + *len, s, n + 1);
	*len += n;
}

/* The lines joined with newlines, then one newline. */
static void append_lines(char **out, size_t *len, char *const *lines)
{
	for (size_t i = 0; lines && lines[i]; i++) {
		if (i > 0)
			append(out, len, "\n");
		append(out, len, lines[i]);
	}
	append(out, len, "\n");
}

char *sif_deffile_script(const char *text, size_t len)
{
	enum { OTHER, ENVIRONMENT, RUNSCRIPT } state = OTHER;
	_cleanup_strv_ char **env = NULL, **run = NULL;
	const char *p = text, *end = text + len;
	char *out;
	size_t n;

	while (p < end) {
		_cleanup_free_ char *line = next_line(p, end, &p);

		if (strcmp(line, "%environment") == 0)
			state = ENVIRONMENT;
		else if (strcmp(line, "%runscript") == 0)
			state = RUNSCRIPT;
		else if (line[0] == '%')
			state = OTHER;
		else if (state == ENVIRONMENT && line[0] && line[0] != '#')
			pea_strv_push(&env, line);
		else if (state == RUNSCRIPT)
			pea_strv_push(&run, line);
	}
	if (!env && !run)
		return NULL;
	out = xstrdup("#!/bin/sh\n");
	n = strlen(out);
	append_lines(&out, &n, env);
	append_lines(&out, &n, run);
	return out;
}
