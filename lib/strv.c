#include <stdlib.h>
#include <string.h>

#include "lib/strv.h"
#include "lib/xalloc.h"

size_t pea_strv_length(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

void pea_strv_push_take(char ***v, char *s)
{
	size_t n = pea_strv_length(*v);

	*v = xreallocarray(*v, n + 2, sizeof(char *));
	(*v)[n] = s;
	(*v)[n + 1] = NULL;
}

void pea_strv_push(char ***v, const char *s)
{
	pea_strv_push_take(v, xstrdup(s));
}

char **pea_strv_copy(char *const *v)
{
	size_t n = pea_strv_length(v);
	char **c = xnew(char *, n + 1);

	for (size_t i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return c;
}

bool pea_strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

char **pea_strv_split(const char *s, const char *sep)
{
	char **v = xnew(char *, 1);

	while (*s) {
		size_t n = strcspn(s, sep);
		if (n > 0)
			pea_strv_push_take(&v, xstrndup(s, n));
		s += n;
		if (*s)
			s++;
	}
	return v;
}

char *pea_strv_join(char *const *v, const char *sep)
{
	size_t seplen = strlen(sep), len = 0, n = pea_strv_length(v);
	char *out, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + (i ? seplen : 0);
	p = out = xmalloc(len + 1);
	for (size_t i = 0; i < n; i++) {
		if (i) {
			memcpy(p, sep, seplen);
			p += seplen;
		}
		size_t l = strlen(v[i]);
		memcpy(p, v[i], l);
		p += l;
	}
	*p = '\0';
	return out;
}

char **pea_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
	return NULL;
}
