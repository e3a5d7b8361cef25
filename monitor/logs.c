#include <stdlib.h>

#include "lib/error.h"
#include "lib/log.h"
#include "monitor/monitor.h"

/* The log drivers behind one front: k8s-file, journald, passthrough (none is no bit). */
int logs_open(struct monitor_logs *l, const struct monitor_config *cfg, struct pea_error **err)
{
	const struct monitor_options *o = cfg->opts;

	l->drivers = cfg->log_drivers;
	l->k8s.fd = -1;
	if ((l->drivers & LOG_DRIVER_PASSTHROUGH) && passthrough_check(err) < 0)
		return -(*err)->code;
	if ((l->drivers & LOG_DRIVER_K8S_FILE) &&
	    k8s_log_open(&l->k8s, cfg->k8s_log_path, o->log_size_max, o->log_global_size_max,
			 !o->no_sync_log, err) < 0)
		return -(*err)->code;
	if (o->log_rotate)
		l->k8s.max_files = (int)o->log_max_files;
	if ((l->drivers & LOG_DRIVER_JOURNALD) && journald_log_open(&l->journald, cfg, err) < 0)
		return -(*err)->code;
	return 0;
}

void logs_write(struct monitor_logs *l, enum monitor_stream s, const char *buf, size_t len)
{
	if (l->drivers & LOG_DRIVER_K8S_FILE)
		k8s_log_write(&l->k8s, s, buf, len);
	if (l->journald)
		journald_log_write(l->journald, s, buf, len);
}

void logs_flush(struct monitor_logs *l)
{
	if (l->journald)
		journald_log_flush(l->journald);
}

void logs_reopen(struct monitor_logs *l)
{
	struct pea_error *e = NULL;

	if (!(l->drivers & LOG_DRIVER_K8S_FILE))
		return;
	if (k8s_log_restart(&l->k8s, &e) < 0) {
		log_warning("%s, ignoring", e->message);
		pea_error_free(e);
	}
}

void logs_close(struct monitor_logs *l)
{
	logs_flush(l);
	k8s_log_close(&l->k8s);
	l->journald = journald_log_free(l->journald);
}
