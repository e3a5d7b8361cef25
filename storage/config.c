#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "config.h"

#define CONF_MAX_STRING 4096
#define CONF_MAX_ARRAY	256
#define CONF_MAX_DEPTH	8

enum value_type {
	VALUE_STRING,
	VALUE_BOOL,
	VALUE_INT,
	VALUE_ARRAY,
};

struct value {
	enum value_type type;
	char *str;
	bool b;
	int64_t i;
	size_t n; /* array length */
};

struct parser {
	const char *p;
	const char *end;
	const char *what;
	int line;
	char *table; /* "storage.options.overlay" */
	char **seen; /* full keys and tables already defined */
	struct storage_conf *conf;
};

static int perr(struct parser *ps, struct pea_error **err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(struct parser *ps, struct pea_error **err, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	return pea_error_new(err, EINVAL, "%s:%d: %s", ps->what, ps->line, msg);
}

static bool at_end(const struct parser *ps)
{
	return ps->p >= ps->end;
}

static void skip_ws(struct parser *ps)
{
	while (!at_end(ps) && (*ps->p == ' ' || *ps->p == '\t'))
		ps->p++;
}

static void skip_comment(struct parser *ps)
{
	if (!at_end(ps) && *ps->p == '#')
		while (!at_end(ps) && *ps->p != '\n')
			ps->p++;
}

/* After a value or a header: only spaces and a comment until the end of the line. */
static int expect_eol(struct parser *ps, struct pea_error **err)
{
	skip_ws(ps);
	skip_comment(ps);
	if (!at_end(ps) && *ps->p == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n')
		ps->p++;
	if (at_end(ps))
		return 0;
	if (*ps->p != '\n')
		return perr(ps, err, "unexpected '%c' after the value", *ps->p);
	ps->p++;
	ps->line++;
	return 0;
}

/* Spaces, newlines and comments, inside an array. */
static void skip_ws_nl(struct parser *ps)
{
	for (;;) {
		skip_ws(ps);
		skip_comment(ps);
		if (at_end(ps))
			return;
		if (*ps->p == '\n') {
			ps->line++;
			ps->p++;
		} else if (*ps->p == '\r') {
			ps->p++;
		} else {
			return;
		}
	}
}

static int put_utf8(char *out, size_t *n, uint32_t cp)
{
	if (cp >= 0xd800 && cp <= 0xdfff)
		return -1;
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xc0 | (cp >> 6));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xe0 | (cp >> 12));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp <= 0x10ffff) {
		out[(*n)++] = (char)(0xf0 | (cp >> 18));
		out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		return -1;
	}
	return 0;
}

static int parse_escape(struct parser *ps, char *out, size_t *n, struct pea_error **err)
{
	static const char simple[] = "b\bt\tn\nf\fr\r\"\"\\\\";
	const char *e;
	uint32_t cp = 0;
	int digits;

	if (at_end(ps))
		return perr(ps, err, "unterminated string");
	e = strchr(simple, *ps->p);
	if (e && *ps->p && (e - simple) % 2 == 0) {
		out[(*n)++] = e[1];
		ps->p++;
		return 0;
	}
	if (*ps->p != 'u' && *ps->p != 'U')
		return perr(ps, err, "invalid escape '\\%c' in a string", *ps->p);
	digits = *ps->p == 'u' ? 4 : 8;
	ps->p++;
	for (int k = 0; k < digits; k++, ps->p++) {
		if (at_end(ps) || !isxdigit((unsigned char)*ps->p))
			return perr(ps, err, "invalid unicode escape in a string");
		cp = cp * 16 + (uint32_t)(isdigit((unsigned char)*ps->p)
						  ? *ps->p - '0'
						  : (tolower((unsigned char)*ps->p) - 'a' + 10));
	}
	if (put_utf8(out, n, cp) < 0)
		return perr(ps, err, "invalid unicode code point in a string");
	return 0;
}

