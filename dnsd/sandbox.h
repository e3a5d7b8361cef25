#pragma once

/*
 * What pea-dnsd gives up once its sockets are bound (STYLE.md §7): every
 * capability but CAP_NET_BIND_SERVICE (a reload may bind a new gateway on
 * port 53), and every system call outside a short allow-list.
 */

struct pea_error;

int dnsd_drop_capabilities(struct pea_error **err);
int dnsd_install_seccomp(struct pea_error **err);
