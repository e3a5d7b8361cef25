/* Tables, human units and the --format templates (format.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "frontend/format.h"

#define TAB_MINWIDTH 12
#define TAB_PADDING  2
#define TEMPLATE_MAX 4096

void table_add(struct table *t, char **row)
{
	t->rows = xreallocarray(t->rows, t->n + 1, sizeof(*t->rows));
	t->rows[t->n++] = row;
}

void table_clear(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		pea_strv_free(t->rows[i]);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

/* Display width of UTF-8 text: code points (what Go's tabwriter counts). */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/*
 * Go's tabwriter with podman's settings: every cell but the last of a line
 * is padded to the widest cell of its column plus 2, at least 12.
 */
void table_print(FILE *f, const struct table *t)
{
	size_t ncols = 0;
	_cleanup_free_ size_t *width = NULL;

	for (size_t i = 0; i < t->n; i++)
		if (pea_strv_length(t->rows[i]) > ncols)
			ncols = pea_strv_length(t->rows[i]);
	width = xcalloc(ncols ? ncols : 1, sizeof(*width));
	for (size_t i = 0; i < t->n; i++) {
		size_t len = pea_strv_length(t->rows[i]);
		for (size_t c = 0; c + 1 < len; c++) {
			size_t w = text_width(t->rows[i][c]) + TAB_PADDING;
			if (w < TAB_MINWIDTH)
				w = TAB_MINWIDTH;
			if (w > width[c])
				width[c] = w;
		}
	}
	for (size_t i = 0; i < t->n; i++) {
		size_t len = pea_strv_length(t->rows[i]);
		for (size_t c = 0; c < len; c++) {
			fputs(t->rows[i][c], f);
			if (c + 1 < len)
				for (size_t k = text_width(t->rows[i][c]); k < width[c]; k++)
					fputc(' ', f);
		}
		fputc('\n', f);
	}
}

char *fmt_human_duration(double seconds)
{
	long s = (long)seconds, minutes, hours;

	if (s < 1)
		return xstrdup("Less than a second");
	if (s == 1)
		return xstrdup("1 second");
	if (s < 60)
		return xasprintf("%ld seconds", s);
	minutes = (long)(seconds / 60);
	if (minutes == 1)
		return xstrdup("About a minute");
	if (minutes < 60)
		return xasprintf("%ld minutes", minutes);
	hours = (long)(seconds / 3600 + 0.5);
	if (hours == 1)
		return xstrdup("About an hour");
	if (hours < 48)
		return xasprintf("%ld hours", hours);
	if (hours < 24 * 7 * 2)
		return xasprintf("%ld days", hours / 24);
	if (hours < 24 * 30 * 2)
		return xasprintf("%ld weeks", hours / 24 / 7);
	if (hours < 24 * 365 * 2)
		return xasprintf("%ld months", hours / 24 / 30);
	return xasprintf("%ld years", (long)(seconds / 3600) / 24 / 365);
}

/* Go's %.3g: shortest of %e/%f with 3 significant digits, no trailing zeros. */
char *fmt_human_size_precision(double bytes, int digits, bool space)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
	size_t i = 0;

	while (bytes >= 1000 && i + 1 < ARRAY_SIZE(units)) {
		bytes /= 1000;
		i++;
	}
	return xasprintf("%.*g%s%s", digits, bytes, space ? " " : "", units[i]);
}

char *fmt_human_size(double bytes)
{
	return fmt_human_size_precision(bytes, 3, true);
}