/* A basic ("...") or literal ('...') string on one line. */
static int parse_string(struct parser *ps, char **ret, struct pea_error **err)
{
	_cleanup_free_ char *out = xmalloc(CONF_MAX_STRING + 8);
	char quote = *ps->p++;
	size_t n = 0;

	if (ps->end - ps->p >= 2 && ps->p[0] == quote && ps->p[1] == quote)
		return perr(ps, err, "multi-line strings are not supported");
	for (;;) {
		unsigned char c;

		if (at_end(ps) || *ps->p == '\n')
			return perr(ps, err, "unterminated string");
		c = (unsigned char)*ps->p;
		if (c == (unsigned char)quote) {
			ps->p++;
			break;
		}
		if (n >= CONF_MAX_STRING)
			return perr(ps, err, "string longer than %d bytes", CONF_MAX_STRING);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return perr(ps, err, "control character in a string");
		ps->p++;
		if (c == '\\' && quote == '"') {
			if (parse_escape(ps, out, &n, err) < 0)
				return -EINVAL;
			continue;
		}
		out[n++] = (char)c;
	}
	out[n] = '\0';
	if (memchr(out, '\0', n))
		return perr(ps, err, "NUL character in a string");
	*ret = TAKE_PTR(out);
	return 0;
}

static bool is_bare_key_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static bool word_is(struct parser *ps, const char *w)
{
	size_t n = strlen(w);

	return (size_t)(ps->end - ps->p) >= n && memcmp(ps->p, w, n) == 0 &&
	       (ps->p + n == ps->end || !is_bare_key_char(ps->p[n]));
}

static int parse_int(struct parser *ps, struct value *v, struct pea_error **err)
{
	char buf[32];
	size_t n = 0;
	char *endp;

	while (!at_end(ps) && (isalnum((unsigned char)*ps->p) || strchr("+-_.:", *ps->p))) {
		if (n + 1 >= sizeof(buf))
			return perr(ps, err, "number too long");
		if (*ps->p != '_')
			buf[n++] = *ps->p;
		ps->p++;
	}
	buf[n] = '\0';
	errno = 0;
	v->i = strtoll(buf, &endp, 10);
	if (n == 0 || *endp || errno)
		return perr(
			ps, err,
			"invalid value '%s' (expected a string, a boolean, an integer or an array)",
			buf);
	v->type = VALUE_INT;
	return 0;
}

static int parse_value(struct parser *ps, struct value *v, int depth, struct pea_error **err);

static int parse_array(struct parser *ps, struct value *v, int depth, struct pea_error **err)
{
	ps->p++;
	v->type = VALUE_ARRAY;
	for (;;) {
		struct value item = { 0 };

		skip_ws_nl(ps);
		if (at_end(ps))
			return perr(ps, err, "unterminated array");
		if (*ps->p == ']') {
			ps->p++;
			return 0;
		}
		if (v->n >= CONF_MAX_ARRAY)
			return perr(ps, err, "array longer than %d items", CONF_MAX_ARRAY);
		if (parse_value(ps, &item, depth + 1, err) < 0)
			return -EINVAL;
		free(item.str);
		v->n++;
		skip_ws_nl(ps);
		if (!at_end(ps) && *ps->p == ',') {
			ps->p++;
			continue;
		}
		skip_ws_nl(ps);
		if (at_end(ps))
			return perr(ps, err, "unterminated array");
		if (*ps->p != ']')
			return perr(ps, err, "expected ',' or ']' in an array");
	}
}

static int parse_value(struct parser *ps, struct value *v, int depth, struct pea_error **err)
{
	if (depth > CONF_MAX_DEPTH)
		return perr(ps, err, "arrays nested too deeply");
	if (at_end(ps) || *ps->p == '\n' || *ps->p == '#')
		return perr(ps, err, "missing value");
	switch (*ps->p) {
	case '"':
	case '\'':
		v->type = VALUE_STRING;
		return parse_string(ps, &v->str, err);
	case '[':
		return parse_array(ps, v, depth, err);
	case '{':
		return perr(ps, err, "inline tables are not supported");
	default:
		break;
	}
	if (word_is(ps, "true") || word_is(ps, "false")) {
		v->type = VALUE_BOOL;
		v->b = *ps->p == 't';
		ps->p += v->b ? 4 : 5;
		return 0;
	}
	return parse_int(ps, v, err);
}

