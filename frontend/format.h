#pragma once

/*
 * Output as podman prints it: tables aligned like Go's tabwriter with
 * podman's settings (min width 12, padding 2), go-units durations and sizes,
 * and a Go-template subset for --format: {{.Field}}, {{.A.B}}, {{json .}},
 * {{json .Field}}, {{upper .F}}, {{lower .F}}, literal text, "\t" and "\n"
 * escapes, and a leading "table" that adds a header row.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct json_object;
struct pea_error;

struct table {
	char ***rows; /* each a strv */
	size_t n;
};
void table_add(struct table *t, char **row); /* takes row */
void table_print(FILE *f, const struct table *t);
void table_clear(struct table *t);

/* "5 seconds", "About a minute", ... (go-units HumanDuration). */
char *fmt_human_duration(double seconds);
/* "1.24 MB" (go-units HumanSizeWithPrecision(size, 3)). */
char *fmt_human_size(double bytes);
/* The same with digits significant digits, a space before the unit or none ("1.242MB"). */
char *fmt_human_size_precision(double bytes, int digits, bool space);
/* A time as Go's time.Time prints in templates: "2006-01-02 15:04:05.5 +0000 UTC". */
char *fmt_go_time(double seconds);

/* A parsed --format. */
struct template;
/* header_of maps a field name ("ID") to its column header; NULL: upper case. */
int template_parse(const char *text, const char *(*header_of)(const char *field),
		   struct template **ret, struct pea_error **err);
struct template *template_free(struct template *t);
/*
 * Name the template and the Go type podman renders, for its error on an
 * unknown field: template_set_context(t, "ps", "containers.psReporter").
 */
void template_set_context(struct template *t, const char *name, const char *type);
bool template_is_table(const struct template *t);
/* --noheading: a "table" template prints no header row (its columns stay aligned). */
void template_drop_header(struct template *t);
/* Align the columns of a template that is not a "table" one (podman's own formats). */
void template_align(struct template *t);
/* The header row of a "table" template (new string, tabs between columns). */
char *template_header(const struct template *t);
/* Render for one item; errors name unknown fields. */
int template_render(const struct template *t, struct json_object *item, char **ret,
		    struct pea_error **err);
/*
 * Print items (a JSON array) with the template: a table template goes
 * through the tab writer; otherwise each item on its own line.
 */
int template_print(FILE *f, const struct template *t, struct json_object *items,
		   struct pea_error **err);

/* JSON as podman prints it: indented with 4 spaces. */
void fmt_print_json(FILE *f, struct json_object *o);