char *fmt_go_time(double seconds)
{
	/* no libm in pea: times are after 1970, truncation is the floor */
	time_t t = seconds > 0 ? (time_t)seconds : 0;
	long ns = seconds > 0 ? (long)((seconds - (double)t) * 1e9 + 0.5) : 0;
	char day[64], frac[16] = "";
	struct tm tm;

	if (ns >= 1000000000L) {
		t++;
		ns = 0;
	}
	if (!gmtime_r(&t, &tm) || strftime(day, sizeof(day), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return xstrdup("");
	if (ns > 0) {
		size_t n;
		snprintf(frac, sizeof(frac), ".%09ld", ns);
		/* Go drops the trailing zeros of the fraction */
		for (n = strlen(frac); n > 1 && frac[n - 1] == '0'; n--)
			frac[n - 1] = '\0';
	}
	return xasprintf("%s%s +0000 UTC", day, frac);
}

/* ---- templates ---------------------------------------------------------- */

enum node_kind {
	NODE_TEXT,
	NODE_FIELD,
};

enum node_func {
	FUNC_NONE,
	FUNC_JSON,
	FUNC_UPPER,
	FUNC_LOWER,
};

struct node {
	enum node_kind kind;
	enum node_func func;
	char *text;	 /* NODE_TEXT */
	char **path;	 /* NODE_FIELD: keys; empty for "." */
	char *index_key; /* (index .path KEY).post: a map key, or an array index */
	bool index_num;	 /* the index is a number */
	char **post;	 /* the keys after the index */
	char *header;	 /* its column header */
	int line, col;	 /* where the field stands, as Go's text/template reports it */
};

struct template
{
	struct node *nodes;
	size_t n;
	bool table;   /* "table ...": a header row */
	bool aligned; /* through Go's tabwriter: "table" formats, and podman's own */
	char *name;   /* the template's name in errors ("ps"), podman's command */
	char *type;   /* the Go type podman renders ("containers.psReporter") */
};

struct template *template_free(struct template *t)
{
	if (!t)
		return NULL;
	for (size_t i = 0; i < t->n; i++) {
		free(t->nodes[i].text);
		pea_strv_free(t->nodes[i].path);
		free(t->nodes[i].index_key);
		pea_strv_free(t->nodes[i].post);
		free(t->nodes[i].header);
	}
	free(t->nodes);
	free(t->name);
	free(t->type);
	free(t);
	return NULL;
}

void template_set_context(struct template *t, const char *name, const char *type)
{
	free(t->name);
	free(t->type);
	t->name = xstrdup(name);
	t->type = xstrdup(type);
}

static void templatep_free(struct template **t)
{
	*t = template_free(*t);
}

bool template_is_table(const struct template *t)
{
	return t->table;
}

void template_drop_header(struct template *t)
{
	t->table = false;
}

void template_align(struct template *t)
{
	t->aligned = true;
}

static struct node *add_node(struct template *t, enum node_kind kind)
{
	t->nodes = xreallocarray(t->nodes, t->n + 1, sizeof(*t->nodes));
	memset(&t->nodes[t->n], 0, sizeof(t->nodes[t->n]));
	t->nodes[t->n].kind = kind;
	return &t->nodes[t->n++];
}

/*
 * Literal text with the \t and \n escapes podman accepts. In a "table" format every
 * space is a column break, as podman's report.NormalizeFormat makes it.
 */
static void add_text(struct template *t, const char *s, size_t len)
{
	struct node *nd;
	char *out;
	size_t o = 0;

	if (len == 0)
		return;
	out = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len && (s[i + 1] == 't' || s[i + 1] == 'n')) {
			out[o++] = s[i + 1] == 't' ? '\t' : '\n';
			i++;
		} else {
			out[o++] = t->table && s[i] == ' ' ? '\t' : s[i];
		}
	}
	out[o] = '\0';
	nd = add_node(t, NODE_TEXT);
	nd->text = out;
}

static char *upper_words(const char *field)
{
	char *h = xmalloc(2 * strlen(field) + 1);
	size_t o = 0;

	/* CreatedAt -> CREATED AT, as podman's headers split camel case */
	for (size_t i = 0; field[i]; i++) {
		if (i > 0 && isupper((unsigned char)field[i]) &&
		    islower((unsigned char)field[i - 1]))
			h[o++] = ' ';
		h[o++] = (char)toupper((unsigned char)field[i]);
	}
	h[o] = '\0';
	return h;
}

static char *trim(char *p)
{
	size_t len;

	while (isspace((unsigned char)*p))
		p++;
	len = strlen(p);
	while (len > 0 && isspace((unsigned char)p[len - 1]))
		p[--len] = '\0';
	return p;
}

