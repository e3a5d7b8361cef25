/* systemd's native journal protocol: encoding an entry (journal-native.h). */
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "lib/error.h"
#include "lib/journal-native.h"
#include "lib/xalloc.h"

bool journal_native_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > 64 || name[0] == '_' || (name[0] >= '0' && name[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_'))
			return false;
	return true;
}

static size_t put(char *buf, size_t size, size_t off, const void *data, size_t len)
{
	if (off == SIZE_MAX || len > SIZE_MAX - 1 - off || (buf && off + len > size))
		return SIZE_MAX;
	if (buf && len > 0)
		memcpy(buf + off, data, len);
	return off + len;
}

size_t journal_native_put(char *buf, size_t size, size_t off, const char *name, size_t name_len,
			  const char *value, size_t value_len, bool binary)
{
	off = put(buf, size, off, name, name_len);
	if (binary || memchr(value, '\n', value_len)) {
		uint64_t le = htole64((uint64_t)value_len);

		off = put(buf, size, off, "\n", 1);
		off = put(buf, size, off, &le, sizeof(le));
	} else {
		off = put(buf, size, off, "=", 1);
	}
	off = put(buf, size, off, value, value_len);
	return put(buf, size, off, "\n", 1);
}

size_t journal_native_put_field(char *buf, size_t size, size_t off, const char *field)
{
	const char *eq = strchr(field, '=');

	if (!eq)
		return SIZE_MAX;
	return journal_native_put(buf, size, off, field, (size_t)(eq - field), eq + 1,
				  strlen(eq + 1), false);
}

int journal_native_encode(char *const *fields, char **ret, size_t *ret_len, struct pea_error **err)
{
	size_t len = 0, off = 0;
	char *buf;

	for (size_t i = 0; fields && fields[i]; i++) {
		const char *eq = strchr(fields[i], '=');

		if (!eq || !journal_native_name_valid(fields[i], (size_t)(eq - fields[i])))
			return pea_error_new(err, EINVAL, "journal field '%.64s': not NAME=value",
					     fields[i]);
		len = journal_native_put_field(NULL, 0, len, fields[i]);
	}
	if (len == SIZE_MAX)
		return pea_error_new(err, E2BIG, "journal entry: too long");
	buf = xmalloc(len ? len : 1);
	for (size_t i = 0; fields && fields[i]; i++)
		off = journal_native_put_field(buf, len, off, fields[i]);
	*ret = buf;
	*ret_len = off;
	return 0;
}
