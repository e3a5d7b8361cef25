/* Kubernetes YAML into a small tree and back (libyaml's event API). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/xalloc.h"
#include "frontend/kube-yaml.h"

struct kube_parse {
	yaml_parser_t parser;
	size_t nodes;
};

static int parse_fail(struct kube_parse *p, struct pea_error **err)
{
	const yaml_parser_t *y = &p->parser;
	const yaml_mark_t *m = y->problem ? &y->problem_mark : &y->context_mark;

	if (y->error == YAML_MEMORY_ERROR)
		abort();
	return pea_error_new(err, EINVAL, "yaml: line %zu, column %zu: %s%s%s", m->line + 1,
			     m->column + 1, y->problem ? y->problem : "invalid YAML",
			     y->context ? " " : "", y->context ? y->context : "");
}

static int at(const yaml_event_t *ev, struct pea_error **err, const char *what)
{
	return pea_error_new(err, EINVAL, "yaml: line %zu, column %zu: %s", ev->start_mark.line + 1,
			     ev->start_mark.column + 1, what);
}

static int next_event(struct kube_parse *p, yaml_event_t *ev, struct pea_error **err)
{
	if (!yaml_parser_parse(&p->parser, ev))
		return parse_fail(p, err);
	return 0;
}

struct kube_node *kube_node_free(struct kube_node *n)
{
	if (!n)
		return NULL;
	for (size_t i = 0; i < n->n; i++) {
		kube_node_free(n->items[i]);
		if (n->keys)
			free(n->keys[i]);
	}
	free(n->items);
	free(n->keys);
	free(n->value);
	free(n);
	return NULL;
}

void kube_docs_free(struct kube_node **docs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kube_node_free(docs[i]);
	free(docs);
}

static void node_push(struct kube_node *n, char *key, struct kube_node *item)
{
	/* grow by doubling: n is a power of two when full */
	if ((n->n & (n->n - 1)) == 0) {
		size_t cap = n->n ? n->n * 2 : 1;
		n->items = xreallocarray(n->items, cap, sizeof(*n->items));
		if (n->kind == KUBE_MAP)
			n->keys = xreallocarray(n->keys, cap, sizeof(*n->keys));
	}
	if (n->kind == KUBE_MAP)
		n->keys[n->n] = key;
	n->items[n->n++] = item;
}

static struct kube_node *node_new(enum kube_node_kind kind, const yaml_event_t *ev)
{
	struct kube_node *n = xnew(struct kube_node, 1);

	n->kind = kind;
	if (ev) {
		n->line = ev->start_mark.line + 1;
		n->column = ev->start_mark.column + 1;
	}
	return n;
}

static int parse_node(struct kube_parse *p, yaml_event_t *ev, int depth, struct kube_node **ret,
		      struct pea_error **err);

static int parse_children(struct kube_parse *p, struct kube_node *n, int depth,
			  struct pea_error **err)
{
	yaml_event_type_t end =
		n->kind == KUBE_MAP ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;

	for (;;) {
		_cleanup_free_ char *key = NULL;
		struct kube_node *child = NULL;
		yaml_event_t ev;
		int r;

		if (next_event(p, &ev, err) < 0)
			return -1;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (n->kind == KUBE_MAP) {
			if (ev.type != YAML_SCALAR_EVENT) {
				r = at(&ev, err, "a mapping key is not a string");
				yaml_event_delete(&ev);
				return r;
			}
			key = xstrndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
			for (size_t i = 0; i < n->n; i++)
				if (strcmp(n->keys[i], key) == 0) {
					r = pea_error_new(err, EINVAL,
							  "yaml: line %zu, column %zu: key '%s' "
							  "already defined",
							  ev.start_mark.line + 1,
							  ev.start_mark.column + 1, key);
					yaml_event_delete(&ev);
					return r;
				}
			yaml_event_delete(&ev);
			if (next_event(p, &ev, err) < 0)
				return -1;
		}
		r = parse_node(p, &ev, depth + 1, &child, err);
		yaml_event_delete(&ev);
		if (r < 0)
			return r;
		node_push(n, TAKE_PTR(key), child);
	}
}

/* One node from its first event (ev stays the caller's). */
static int parse_node(struct kube_parse *p, yaml_event_t *ev, int depth, struct kube_node **ret,
		      struct pea_error **err)
{
	struct kube_node *n;

	if (depth > KUBE_YAML_MAX_DEPTH)
		return at(ev, err, "nested too deep");
	if (++p->nodes > KUBE_YAML_MAX_NODES)
		return at(ev, err, "too many nodes");
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return at(ev, err, "aliases are not supported");
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor)
			return at(ev, err, "anchors are not supported");
		n = node_new(KUBE_SCALAR, ev);
		n->value = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		*ret = n;
		return 0;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if ((ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.anchor
							   : ev->data.mapping_start.anchor))
			return at(ev, err, "anchors are not supported");
		n = node_new(ev->type == YAML_MAPPING_START_EVENT ? KUBE_MAP : KUBE_SEQ, ev);
		if (parse_children(p, n, depth, err) < 0) {
			kube_node_free(n);
			return -1;
		}
		*ret = n;
		return 0;
	case YAML_NO_EVENT:
	case YAML_STREAM_START_EVENT:
	case YAML_STREAM_END_EVENT:
	case YAML_DOCUMENT_START_EVENT:
	case YAML_DOCUMENT_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
	default:
		return at(ev, err, "unexpected event");
	}
}

