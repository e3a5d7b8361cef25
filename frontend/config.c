/*
 * containers.conf: the few keys pea reads so far ([engine] runtime,
 * conmon_path, [engine.runtimes]). A narrow TOML reader of strings and arrays
 * of strings; other values are skipped. image/toml.c has a full parser: the
 * two should become one in lib/.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/config.h"
#include "frontend/frontend.h"

#define CONF_MAX (1u << 20)

void engine_config_clear(struct engine_config *c)
{
	free(c->runtime);
	pea_strv_free(c->conmon_path);
	pea_strv_free(c->runtimes);
	memset(c, 0, sizeof(*c));
}

/* A quoted string at *p ('...' literal, "..." with escapes); *p moves past it. */
static int parse_string(const char **p, char **ret)
{
	const char *s = *p;
	char q = *s++;
	char *out = xmalloc(strlen(s) + 1);
	size_t o = 0;

	for (; *s && *s != q && *s != '\n'; s++) {
		if (q == '"' && *s == '\\') {
			s++;
			switch (*s) {
			case 'n':
				out[o++] = '\n';
				break;
			case 't':
				out[o++] = '\t';
				break;
			case '"':
			case '\\':
				out[o++] = *s;
				break;
			default:
				free(out);
				return -EINVAL;
			}
			continue;
		}
		out[o++] = *s;
	}
	if (*s != q) {
		free(out);
		return -EINVAL;
	}
	out[o] = '\0';
	*p = s + 1;
	*ret = out;
	return 0;
}

static void skip_blank(const char **p, int *line)
{
	for (;;) {
		while (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n') {
			if (**p == '\n')
				(*line)++;
			(*p)++;
		}
		if (**p != '#')
			return;
		while (**p && **p != '\n')
			(*p)++;
	}
}

/* Value at *p: a string (ret_str), an array of strings (ret_strv), or skipped. */
static int parse_value(const char **p, int *line, char **ret_str, char ***ret_strv)
{
	if (**p == '"' || **p == '\'')
		return parse_string(p, ret_str);
	if (**p == '[') {
		char **v = NULL;
		(*p)++;
		for (;;) {
			char *s = NULL;
			skip_blank(p, line);
			if (**p == ']') {
				(*p)++;
				*ret_strv = v ? v : xnew(char *, 1);
				return 0;
			}
			if ((**p != '"' && **p != '\'') || parse_string(p, &s) < 0) {
				pea_strv_free(v);
				return -EINVAL;
			}
			pea_strv_push_take(&v, s);
			skip_blank(p, line);
			if (**p == ',')
				(*p)++;
			else if (**p != ']') {
				pea_strv_free(v);
				return -EINVAL;
			}
		}
	}
	/* numbers, booleans, inline tables: not read by pea, skipped to the line's end */
	if (**p == '{')
		return -EINVAL;
	while (**p && **p != '\n' && **p != '#')
		(*p)++;
	return 0;
}

static void apply(struct engine_config *c, const char *section, const char *key, char *str,
		  char **strv)
{
	if (strcmp(section, "engine") == 0 && strcmp(key, "runtime") == 0 && str) {
		free(c->runtime);
		c->runtime = xstrdup(str);
	} else if (strcmp(section, "engine") == 0 && strcmp(key, "conmon_path") == 0 && strv) {
		pea_strv_free(c->conmon_path);
		c->conmon_path = pea_strv_copy(strv);
	} else if (strcmp(section, "engine.runtimes") == 0 && strv) {
		/* "name=path1:path2" entries, the later file winning */
		_cleanup_free_ char *joined = pea_strv_join(strv, ":");
		pea_strv_push_take(&c->runtimes, xasprintf("%s=%s", key, joined));
	}
}

int engine_config_parse(struct engine_config *c, const char *text, const char *what,
			struct pea_error **err)
{
	_cleanup_free_ char *section = xstrdup("");
	const char *p = text;
	int line = 1;