/* ".A.B" (or "."): the keys, or NULL when it is not a field path. */
static char **field_path(const char *p)
{
	char **path;

	if (p[0] != '.')
		return NULL;
	for (const char *c = p; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '.' && *c != '_')
			return NULL;
	path = pea_strv_split(p, ".");
	return path ? path : xnew(char *, 1);
}

/* "json", "upper", "lower": a function that takes the field, before it or after a pipe. */
static enum node_func func_named(const char *name, size_t len)
{
	if (len == 4 && strncmp(name, "json", 4) == 0)
		return FUNC_JSON;
	if (len == 5 && strncmp(name, "upper", 5) == 0)
		return FUNC_UPPER;
	if (len == 5 && strncmp(name, "lower", 5) == 0)
		return FUNC_LOWER;
	return FUNC_NONE;
}

/* "index .Path KEY" with KEY a "string" or a number (Go's index on maps and slices). */
static int parse_index(struct node *nd, char *p)
{
	char *arg, *end;

	p = trim(p + 5);
	arg = p + strcspn(p, " \t");
	if (!*arg)
		return -1;
	*arg++ = '\0';
	arg = trim(arg);
	nd->path = field_path(p);
	if (!nd->path)
		return -1;
	if (arg[0] == '"') {
		end = strchr(arg + 1, '"');
		if (!end || end[1])
			return -1;
		nd->index_key = xstrndup(arg + 1, (size_t)(end - arg - 1));
		return 0;
	}
	if (!*arg || strspn(arg, "0123456789") != strlen(arg))
		return -1;
	nd->index_key = xstrdup(arg);
	nd->index_num = true;
	return 0;
}

/* The field expression: ".A.B", "index .A KEY" or "(index .A KEY).B.C". */
static int parse_expr(struct node *nd, char *p)
{
	if (strncmp(p, "index ", 6) == 0)
		return parse_index(nd, p);
	if (p[0] == '(') {
		char *close = strchr(p, ')');
		if (!close)
			return -1;
		*close = '\0';
		if (strncmp(trim(p + 1), "index ", 6) != 0 || parse_index(nd, trim(p + 1)) < 0)
			return -1;
		if (close[1]) {
			if (close[1] != '.' || !(nd->post = field_path(close + 1)) || !nd->post[0])
				return -1;
		}
		return 0;
	}
	nd->path = field_path(p);
	return nd->path ? 0 : -1;
}

static int parse_action(struct template *t, char *act, const char *(*header_of)(const char *),
			int line, int col, struct pea_error **err)
{
	_cleanup_free_ char *copy = xstrdup(act);
	struct node *nd;
	enum node_func func = FUNC_NONE;
	char *p = trim(copy), *pipe;
	size_t len = strlen(p);

	if (p[0] == '"' && len >= 2 && p[len - 1] == '"' && !memchr(p + 1, '"', len - 2)) {
		add_text(t, p + 1, len - 2);
		return 0;
	}
	/* FIELD | func */
	pipe = p[0] == '"' ? NULL : strrchr(p, '|');
	if (pipe) {
		char *name = trim(pipe + 1);
		func = func_named(name, strlen(name));
		if (func == FUNC_NONE)
			return pea_error_new(err, EINVAL,
					     "template: unsupported action '{{%s}}': the functions "
					     "are json, upper, lower and index",
					     act);
		*pipe = '\0';
		p = trim(p);
	} else {
		size_t n = strcspn(p, " \t");
		func = func_named(p, n);
		if (func != FUNC_NONE)
			p = trim(p + n);
	}
	nd = add_node(t, NODE_FIELD);
	nd->func = func;
	nd->line = line;
	nd->col = col + (int)(p - copy);
	if (parse_expr(nd, p) < 0) {
		t->n--;
		pea_strv_free(nd->path);
		free(nd->index_key);
		pea_strv_free(nd->post);
		return pea_error_new(err, EINVAL,
				     "template: unsupported action '{{%s}}': use {{.Field}}, "
				     "{{json .Field}}, {{.Field | upper}} or {{index .Field KEY}}",
				     act);
	}
	if (nd->post || nd->path[0]) {
		char **keys = nd->post ? nd->post : nd->path;
		const char *last = keys[pea_strv_length(keys) - 1];
		const char *h = header_of ? header_of(last) : NULL;
		nd->header = h ? xstrdup(h) : upper_words(last);
	} else {
		nd->header = xstrdup("");
	}
	return 0;
}