/* key ( '.' key )*, bare or quoted, appended to *path with dots. */
static int parse_key_path(struct parser *ps, char **path, struct pea_error **err)
{
	for (;;) {
		_cleanup_free_ char *part = NULL;
		char *joined;

		skip_ws(ps);
		if (!at_end(ps) && (*ps->p == '"' || *ps->p == '\'')) {
			if (parse_string(ps, &part, err) < 0)
				return -EINVAL;
		} else {
			const char *start = ps->p;

			while (!at_end(ps) && is_bare_key_char(*ps->p))
				ps->p++;
			if (ps->p == start)
				return perr(ps, err, "expected a key");
			part = xstrndup(start, (size_t)(ps->p - start));
		}
		joined = *path && **path ? xasprintf("%s.%s", *path, part) : xstrdup(part);
		free(*path);
		*path = joined;
		skip_ws(ps);
		if (at_end(ps) || *ps->p != '.')
			return 0;
		ps->p++;
	}
}

static int parse_table_header(struct parser *ps, struct pea_error **err)
{
	_cleanup_free_ char *path = NULL;

	ps->p++;
	if (!at_end(ps) && *ps->p == '[')
		return perr(ps, err, "arrays of tables are not supported");
	if (parse_key_path(ps, &path, err) < 0)
		return -EINVAL;
	if (at_end(ps) || *ps->p != ']')
		return perr(ps, err, "expected ']' after the table name");
	ps->p++;
	if (pea_strv_contains(ps->seen, path))
		return perr(ps, err, "table '%s' defined twice", path);
	pea_strv_push(&ps->seen, path);
	free(ps->table);
	ps->table = TAKE_PTR(path);
	return expect_eol(ps, err);
}

static int want_string(struct parser *ps, const char *key, const struct value *v, char **dst,
		       struct pea_error **err)
{
	if (v->type != VALUE_STRING)
		return perr(ps, err, "'%s' must be a string", key);
	free(*dst);
	*dst = xstrdup(v->str);
	return 0;
}

/* containers-storage.conf writes some booleans as strings ("true"). */
static int want_bool(struct parser *ps, const char *key, const struct value *v, bool *dst,
		     struct pea_error **err)
{
	if (v->type == VALUE_BOOL)
		*dst = v->b;
	else if (v->type == VALUE_STRING && (!strcmp(v->str, "true") || !strcmp(v->str, "false")))
		*dst = v->str[0] == 't';
	else
		return perr(ps, err, "'%s' must be a boolean", key);
	return 0;
}

bool storage_driver_is_known(const char *name)
{
	return !strcmp(name, "overlay") || !strcmp(name, "vfs");
}

static int apply_key(struct parser *ps, const char *key, const struct value *v,
		     struct pea_error **err)
{
	struct storage_conf *c = ps->conf;

	if (!strcmp(key, "storage.driver")) {
		if (want_string(ps, key, v, &c->driver, err) < 0)
			return -EINVAL;
		if (!*c->driver) {
			c->driver = (free(c->driver), NULL);
			return 0;
		}
		if (!storage_driver_is_known(c->driver))
			return perr(ps, err, "storage driver '%s' is not supported (overlay, vfs)",
				    c->driver);
		return 0;
	}
	if (!strcmp(key, "storage.graphroot"))
		return want_string(ps, key, v, &c->graphroot, err);
	if (!strcmp(key, "storage.runroot"))
		return want_string(ps, key, v, &c->runroot, err);
	if (!strcmp(key, "storage.transient_store"))
		return want_bool(ps, key, v, &c->transient_store, err);
	if (!strcmp(key, "storage.options.mount_program") ||
	    !strcmp(key, "storage.options.overlay.mount_program"))
		return want_string(ps, key, v, &c->mount_program, err);
	if (!strcmp(key, "storage.options.mountopt") ||
	    !strcmp(key, "storage.options.overlay.mountopt"))
		return want_string(ps, key, v, &c->mountopt, err);
	if (!strcmp(key, "storage.options.ignore_chown_errors") ||
	    !strcmp(key, "storage.options.overlay.ignore_chown_errors") ||
	    !strcmp(key, "storage.options.vfs.ignore_chown_errors"))
		return want_bool(ps, key, v, &c->ignore_chown_errors, err);
	return 0; /* not ours: containers/storage ignores unknown keys too */
}