	for (;;) {
		_cleanup_free_ char *key = NULL, *str = NULL;
		_cleanup_strv_ char **strv = NULL;
		const char *start;

		skip_blank(&p, &line);
		if (!*p)
			return 0;
		if (*p == '[') {
			const char *end = strchr(p, ']');
			const char *nl = strchr(p, '\n');
			bool array = p[1] == '[';
			if (!end || (nl && end > nl))
				return pea_error_new(err, EINVAL, "%s:%d: unclosed table header",
						     what, line);
			free(section);
			section =
				xstrndup(p + (array ? 2 : 1), (size_t)(end - p - (array ? 2 : 1)));
			p = end + (array && end[1] == ']' ? 2 : 1);
			continue;
		}
		start = p;
		if (*p == '"' || *p == '\'') {
			if (parse_string(&p, &key) < 0)
				return pea_error_new(err, EINVAL, "%s:%d: bad quoted key", what,
						     line);
		} else {
			while (isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.')
				p++;
			if (p == start)
				return pea_error_new(err, EINVAL, "%s:%d: expected a key", what,
						     line);
			key = xstrndup(start, (size_t)(p - start));
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=')
			return pea_error_new(err, EINVAL, "%s:%d: expected '=' after '%s'", what,
					     line, key);
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (parse_value(&p, &line, &str, &strv) < 0)
			return pea_error_new(err, EINVAL,
					     "%s:%d: value of '%s' is not a string or an "
					     "array of strings",
					     what, line, key);
		apply(c, section, key, str, strv);
	}
}

static int read_one(struct engine_config *c, const char *path, struct pea_error **err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_error_ struct pea_error *e = NULL;
	size_t len;

	if (pea_read_file_at(AT_FDCWD, path, CONF_MAX, &buf, &len, &e) < 0) {
		if (e->code == ENOENT)
			return 0;
		*err = TAKE_PTR(e);
		return -1;
	}
	if (memchr(buf, '\0', len))
		return pea_error_new(err, EINVAL, "%s: not a text file", path);
	return engine_config_parse(c, buf, path, err);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int engine_config_load(const struct global_options *g, struct engine_config *c,
		       struct pea_error **err)
{
	const char *env = getenv("CONTAINERS_CONF");
	struct dirent **names = NULL;
	int n;

	if (env && *env)
		return read_one(c, env, err);
	if (g->bindir) {
		/* pea's own defaults, installed beside it (PREFIX/share/pea) */
		_cleanup_free_ char *own = xasprintf("%s/../share/pea/containers.conf", g->bindir);
		if (read_one(c, own, err) < 0)
			return -1;
	}
	if (read_one(c, "/usr/share/containers/containers.conf", err) < 0 ||
	    read_one(c, "/etc/containers/containers.conf", err) < 0)
		return -1;
	n = scandir("/etc/containers/containers.conf.d", &names, NULL, by_name);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(names[i]->d_name);
		int r = 0;
		if (l > 5 && strcmp(names[i]->d_name + l - 5, ".conf") == 0) {
			_cleanup_free_ char *p =
				xasprintf("/etc/containers/containers.conf.d/%s", names[i]->d_name);
			r = read_one(c, p, err);
		}
		if (r < 0) {
			for (; i < n; i++)
				free(names[i]);
			free(names);
			return -1;
		}
		free(names[i]);
	}
	free(names);
	if (g->rootless && getenv("HOME")) {
		_cleanup_free_ char *user =
			xasprintf("%s/.config/containers/containers.conf", getenv("HOME"));
		if (read_one(c, user, err) < 0)
			return -1;
	}
	return 0;
}

/* The first path of a list that is executable, else NULL. */
static char *first_executable(const struct global_options *g, char **paths)
{
	for (size_t i = 0; paths && paths[i]; i++) {
		_cleanup_free_ char *p = frontend_find_binary(g, paths[i]);
		if (strchr(p, '/') && access(p, X_OK) == 0)
			return TAKE_PTR(p);
	}
	return NULL;
}

char *engine_config_runtime(const struct global_options *g, const struct engine_config *c)
{
	size_t nlen;

	if (!c->runtime)
		return NULL;
	nlen = strlen(c->runtime);
	for (size_t i = pea_strv_length(c->runtimes); i-- > 0;) {
		const char *e = c->runtimes[i];
		if (strncmp(e, c->runtime, nlen) == 0 && e[nlen] == '=') {
			_cleanup_strv_ char **paths = pea_strv_split(e + nlen + 1, ":");
			char *p = first_executable(g, paths);
			if (p)
				return p;
			break;
		}
	}
	return frontend_find_binary(g, c->runtime);
}

char *engine_config_conmon(const struct global_options *g, const struct engine_config *c)
{
	return first_executable(g, c->conmon_path);
}