/*
 * Line and column of at in text as podman's errors give them: podman runs the
 * template inside "{{range .}}", so the first line counts 11 more bytes.
 */
static void where(const char *text, const char *at, int *ret_line, int *ret_col)
{
	const char *bol = text;
	int line = 1;

	for (const char *c = text; c < at; c++)
		if (*c == '\n') {
			line++;
			bol = c + 1;
		}
	*ret_line = line;
	*ret_col = (int)(at - bol) + (line == 1 ? 11 : 0);
}

int template_parse(const char *text, const char *(*header_of)(const char *field),
		   struct template **ret, struct pea_error **err)
{
	_cleanup_(templatep_free) struct template *t = xnew(struct template, 1);
	const char *p = text, *body;
	int line, col;

	if (strlen(text) > TEMPLATE_MAX)
		return pea_error_new(err, EINVAL, "template: longer than %u bytes", TEMPLATE_MAX);
	if (strncmp(p, "table", 5) == 0 && (p[5] == '\0' || isspace((unsigned char)p[5]))) {
		t->table = true;
		t->aligned = true;
		p += 5;
		while (*p == ' ')
			p++;
	}
	body = p;
	while (*p) {
		const char *open = strstr(p, "{{"), *close;
		_cleanup_free_ char *act = NULL;

		if (!open) {
			add_text(t, p, strlen(p));
			break;
		}
		add_text(t, p, (size_t)(open - p));
		close = strstr(open + 2, "}}");
		if (!close)
			return pea_error_new(err, EINVAL, "template: unclosed action in '%s'",
					     text);
		act = xstrndup(open + 2, (size_t)(close - open - 2));
		where(body, open + 2, &line, &col);
		if (parse_action(t, act, header_of, line, col, err) < 0)
			return -1;
		p = close + 2;
	}
	*ret = TAKE_PTR(t);
	return 0;
}

char *template_header(const struct template *t)
{
	_cleanup_free_ char *s = xstrdup("");

	for (size_t i = 0; i < t->n; i++) {
		const char *part =
			t->nodes[i].kind == NODE_TEXT ? t->nodes[i].text : t->nodes[i].header;
		char *n = xasprintf("%s%s", s, part);
		free(s);
		s = n;
	}
	return TAKE_PTR(s);
}

static void go_value(FILE *f, struct json_object *v);

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Objects that are Go structs in podman, by their exact fields in declaration order:
 * Go prints a struct's values alone, "{ 8080}", where a map is "map[k:v]".
 */
static const char *const *const go_structs[] = {
	(const char *const[]){ "HostIp", "HostPort", NULL }, /* define.InspectHostPort */
};

static const char *const *go_struct_of(struct json_object *v)
{
	for (size_t i = 0; i < ARRAY_SIZE(go_structs); i++) {
		size_t n = 0;
		bool all = true;
		for (; go_structs[i][n]; n++)
			all = all && json_object_object_get_ex(v, go_structs[i][n], NULL);
		if (all && (size_t)json_object_object_length(v) == n)
			return go_structs[i];
	}
	return NULL;
}

/* How Go's text/template prints a value: strings bare, [a b], map[k:v], {v w}. */
static void go_value(FILE *f, struct json_object *v)
{
	const char *const *fields;

	switch (json_object_get_type(v)) {
	case json_type_null:
		fputs("<no value>", f);
		break;
	case json_type_string:
		fputs(json_object_get_string(v), f);
		break;
	case json_type_array:
		fputc('[', f);
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			if (i)
				fputc(' ', f);
			go_value(f, json_object_array_get_idx(v, i));
		}
		fputc(']', f);
		break;
	case json_type_object: {
		_cleanup_strv_ char **keys = NULL;
		fields = go_struct_of(v);
		if (fields) {
			fputc('{', f);
			for (size_t i = 0; fields[i]; i++) {
				if (i)
					fputc(' ', f);
				go_value(f, json_object_object_get(v, fields[i]));
			}
			fputc('}', f);
			break;
		}
		json_object_object_foreach(v, k, val)
		{
			(void)val;
			pea_strv_push(&keys, k);
		}
		if (keys)
			qsort(keys, pea_strv_length(keys), sizeof(*keys), key_cmp);
		fputs("map[", f);
		for (size_t i = 0; keys && keys[i]; i++) {
			struct json_object *x = NULL;
			json_object_object_get_ex(v, keys[i], &x);
			fprintf(f, "%s%s:", i ? " " : "", keys[i]);
			go_value(f, x);
		}
		fputc(']', f);
		break;
	}
	case json_type_boolean:
	case json_type_double:
	case json_type_int:
	default:
		fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), f);
		break;
	}
}

