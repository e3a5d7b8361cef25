/*
 * pea run/create's --log-driver, --log-opt, --platform values (ctr-log.h,
 * platform.h) and containers.conf's [containers] keys of a new container
 * (config.h: log_driver, log_size_max, log_tag, annotations, tz). The first
 * byte picks the parser, the rest is the value or the file's text.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "lib/error.h"
#include "frontend/config.h"
#include "frontend/ctr-log.h"
#include "frontend/platform.h"
#include "tests/fuzz/fuzz.h"

static int parse(uint8_t which, const char *arg, size_t len, struct pea_error **err)
{
	struct ctr_log_flags f = { 0 };
	struct ctr_config c = { 0 };
	struct platform_spec p = { 0 };
	long long size = 0;
	int r;

	switch (which % 5) {
	case 0:
		r = ctr_log_parse_driver(&f, arg, err);
		break;
	case 1:
		r = ctr_log_parse_opt(&f, arg, err);
		break;
	case 2:
		r = platform_parse(arg, &p, err);
		break;
	case 3:
		r = ctr_log_parse_human_size(arg, &size) < 0 ? -1 : 0;
		if (r < 0)
			pea_error_new(err, 22, "invalid size");
		break;
	default:
		r = ctr_config_parse(&c, arg, len, "fuzz.conf", err);
		break;
	}
	ctr_log_flags_clear(&f);
	ctr_config_clear(&c);
	platform_spec_clear(&p);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_error_ struct pea_error *err = NULL;
	_cleanup_free_ char *arg = NULL;
	int r;

	if (size < 1 || size > 65536)
		return 0;
	arg = malloc(size);
	if (!arg)
		return 0;
	memcpy(arg, data + 1, size - 1);
	arg[size - 1] = '\0';
	r = parse(data[0], arg, strlen(arg), &err);
	if ((r < 0) != (err != NULL))
		abort();
	return 0;
}