static int parse_key_value(struct parser *ps, struct pea_error **err)
{
	_cleanup_free_ char *key = NULL;
	_cleanup_free_ char *full = NULL;
	struct value v = { 0 };
	int r;

	if (parse_key_path(ps, &key, err) < 0)
		return -EINVAL;
	if (at_end(ps) || *ps->p != '=')
		return perr(ps, err, "expected '=' after the key '%s'", key);
	ps->p++;
	skip_ws(ps);
	if (parse_value(ps, &v, 0, err) < 0) {
		free(v.str);
		return -EINVAL;
	}
	full = ps->table ? xasprintf("%s.%s", ps->table, key) : xstrdup(key);
	if (pea_strv_contains(ps->seen, full)) {
		free(v.str);
		return perr(ps, err, "key '%s' defined twice", full);
	}
	pea_strv_push(&ps->seen, full);
	r = apply_key(ps, full, &v, err);
	free(v.str);
	if (r < 0)
		return r;
	return expect_eol(ps, err);
}

int storage_conf_parse(const char *buf, size_t len, const char *what, struct storage_conf *conf,
		       struct pea_error **err)
{
	struct parser ps = { .p = buf, .end = buf + len, .what = what, .line = 1, .conf = conf };
	int r = 0;

	if (len > STORAGE_CONF_MAX)
		return pea_error_new(err, EFBIG, "%s: larger than %u bytes", what,
				     STORAGE_CONF_MAX);
	if (memchr(buf, '\0', len))
		return pea_error_new(err, EINVAL, "%s: contains a NUL byte", what);
	while (!at_end(&ps)) {
		skip_ws(&ps);
		if (at_end(&ps))
			break;
		if (*ps.p == '#' || *ps.p == '\n' || *ps.p == '\r')
			r = expect_eol(&ps, err);
		else if (*ps.p == '[')
			r = parse_table_header(&ps, err);
		else
			r = parse_key_value(&ps, err);
		if (r < 0)
			break;
	}
	free(ps.table);
	pea_strv_free(ps.seen);
	return r;
}

int storage_conf_load(const char *path, struct storage_conf *conf, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (pea_read_file_at(AT_FDCWD, path, STORAGE_CONF_MAX, &buf, &len, err) < 0)
		return pea_error_wrap(err, "storage configuration");
	return storage_conf_parse(buf, len, path, conf, err);
}

int storage_conf_set_opt(struct storage_conf *conf, const char *kv, struct pea_error **err)
{
	const char *eq = strchr(kv, '=');
	_cleanup_free_ char *key = NULL;
	const char *val;
	const char *k;

	if (!eq)
		return pea_error_new(err, EINVAL, "storage option '%s': expected KEY=VALUE", kv);
	key = xstrndup(kv, (size_t)(eq - kv));
	val = eq + 1;
	k = key;
	if (!strncmp(k, "overlay.", 8))
		k += 8;
	else if (!strncmp(k, "vfs.", 4))
		k += 4;
	else if (k[0] == '.')
		k += 1;
	if (!strcmp(k, "mount_program")) {
		free(conf->mount_program);
		conf->mount_program = *val ? xstrdup(val) : NULL;
	} else if (!strcmp(k, "mountopt")) {
		free(conf->mountopt);
		conf->mountopt = *val ? xstrdup(val) : NULL;
	} else if (!strcmp(k, "ignore_chown_errors")) {
		if (strcmp(val, "true") && strcmp(val, "false"))
			return pea_error_new(err, EINVAL,
					     "storage option '%s': expected true or false", key);
		conf->ignore_chown_errors = val[0] == 't';
	} else {
		return pea_error_new(err, EINVAL, "unknown storage option '%s'", key);
	}
	return 0;
}

void storage_conf_clear(struct storage_conf *conf)
{
	free(conf->driver);
	free(conf->graphroot);
	free(conf->runroot);
	free(conf->mount_program);
	free(conf->mountopt);
	*conf = (struct storage_conf){ 0 };
}
