/*
 * Containerfile parsing for pea build (the Dockerfile reference's rules, as
 * buildah's imagebuilder reads them): parser directives, continuations,
 * comments, instructions with their --flags, exec form or shell form; and
 * the word rules (quotes, escapes, variable expansion) of ENV, LABEL, ARG,
 * COPY, ADD, WORKDIR, USER, ...
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/build-parse.h"

static const char *const known[] = {
	"FROM",	   "RUN", "CMD",     "LABEL",	   "MAINTAINER",  "EXPOSE",
	"ENV",	   "ADD", "COPY",    "ENTRYPOINT", "VOLUME",	  "USER",
	"WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
};

/* Instructions whose leading --flags are options, not arguments. */
static bool takes_flags(const char *cmd)
{
	return strcmp(cmd, "FROM") == 0 || strcmp(cmd, "RUN") == 0 || strcmp(cmd, "COPY") == 0 ||
	       strcmp(cmd, "ADD") == 0 || strcmp(cmd, "HEALTHCHECK") == 0;
}

static bool takes_exec_form(const char *cmd)
{
	return strcmp(cmd, "RUN") == 0 || strcmp(cmd, "CMD") == 0 ||
	       strcmp(cmd, "ENTRYPOINT") == 0 || strcmp(cmd, "SHELL") == 0 ||
	       strcmp(cmd, "VOLUME") == 0 || strcmp(cmd, "COPY") == 0 || strcmp(cmd, "ADD") == 0;
}

void build_file_clear(struct build_file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].cmd);
		pea_strv_free(f->v[i].flags);
		free(f->v[i].args);
		pea_strv_free(f->v[i].exec);
		free(f->v[i].original);
	}
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

/* A JSON array of strings: its strings; NULL when s is not one (then it is the shell form). */
static char **parse_exec(const char *s)
{
	_cleanup_json_ struct json_object *j = NULL;
	char **v = NULL;

	if (pea_json_parse(s, strlen(s), "exec form", &j, NULL) < 0 || !j ||
	    !json_object_is_type(j, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(j); i++) {
		struct json_object *e = json_object_array_get_idx(j, i);
		if (!json_object_is_type(e, json_type_string))
			return pea_strv_free(v);
		pea_strv_push(&v, json_object_get_string(e));
	}
	return v ? v : xnew(char *, 1);
}

/* One logical line into an instruction. */
static int parse_instr(char *text, int line, struct build_instr *in, struct pea_error **err)
{
	size_t wl = strcspn(text, " \t");
	char *rest = text + wl;
	bool known_cmd = false;

	in->line = line;
	in->cmd = xstrndup(text, wl);
	for (char *p = in->cmd; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		known_cmd = known_cmd || strcmp(known[i], in->cmd) == 0;
	if (!known_cmd)
		return pea_error_new(err, EINVAL, "line %d: unknown instruction: %.*s", line,
				     (int)wl, text);
	rest += strspn(rest, " \t");
	in->original = *rest ? xasprintf("%s %s", in->cmd, rest) : xstrdup(in->cmd);
	while (takes_flags(in->cmd) && strncmp(rest, "--", 2) == 0) {
		size_t fl = strcspn(rest, " \t");
		pea_strv_push_take(&in->flags, xstrndup(rest, fl));
		rest += fl;
		rest += strspn(rest, " \t");
	}
	in->args = xstrdup(rest);
	if (takes_exec_form(in->cmd) && rest[0] == '[')
		in->exec = parse_exec(rest);
	if (strcmp(in->cmd, "SHELL") == 0 && (!in->exec || !in->exec[0]))
		return pea_error_new(err, EINVAL,
				     "line %d: SHELL requires the arguments to be in JSON form",
				     line);
	if (!*rest && strcmp(in->cmd, "RUN") != 0 && strcmp(in->cmd, "CMD") != 0 &&
	    strcmp(in->cmd, "ENTRYPOINT") != 0)
		return pea_error_new(err, EINVAL, "line %d: %s requires at least one argument",
				     line, in->cmd);
	return 0;
}

/* "# escape=`" and "# syntax=..." before the first instruction. */
static const char *parse_directives(const char *p, const char *end, char *escape)
{
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *q = p;
		q += strspn(q, " \t");
		if (q >= le || *q != '#')
			return p;
		q++;
		while (q < le && (*q == ' ' || *q == '\t'))
			q++;
		if ((size_t)(le - q) >= 7 && strncasecmp(q, "escape=", 7) == 0) {
			q += 7;
			while (q < le && (*q == ' ' || *q == '\t'))
				q++;
			if (q < le && (*q == '`' || *q == '\\'))
				*escape = *q;
		} else if (!((size_t)(le - q) >= 7 && strncasecmp(q, "syntax=", 7) == 0)) {
			return p; /* an ordinary comment ends the directives */
		}
		p = nl ? nl + 1 : end;
	}
	return p;
}

static void push_instr(struct build_file *f, struct build_instr *in)
{
	f->v = xreallocarray(f->v, f->n + 1, sizeof(*f->v));
	f->v[f->n++] = *in;
}

static void instr_clear(struct build_instr *in)
{
	free(in->cmd);
	pea_strv_free(in->flags);
	free(in->args);
	pea_strv_free(in->exec);
	free(in->original);
}

/* Append a physical line to the logical one; true when the line continues. */
static bool take_line(char **buf, size_t *blen, const char *s, size_t n, char escape)
{
	bool cont = false;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n > 0 && s[n - 1] == escape) {
		cont = true;
		n--;
	}
	*buf = xrealloc(*buf, *blen + n + 1);
	memcpy(*buf + *blen, s, n);
	*blen += n;
	(*buf)[*blen] = '\0';
	return cont;
}

