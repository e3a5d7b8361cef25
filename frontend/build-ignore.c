/*
 * .containerignore / .dockerignore (the Dockerfile reference's rules): one
 * pattern a line, '#' comments, filepath.Match globs plus "**", a leading '!'
 * re-includes; the last matching pattern wins; a pattern also excludes what
 * is below a matching directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/file.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/build-exec.h"

#define IGNORE_MAX (1u << 20)

/* Clean a pattern as filepath.Clean does: no "./", no leading or trailing '/'. */
static char *clean(const char *s)
{
	_cleanup_strv_ char **parts = pea_strv_split(s, "/");
	char **keep = NULL, *r;

	for (size_t i = 0; parts && parts[i]; i++) {
		if (strcmp(parts[i], ".") == 0)
			continue;
		if (strcmp(parts[i], "..") == 0) {
			size_t n = pea_strv_length(keep);
			if (n > 0) {
				free(keep[n - 1]);
				keep[n - 1] = NULL;
			}
			continue;
		}
		pea_strv_push(&keep, parts[i]);
	}
	r = pea_strv_join(keep, "/");
	pea_strv_free(keep);
	return r;
}

int build_ignore_load(const char *context, const char *path, char ***ret, struct pea_error **err)
{
	_cleanup_free_ char *text = NULL, *p1 = NULL;
	_cleanup_strv_ char **lines = NULL;
	char **v = NULL;
	size_t len = 0;

	if (path) {
		if (pea_read_file_at(AT_FDCWD, path, IGNORE_MAX, &text, &len, err) < 0)
			return -1;
	} else {
		p1 = xasprintf("%s/.containerignore", context);
		if (pea_read_file_at(AT_FDCWD, p1, IGNORE_MAX, &text, &len, err) < 0) {
			/* unreadable: not a reason to take .dockerignore instead */
			if ((*err)->code != ENOENT)
				return -1;
			*err = pea_error_free(*err);
			free(p1);
			p1 = xasprintf("%s/.dockerignore", context);
			if (pea_read_file_at(AT_FDCWD, p1, IGNORE_MAX, &text, &len, err) < 0) {
				if ((*err)->code != ENOENT)
					return -1;
				*err = pea_error_free(*err);
				*ret = NULL;
				return 0;
			}
		}
	}
	lines = pea_strv_split(text, "\n");
	for (size_t i = 0; lines && lines[i]; i++) {
		char *l = lines[i];
		bool neg = false;
		size_t n;
		_cleanup_free_ char *c = NULL;

		l += strspn(l, " \t\r");
		n = strlen(l);
		while (n > 0 && (l[n - 1] == ' ' || l[n - 1] == '\t' || l[n - 1] == '\r'))
			l[--n] = '\0';
		if (!*l || *l == '#')
			continue;
		if (*l == '!') {
			neg = true;
			l++;
			l += strspn(l, " \t");
		}
		c = clean(l);
		if (!*c)
			continue;
		pea_strv_push_take(&v, xasprintf("%s%s", neg ? "!" : "", c));
	}
	*ret = v;
	return 0;
}

/* fnmatch with "**" matching any number of path components. */
static bool glob_match(const char *pat, const char *s)
{
	if (strncmp(pat, "**", 2) == 0) {
		const char *rest = pat + 2;
		if (*rest == '/')
			rest++;
		if (!*rest)
			return true;
		for (const char *p = s;; p++) {
			if ((p == s || p[-1] == '/') && glob_match(rest, p))
				return true;
			if (!*p)
				return false;
		}
	}
	const char *star = strstr(pat, "/**");
	if (star) {
		_cleanup_free_ char *head = xstrndup(pat, (size_t)(star - pat));
		size_t comps = 1;
		for (const char *h = head; *h; h++)
			comps += *h == '/';
		/* the head must match the first comps components of s */
		const char *p = s;
		for (size_t i = 0; i < comps && p; i++) {
			p = strchr(p, '/');
			if (p && i + 1 < comps)
				p++;
		}
		_cleanup_free_ char *sh = p ? xstrndup(s, (size_t)(p - s)) : xstrdup(s);
		if (fnmatch(head, sh, FNM_PATHNAME) != 0)
			return false;
		return glob_match(star + 1, p ? p + 1 : "");
	}
	return fnmatch(pat, s, FNM_PATHNAME) == 0;
}

/* The pattern matches rel or one of its parent directories. */
static bool pattern_matches(const char *pat, const char *rel)
{
	_cleanup_free_ char *copy = xstrdup(rel);

	for (;;) {
		char *slash;
		if (glob_match(pat, copy))
			return true;
		slash = strrchr(copy, '/');
		if (!slash)
			return false;
		*slash = '\0';
	}
}

bool build_ignore_match(char *const *patterns, const char *rel)
{
	bool excluded = false;

	for (size_t i = 0; patterns && patterns[i]; i++) {
		const char *p = patterns[i];
		bool neg = *p == '!';
		if (neg)
			p++;
		if (pattern_matches(p, rel))
			excluded = !neg;
	}
	return excluded;
}
