/* frontend/kube-yaml.c and kube-play.c: the YAML tree, its writer, quantities, the plan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "lib/strv.h"
#include "frontend/kube-yaml.h"
#include "frontend/kube.h"
#include "tests/unit/tap.h"

static struct kube_node **parse(const char *s, size_t *n)
{
	_cleanup_error_ struct pea_error *err = NULL;
	struct kube_node **docs = NULL;

	if (kube_yaml_parse(s, strlen(s), &docs, n, &err) < 0) {
		tap_diag("parse: %s", err->message);
		return NULL;
	}
	return docs;
}

static void test_parse(void)
{
	const char *y = "a: 1\nb: \"true\"\nc: [x, y]\nd:\n  e: null\n---\n---\nk: v\n";
	const struct kube_node *c;
	struct kube_node **docs;
	const char *s = NULL;
	size_t n = 0;

	docs = parse(y, &n);
	tap_is_int((int)n, 2, "two documents (the empty one left out)");
	tap_ok(kube_get_str(docs[0], "a", NULL, &s, NULL) == 0 && s && !strcmp(s, "1"), "a: 1");
	tap_ok(docs[0]->items[1]->plain == false, "a quoted scalar is not plain");
	c = kube_get(docs[0], "c");
	tap_ok(c && c->kind == KUBE_SEQ && c->n == 2 && !strcmp(c->items[1]->value, "y"),
	       "a flow sequence");
	tap_ok(kube_get(kube_get(docs[0], "d"), "e") == NULL, "null is missing");
	tap_ok(kube_get(docs[0], "nope") == NULL, "a missing key");
	kube_docs_free(docs, n);
}

static void test_errors(void)
{
	static const struct {
		const char *yaml, *want;
	} cases[] = {
		{ "a: [b\n", "yaml: line 2" },
		{ "a: 1\na: 2\n", "key 'a' already defined" },
		{ "a: &x 1\nb: *x\n", "anchors are not supported" },
		{ "b: *x\n", "line 1" },
		{ "? [a]\n: b\n", "a mapping key is not a string" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_error_ struct pea_error *err = NULL;
		struct kube_node **docs = NULL;
		size_t n = 0;
		int r = kube_yaml_parse(cases[i].yaml, strlen(cases[i].yaml), &docs, &n, &err);

		tap_ok(r < 0 && strstr(err->message, cases[i].want), "refused: %s (%s)",
		       cases[i].want, err ? err->message : "accepted");
	}
	{
		_cleanup_free_ char *deep = malloc(1000);
		_cleanup_error_ struct pea_error *err = NULL;
		struct kube_node **docs = NULL;
		size_t n = 0;

		memset(deep, '[', 500);
		memset(deep + 500, ']', 499);
		deep[999] = '\0';
		tap_ok(kube_yaml_parse(deep, 999, &docs, &n, &err) < 0 &&
			       strstr(err->message, "nested too deep"),
		       "nesting is capped");
	}
}

static void test_emit(void)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *out = NULL;
	struct kube_node *doc = kube_map_new(), *seq = kube_seq_new(), *c = kube_map_new();

	kube_map_add(doc, "apiVersion", kube_str_new("v1"));
	kube_map_add(c, "name", kube_str_new("web"));
	kube_map_add(c, "tty", kube_str_new("false"));
	kube_map_add(c, "port", kube_plain_new("8080"));
	kube_map_add(c, "num", kube_str_new("8080"));
	kube_map_add(c, "when", kube_str_new("2026-11-26T10:00:00Z"));
	kube_map_add(c, "resources", kube_map_new());
	kube_seq_add(seq, c);
	kube_map_add(doc, "containers", seq);
	tap_ok(kube_yaml_emit(doc, &out, &err) == 0, "emit");
	tap_is_str(out,
		   "apiVersion: v1\n"
		   "containers:\n"
		   "- name: web\n"
		   "  num: \"8080\"\n"
		   "  port: 8080\n"
		   "  resources: {}\n"
		   "  tty: \"false\"\n"
		   "  when: \"2026-11-26T10:00:00Z\"\n",
		   "block style, keys sorted, sequences not indented, strings that read as others "
		   "quoted");
	kube_node_free(doc);
}

static void test_quantity(void)
{
	double v = 0;

	tap_ok(kube_parse_quantity("512Mi", &v) == 0 && v == 536870912.0, "512Mi");
	tap_ok(kube_parse_quantity("1.5G", &v) == 0 && v == 1.5e9, "1.5G");
	tap_ok(kube_parse_quantity("500m", &v) == 0 && v == 0.5, "500m");
	tap_ok(kube_parse_quantity("2", &v) == 0 && v == 2.0, "2");
	tap_ok(kube_parse_quantity("2X", &v) < 0, "2X refused");
	tap_ok(kube_parse_quantity("-1", &v) < 0, "-1 refused");
	tap_ok(kube_parse_quantity("", &v) < 0, "empty refused");
}

static void test_plan(void)
{
	const char *y =
		"kind: Deployment\n"
		"metadata: {name: web}\n"
		"spec:\n"
		"  template:\n"
		"    spec:\n"
		"      restartPolicy: OnFailure\n"
		"      containers:\n"
		"      - name: c\n"
		"        image: busybox\n"
		"        command: [sh, -c]\n"
		"        args: [\"echo \\\"$X\\\"\"]\n"
		"        env: [{name: X, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]\n"
		"        ports: [{containerPort: 80, protocol: UDP}]\n";
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *args = NULL, *pargs = NULL;
	struct kube_play_opts o = { .start = true };
	struct kube_plan plan = { 0 };
	struct kube_node **docs;
	size_t n = 0;

	docs = parse(y, &n);
	tap_ok(kube_plan_build(docs, n, NULL, 0, &o, &plan, &err) == 0, "a Deployment's plan");
	tap_ok(plan.npods == 1 && !strcmp(plan.pods[0].name, "web-pod-0"), "its pod is web-pod-0");
	pargs = pea_strv_join(plan.pods[0].args, " ");
	tap_is_str(pargs, "--name web-pod-0 --hostname web-pod-0 --exit-policy stop -p 80:80/udp",
		   "pod create's args");
	args = pea_strv_join(plan.pods[0].ctrs[0].args, " ");
	tap_is_str(args,
		   "--pod web-pod-0 --name web-pod-0-c --restart on-failure -e X=web-pod-0 "
		   "--entrypoint [\"sh\",\"-c\"] busybox echo \"$X\"",
		   "create's args");
	kube_plan_clear(&plan);
	kube_docs_free(docs, n);
}

int main(void)
{
	test_parse();
	test_errors();
	test_emit();
	test_quantity();
	test_plan();
	return tap_done();
}