/*
 * RUN with a here-document (<<WORD, <<-WORD, <<"WORD"): the lines up to WORD.
 * "RUN <<EOF" alone runs them as the script; otherwise the shell gets the
 * command with its here-document, as written.
 */
static int take_heredoc(struct build_instr *in, const char **pp, const char *end, int *line,
			struct pea_error **err)
{
	const char *h = strstr(in->args, "<<"), *w;
	_cleanup_free_ char *word = NULL, *body = xstrdup("");
	bool strip = false, alone;
	size_t wl, blen = 0;

	if (!h)
		return 0;
	w = h + 2;
	if (*w == '-') {
		strip = true;
		w++;
	}
	if (*w == '"' || *w == '\'') {
		const char *q = strchr(w + 1, *w);
		if (!q)
			return 0;
		word = xstrndup(w + 1, (size_t)(q - w - 1));
		wl = (size_t)(q + 1 - h);
	} else {
		size_t n = 0;
		while (isalnum((unsigned char)w[n]) || w[n] == '_')
			n++;
		if (n == 0)
			return 0;
		word = xstrndup(w, n);
		wl = (size_t)(w + n - h);
	}
	alone = h == in->args && !h[wl + strspn(h + wl, " \t")];
	for (;;) {
		const char *nl, *le, *s;
		size_t n;
		if (*pp >= end)
			return pea_error_new(err, EINVAL, "line %d: here-document '%s' never ends",
					     in->line, word);
		nl = memchr(*pp, '\n', (size_t)(end - *pp));
		le = nl ? nl : end;
		s = *pp;
		*pp = nl ? nl + 1 : end;
		(*line)++;
		if (strip)
			while (s < le && *s == '\t')
				s++;
		n = (size_t)(le - s);
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n == strlen(word) && strncmp(s, word, n) == 0)
			break;
		if (blen + n + 1 > BUILD_FILE_MAX)
			return pea_error_new(err, EFBIG, "here-document too long");
		body = xrealloc(body, blen + n + 2);
		memcpy(body + blen, s, n);
		blen += n;
		body[blen++] = '\n';
		body[blen] = '\0';
	}
	if (alone) {
		free(in->args);
		in->args = TAKE_PTR(body);
	} else {
		char *full = xasprintf("%s\n%s%s", in->args, body, word);
		free(in->args);
		in->args = full;
	}
	return 0;
}