/* Go's "template: ps:1:13: executing "ps" at <.Foo>: can't evaluate field Foo in type T". */
static int unknown_field(const struct template *t, const struct node *nd, char **keys, size_t i,
			 struct pea_error **err)
{
	_cleanup_free_ char *path = pea_strv_join(keys, ".");
	const char *name = t->name ? t->name : "output";

	return pea_error_new(
		err, EINVAL,
		"template: %s:%d:%d: executing \"%s\" at <.%s>: can't evaluate field %s "
		"in type %s",
		name, nd->line, nd->col, name, path, keys[i],
		i == 0 && keys == nd->path && t->type ? t->type : "interface {}");
}

/*
 * A field of an object: its key, else one that differs in case only (podman
 * renders Go structs, whose fields are ID where the JSON says Id).
 */
static bool field_get(struct json_object *o, const char *key, struct json_object **ret)
{
	if (!json_object_is_type(o, json_type_object))
		return false;
	if (json_object_object_get_ex(o, key, ret))
		return true;
	json_object_object_foreach(o, k, v)
	{
		if (strcasecmp(k, key) == 0) {
			*ret = v;
			return true;
		}
	}
	return false;
}

static int walk(const struct template *t, const struct node *nd, char **keys,
		struct json_object **v, struct pea_error **err)
{
	for (size_t i = 0; keys[i]; i++)
		if (!field_get(*v, keys[i], v))
			return unknown_field(t, nd, keys, i, err);
	return 0;
}

/* Go's index: a missing map key is the zero value, an array index past the end an error. */
static int index_of(const struct template *t, const struct node *nd, struct json_object **v,
		    struct pea_error **err)
{
	const char *name = t->name ? t->name : "output";

	if (nd->index_num && json_object_is_type(*v, json_type_array)) {
		size_t i = strtoul(nd->index_key, NULL, 10);
		if (i >= json_object_array_length(*v))
			return pea_error_new(
				err, EINVAL,
				"template: %s:%d:%d: executing \"%s\" at <index>: error "
				"calling index: index out of range: %zu",
				name, nd->line, nd->col, name, i);
		*v = json_object_array_get_idx(*v, i);
		return 0;
	}
	if (!nd->index_num && json_object_is_type(*v, json_type_object)) {
		if (!json_object_object_get_ex(*v, nd->index_key, v))
			*v = NULL;
		return 0;
	}
	if (!*v) {
		*v = NULL;
		return 0;
	}
	return pea_error_new(
		err, EINVAL,
		"template: %s:%d:%d: executing \"%s\" at <index>: error calling index: "
		"cannot index slice/array with type %s",
		name, nd->line, nd->col, name, nd->index_num ? "int" : "string");
}

static int render_field(FILE *f, const struct template *t, const struct node *nd,
			struct json_object *item, struct pea_error **err)
{
	struct json_object *v = item;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *m;

	if (walk(t, nd, nd->path, &v, err) < 0)
		return -1;
	if (nd->index_key && index_of(t, nd, &v, err) < 0)
		return -1;
	if (nd->post && walk(t, nd, nd->post, &v, err) < 0)
		return -1;
	if (nd->func == FUNC_JSON) {
		fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE),
		      f);
		return 0;
	}
	if (nd->func == FUNC_NONE) {
		go_value(f, v);
		return 0;
	}
	m = open_memstream(&buf, &len);
	if (!m)
		return pea_error_errno(err, "open_memstream");
	go_value(m, v);
	fclose(m);
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)(nd->func == FUNC_UPPER ? toupper((unsigned char)buf[i])
						       : tolower((unsigned char)buf[i]));
	fputs(buf, f);
	return 0;
}