/* Documents until the end of the stream. */
static int parse_stream(struct kube_parse *p, struct kube_node ***docs, size_t *n,
			struct pea_error **err)
{
	for (;;) {
		struct kube_node *doc = NULL;
		yaml_event_t ev;
		int r;

		if (next_event(p, &ev, err) < 0)
			return -1;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (ev.type == YAML_STREAM_START_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (ev.type != YAML_DOCUMENT_START_EVENT) {
			r = at(&ev, err, "expected a document");
			yaml_event_delete(&ev);
			return r;
		}
		yaml_event_delete(&ev);
		if (next_event(p, &ev, err) < 0)
			return -1;
		r = parse_node(p, &ev, 0, &doc, err);
		yaml_event_delete(&ev);
		if (r < 0)
			return r;
		if (next_event(p, &ev, err) < 0) {
			kube_node_free(doc);
			return -1;
		}
		yaml_event_delete(&ev);
		if (kube_is_null(doc)) {
			kube_node_free(doc);
			continue;
		}
		*docs = xreallocarray(*docs, *n + 1, sizeof(**docs));
		(*docs)[(*n)++] = doc;
	}
}

int kube_yaml_parse(const char *buf, size_t len, struct kube_node ***ret_docs, size_t *ret_n,
		    struct pea_error **err)
{
	struct kube_parse p = { 0 };
	struct kube_node **docs = NULL;
	size_t n = 0;
	int r;

	if (len > KUBE_YAML_MAX_SIZE)
		return pea_error_new(err, EFBIG, "yaml: larger than %u bytes", KUBE_YAML_MAX_SIZE);
	if (!yaml_parser_initialize(&p.parser))
		abort();
	yaml_parser_set_input_string(&p.parser, (const unsigned char *)buf, len);
	r = parse_stream(&p, &docs, &n, err);
	yaml_parser_delete(&p.parser);
	if (r < 0) {
		kube_docs_free(docs, n);
		return r;
	}
	*ret_docs = docs;
	*ret_n = n;
	return 0;
}

bool kube_is_null(const struct kube_node *n)
{
	if (!n)
		return true;
	if (n->kind != KUBE_SCALAR || !n->plain)
		return false;
	return !n->value[0] || strcmp(n->value, "~") == 0 || strcasecmp(n->value, "null") == 0;
}

const struct kube_node *kube_get(const struct kube_node *n, const char *key)
{
	if (!n || n->kind != KUBE_MAP)
		return NULL;
	for (size_t i = 0; i < n->n; i++)
		if (strcmp(n->keys[i], key) == 0)
			return kube_is_null(n->items[i]) ? NULL : n->items[i];
	return NULL;
}

int kube_get_str(const struct kube_node *n, const char *key, const char *where, const char **ret,
		 struct pea_error **err)
{
	const struct kube_node *v = kube_get(n, key);

