/*
 * kube play's input: YAML documents into the tree (frontend/kube-yaml.c),
 * the tree into a plan of pea commands (frontend/kube-play.c), and each
 * document written back (kube generate's emitter).
 */
#include <stdio.h>
#include <stdlib.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "frontend/kube-yaml.h"
#include "frontend/kube.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL, *e2 = NULL;
	struct kube_play_opts o = { .start = true };
	struct kube_plan plan = { 0 };
	struct kube_node **docs = NULL;
	size_t n = 0;

	if (size > 65536)
		return 0;
	if (kube_yaml_parse((const char *)data, size, &docs, &n, &err) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		_cleanup_error_ struct pea_error *e = NULL;
		_cleanup_free_ char *out = NULL;

		(void)kube_yaml_emit(docs[i], &out, &e);
	}
	/* hostPath checks look at this machine: only types that make nothing */
	if (kube_plan_build(docs, n, NULL, 0, &o, &plan, &e2) == 0)
		kube_plan_clear(&plan);
	kube_docs_free(docs, n);
	return 0;
}