int template_render(const struct template *t, struct json_object *item, char **ret,
		    struct pea_error **err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int r = 0;

	if (!m)
		return pea_error_errno(err, "open_memstream");
	for (size_t i = 0; i < t->n && r >= 0; i++) {
		if (t->nodes[i].kind == NODE_TEXT)
			fputs(t->nodes[i].text, m);
		else
			r = render_field(m, t, &t->nodes[i], item, err);
	}
	fclose(m);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	return 0;
}

static void add_lines(struct table *tab, const char *text)
{
	const char *p = text;

	/* Each line a row; cells split on tabs (empty cells kept). */
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		_cleanup_free_ char *line = xstrndup(p, len);
		char **row = NULL;
		char *s = line, *tab_at;

		while ((tab_at = strchr(s, '\t'))) {
			*tab_at = '\0';
			pea_strv_push(&row, s);
			s = tab_at + 1;
		}
		pea_strv_push(&row, s);
		table_add(tab, row);
		p = nl ? nl + 1 : p + len;
	}
}

int template_print(FILE *f, const struct template *t, struct json_object *items,
		   struct pea_error **err)
{
	struct table tab = { 0 };

	/* a user's format without "table" is printed as it is, tabs and all */
	if (!t->aligned) {
		for (size_t i = 0; i < json_object_array_length(items); i++) {
			_cleanup_free_ char *s = NULL;
			if (template_render(t, json_object_array_get_idx(items, i), &s, err) < 0)
				return -1;
			fprintf(f, "%s\n", s);
		}
		return 0;
	}
	if (t->table) {
		_cleanup_free_ char *h = template_header(t);
		add_lines(&tab, h);
	}
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		_cleanup_free_ char *s = NULL;

		if (template_render(t, json_object_array_get_idx(items, i), &s, err) < 0) {
			table_clear(&tab);
			return -1;
		}
		if (!*s) {
			/* An empty line still prints, as Go's template does with "\n" added. */
			table_add(&tab, pea_strv_split("", "\t") ?: xnew(char *, 1));
			continue;
		}
		add_lines(&tab, s);
	}
	table_print(f, &tab);
	table_clear(&tab);
	return 0;
}

static void indent(FILE *f, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("    ", f);
}

static void print_json_value(FILE *f, struct json_object *o, int depth);

static void print_json_object(FILE *f, struct json_object *o, int depth)
{
	size_t n = (size_t)json_object_object_length(o), i = 0;

	if (n == 0) {
		fputs("{}", f);
		return;
	}
	fputs("{\n", f);
	json_object_object_foreach(o, k, v)
	{
		struct json_object *key = json_object_new_string(k);
		indent(f, depth + 1);
		fprintf(f, "%s: ",
			json_object_to_json_string_ext(key, JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(key);
		print_json_value(f, v, depth + 1);
		fputs(++i < n ? ",\n" : "\n", f);
	}
	indent(f, depth);
	fputc('}', f);
}

/* Like Go's json.MarshalIndent(v, "", "    "): empty containers stay on one line. */
static void print_json_value(FILE *f, struct json_object *o, int depth)
{
	size_t n, i = 0;

	switch (json_object_get_type(o)) {
	case json_type_array:
		n = json_object_array_length(o);
		if (n == 0) {
			fputs("[]", f);
			return;
		}
		fputs("[\n", f);
		for (i = 0; i < n; i++) {
			indent(f, depth + 1);
			print_json_value(f, json_object_array_get_idx(o, i), depth + 1);
			fputs(i + 1 < n ? ",\n" : "\n", f);
		}
		indent(f, depth);
		fputc(']', f);
		return;
	case json_type_object:
		print_json_object(f, o, depth);
		return;
	case json_type_null:
	case json_type_boolean:
	case json_type_double:
	case json_type_int:
	case json_type_string:
	default:
		fputs(o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE)
			: "null",
		      f);
		return;
	}
}

void fmt_print_json(FILE *f, struct json_object *o)
{
	print_json_value(f, o, 0);
	fputc('\n', f);
}