int build_parse(const char *text, size_t len, struct build_file *ret, struct pea_error **err)
{
	struct build_file f = { .escape = '\\' };
	_cleanup_free_ char *buf = NULL, *copy = NULL;
	const char *p = text, *end = text + len;
	size_t blen = 0;
	int line = 0, start = 0;
	bool cont = false;

	if (len > BUILD_FILE_MAX)
		return pea_error_new(err, EFBIG, "the Containerfile is larger than %u bytes",
				     BUILD_FILE_MAX);
	if (memchr(text, '\0', len))
		return pea_error_new(err, EINVAL, "the Containerfile holds a NUL byte");
	/* the scans below may read to a NUL: a terminated copy */
	copy = xstrndup(text, len);
	text = copy;
	p = text;
	end = text + len;
	p = parse_directives(p, end, &f.escape);
	for (const char *q = text; q < p; q++)
		line += *q == '\n';
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *s = p, *ls = p;
		struct build_instr in = { 0 };

		line++;
		p = nl ? nl + 1 : end;
		while (s < le && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		if (s == le || *s == '#')
			continue; /* blank lines and comments, inside continuations too */
		if (!cont)
			start = line;
		else
			s = ls; /* a continuation keeps its leading blanks, as Docker's parser */
		cont = take_line(&buf, &blen, s, (size_t)(le - s), f.escape);
		if (cont && p < end)
			continue;
		cont = false;
		if (f.n >= BUILD_INSTR_MAX) {
			build_file_clear(&f);
			return pea_error_new(err, E2BIG, "more than %d instructions",
					     BUILD_INSTR_MAX);
		}
		if (parse_instr(buf, start, &in, err) < 0) {
			instr_clear(&in);
			build_file_clear(&f);
			return -1;
		}
		if (strcmp(in.cmd, "RUN") == 0 && !in.exec &&
		    take_heredoc(&in, &p, end, &line, err) < 0) {
			instr_clear(&in);
			build_file_clear(&f);
			return -1;
		}
		push_instr(&f, &in);
		blen = 0;
		buf[0] = '\0';
	}
	*ret = f;
	return 0;
}

/* ---- words ---------------------------------------------------------------- */

struct words {
	char **v;
	char *cur;
	size_t len;
	bool started;
	char escape;
	build_lookup_fn lookup;
	void *ctx;
};

static int put(struct words *w, const char *s, size_t n, struct pea_error **err)
{
	if (w->len + n > BUILD_EXPAND_MAX)
		return pea_error_new(err, E2BIG, "a word longer than %u bytes", BUILD_EXPAND_MAX);
	w->cur = xrealloc(w->cur, w->len + n + 1);
	memcpy(w->cur + w->len, s, n);
	w->len += n;
	w->cur[w->len] = '\0';
	w->started = true;
	return 0;
}

static void end_word(struct words *w)
{
	if (!w->started)
		return;
	pea_strv_push_take(&w->v, w->cur ? w->cur : xstrdup(""));
	w->cur = NULL;
	w->len = 0;
	w->started = false;
}

static int expand_at(struct words *w, const char **pp, int depth, struct pea_error **err);

/* The word of ${VAR:-word}: up to the matching '}', itself expanded. */
static int modifier_word(struct words *w, const char **pp, int depth, char **ret,
			 struct pea_error **err)
{
	struct words sub = { .escape = w->escape, .lookup = w->lookup, .ctx = w->ctx };
	const char *p = *pp;

	while (*p && *p != '}') {
		if (*p == '$') {
			if (expand_at(&sub, &p, depth + 1, err) < 0)
				goto fail;
			continue;
		}
		if (*p == w->escape && p[1]) {
			p++;
		}
		if (put(&sub, p, 1, err) < 0)
			goto fail;
		p++;
	}
	if (*p != '}') {
		pea_error_new(err, EINVAL, "missing '}' in a variable reference");
		goto fail;
	}
	*pp = p + 1;
	*ret = sub.cur ? sub.cur : xstrdup("");
	return 0;
fail:
	free(sub.cur);
	return -1;
}