	*ret = NULL;
	if (!v)
		return 0;
	if (v->kind != KUBE_SCALAR)
		return pea_error_new(err, EINVAL, "line %zu: '%s%s%s' is not a string", v->line,
				     where ? where : "", where ? "." : "", key);
	*ret = v->value;
	return 0;
}

int kube_get_seq(const struct kube_node *n, const char *key, const char *where,
		 const struct kube_node **ret, struct pea_error **err)
{
	const struct kube_node *v = kube_get(n, key);

	*ret = NULL;
	if (!v)
		return 0;
	if (v->kind != KUBE_SEQ)
		return pea_error_new(err, EINVAL, "line %zu: '%s%s%s' is not a list", v->line,
				     where ? where : "", where ? "." : "", key);
	*ret = v;
	return 0;
}

static int bool_of(const char *s)
{
	static const char *const yes[] = { "true", "yes", "on", "y" };
	static const char *const no[] = { "false", "no", "off", "n" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

int kube_get_bool(const struct kube_node *n, const char *key, const char *where, bool def,
		  bool *ret, struct pea_error **err)
{
	const struct kube_node *v = kube_get(n, key);
	int b;

	if (!v) {
		*ret = def;
		return 0;
	}
	b = v->kind == KUBE_SCALAR ? bool_of(v->value) : -1;
	if (b < 0)
		return pea_error_new(err, EINVAL, "line %zu: '%s%s%s' is not a boolean", v->line,
				     where ? where : "", where ? "." : "", key);
	*ret = b;
	return 0;
}

struct kube_node *kube_map_new(void)
{
	return node_new(KUBE_MAP, NULL);
}

struct kube_node *kube_seq_new(void)
{
	return node_new(KUBE_SEQ, NULL);
}

struct kube_node *kube_str_new(const char *s)
{
	struct kube_node *n = node_new(KUBE_SCALAR, NULL);

	n->value = xstrdup(s);
	return n;
}

struct kube_node *kube_plain_new(const char *s)
{
	struct kube_node *n = kube_str_new(s);

	n->plain = true;
	return n;
}

void kube_map_add(struct kube_node *map, const char *key, struct kube_node *value)
{
	node_push(map, xstrdup(key), value);
}

void kube_seq_add(struct kube_node *seq, struct kube_node *item)
{
	node_push(seq, NULL, item);
}

/* Would a plain s read back as something else than a string (YAML 1.1 as Go's yaml reads)? */
static bool reads_as_other(const char *s)
{
	char *end;

	if (!s[0] || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0 || bool_of(s) >= 0)
		return true;
	if (strcasecmp(s, ".inf") == 0 || strcasecmp(s, "-.inf") == 0 || strcasecmp(s, ".nan") == 0)
		return true;
	errno = 0;
	(void)strtod(s, &end);
	if (!*end && !isspace((unsigned char)s[0]))
		return true;
	/* a date or a time stamp: 2022-06-15, 2022-06-15T10:00:00Z */
	return strlen(s) >= 8 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[3]) &&
	       s[4] == '-' && isdigit((unsigned char)s[5]);
}

struct emit_buf {
	char *data;
	size_t len;
};

static int emit_write(void *data, unsigned char *buf, size_t size)
{
	struct emit_buf *b = data;

	b->data = xrealloc(b->data, b->len + size + 1);
	memcpy(b->data + b->len, buf, size);
	b->len += size;
	b->data[b->len] = '\0';
	return 1;
}

static int emit_node(yaml_emitter_t *e, const struct kube_node *n);

/* A map's keys in byte order, as Go's Kubernetes YAML writer sorts them (NULL: no map). */
static size_t *map_order(const struct kube_node *n)
{
	size_t *order;

	if (n->kind != KUBE_MAP || !n->n)
		return NULL;
	order = xcalloc(n->n, sizeof(*order));
	for (size_t i = 0; i < n->n; i++) {
		size_t j = i;

		/* insertion sort: maps here have a few keys */
		while (j > 0 && strcmp(n->keys[order[j - 1]], n->keys[i]) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	return order;
}

static int emit_scalar(yaml_emitter_t *e, const char *s, bool plain)
{
	yaml_event_t ev;
	yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;

	if (plain)
		style = YAML_PLAIN_SCALAR_STYLE;
	else if (reads_as_other(s))
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (const yaml_char_t *)s, (int)strlen(s),
					  1, 1, style))
		return -1;
	return yaml_emitter_emit(e, &ev) ? 0 : -1;
}

static int emit_node(yaml_emitter_t *e, const struct kube_node *n)
{
	_cleanup_free_ size_t *order = NULL;
	yaml_event_t ev;
	int ok;

	if (n->kind == KUBE_SCALAR)
		return emit_scalar(e, n->value, n->plain);
	if (n->kind == KUBE_MAP)
		ok = yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							 n->n ? YAML_BLOCK_MAPPING_STYLE
							      : YAML_FLOW_MAPPING_STYLE);
	else
		ok = yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							  n->n ? YAML_BLOCK_SEQUENCE_STYLE
							       : YAML_FLOW_SEQUENCE_STYLE);
	if (!ok || !yaml_emitter_emit(e, &ev))
		return -1;
	order = map_order(n);
	for (size_t i = 0; i < n->n; i++) {
		size_t k = order ? order[i] : i;

		if (n->kind == KUBE_MAP && emit_scalar(e, n->keys[k], false) < 0)
			return -1;
		if (emit_node(e, n->items[k]) < 0)
			return -1;
	}
	if (n->kind == KUBE_MAP)
		ok = yaml_mapping_end_event_initialize(&ev);
	else
		ok = yaml_sequence_end_event_initialize(&ev);
	return ok && yaml_emitter_emit(e, &ev) ? 0 : -1;
}

int kube_yaml_emit(const struct kube_node *doc, char **ret, struct pea_error **err)
{
	struct emit_buf b = { 0 };
	yaml_emitter_t e;
	yaml_event_t ev;
	int r = -1;

	if (!yaml_emitter_initialize(&e))
		abort();
	yaml_emitter_set_output(&e, emit_write, &b);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	yaml_emitter_set_indent(&e, 2);
	if (yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
	    yaml_emitter_emit(&e, &ev) &&
	    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
	    yaml_emitter_emit(&e, &ev) && emit_node(&e, doc) == 0 &&
	    yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&e, &ev) &&
	    yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&e, &ev))
		r = 0;
	if (r < 0)
		pea_error_new(err, EINVAL, "writing YAML: %s",
			      e.problem ? e.problem : "emitter failed");
	yaml_emitter_delete(&e);
	if (r < 0) {
		free(b.data);
		return r;
	}
	/* libyaml leaves out the last line's end after a flow collection */
	if (b.len && b.data[b.len - 1] != '\n')
		emit_write(&b, (unsigned char *)"\n", 1);
	*ret = b.data ? b.data : xstrdup("");
	return 0;
}