/* $NAME or ${NAME...} at *pp; advances it. */
static int expand_at(struct words *w, const char **pp, int depth, struct pea_error **err)
{
	const char *p = *pp + 1, *val;
	_cleanup_free_ char *name = NULL, *word = NULL;
	size_t n;
	char mod = 0;

	if (depth > 8)
		return pea_error_new(err, EINVAL, "variable references nested too deep");
	if (*p != '{') {
		n = 0;
		while (isalnum((unsigned char)p[n]) || p[n] == '_')
			n++;
		if (n == 0) {
			*pp = p;
			return put(w, "$", 1, err);
		}
		name = xstrndup(p, n);
		*pp = p + n;
		val = w->lookup(w->ctx, name);
		return val ? put(w, val, strlen(val), err) : 0;
	}
	p++;
	n = 0;
	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	if (n == 0)
		return pea_error_new(err, EINVAL, "bad substitution: '%.20s'", *pp);
	name = xstrndup(p, n);
	p += n;
	if (p[0] == ':' && (p[1] == '-' || p[1] == '+')) {
		mod = p[1];
		p += 2;
		if (modifier_word(w, &p, depth, &word, err) < 0)
			return -1;
	} else if (*p == '}') {
		p++;
	} else {
		return pea_error_new(err, EINVAL, "bad substitution: '%.20s'", *pp);
	}
	*pp = p;
	val = w->lookup(w->ctx, name);
	if (mod == '-' && (!val || !*val))
		val = word;
	else if (mod == '+')
		val = val && *val ? word : NULL;
	if (!val)
		return 0;
	w->started = true;
	return put(w, val, strlen(val), err);
}

static int scan(struct words *w, const char *s, bool split, struct pea_error **err)
{
	const char *p = s;
	char quote = 0;

	while (*p) {
		char c = *p;
		if (quote == '\'') {
			if (c == '\'')
				quote = 0;
			else if (put(w, p, 1, err) < 0)
				return -1;
			p++;
		} else if (c == w->escape && p[1]) {
			/* in double quotes only ", $ and the escape itself are escaped */
			if (quote == '"' && p[1] != '"' && p[1] != '$' && p[1] != w->escape &&
			    put(w, p, 1, err) < 0)
				return -1;
			if (put(w, p + 1, 1, err) < 0)
				return -1;
			p += 2;
		} else if (c == '$' && w->lookup) {
			if (expand_at(w, &p, 0, err) < 0)
				return -1;
		} else if (c == '"' || (c == '\'' && !quote)) {
			quote = quote == c ? 0 : c;
			w->started = true;
			p++;
		} else if (!quote && split && (c == ' ' || c == '\t')) {
			end_word(w);
			p++;
		} else {
			if (put(w, p, 1, err) < 0)
				return -1;
			p++;
		}
	}
	if (quote)
		return pea_error_new(err, EINVAL,
				     "unexpected end of statement while looking for "
				     "matching %c",
				     quote);
	end_word(w);
	return 0;
}

int build_words(const char *s, char escape, bool split, build_lookup_fn lookup, void *ctx,
		char ***ret, struct pea_error **err)
{
	struct words w = { .escape = escape, .lookup = lookup, .ctx = ctx };

	if (!split)
		w.started = true;
	if (scan(&w, s, split, err) < 0) {
		free(w.cur);
		pea_strv_free(w.v);
		return -1;
	}
	*ret = w.v ? w.v : xnew(char *, 1);
	return 0;
}

int build_expand(const char *s, char escape, build_lookup_fn lookup, void *ctx, char **ret,
		 struct pea_error **err)
{
	_cleanup_strv_ char **v = NULL;

	if (build_words(s, escape, false, lookup, ctx, &v, err) < 0)
		return -1;
	*ret = xstrdup(v[0] ? v[0] : "");
	return 0;
}

int build_pairs(const char *s, char escape, bool legacy, build_lookup_fn lookup, void *ctx,
		char ***ret, struct pea_error **err)
{
	size_t kl = strcspn(s, " \t=");
	char **v = NULL;

	if (legacy && s[kl] != '=') {
		_cleanup_free_ char *val = NULL, *key = xstrndup(s, kl);
		const char *rest = s + kl + strspn(s + kl, " \t");
		if (!*rest)
			return pea_error_new(err, EINVAL, "'%s' needs a value (KEY=VALUE)", key);
		if (build_expand(rest, escape, lookup, ctx, &val, err) < 0)
			return -1;
		pea_strv_push_take(&v, xasprintf("%s=%s", key, val));
		*ret = v;
		return 0;
	}
	if (build_words(s, escape, true, lookup, ctx, &v, err) < 0)
		return -1;
	for (size_t i = 0; v[i]; i++) {
		const char *eq = strchr(v[i], '=');
		if ((legacy && !eq) || eq == v[i] || !v[i][0]) {
			pea_error_new(err, EINVAL, "'%s' is not KEY=VALUE", v[i]);
			pea_strv_free(v);
			return -1;
		}
	}
	*ret = v;
	return 0;
}
