#pragma once

/*
 * The loop thread's read of /dev/fuse, with an optional short spin (-o spin=USEC):
 * after a reply the next request of a caller that makes one after another (stat,
 * getxattr, create in turn) often comes within some tens of microseconds; polling
 * the device for it then spares the server's sleep and wake-up. Only the loop thread
 * reads the device (the workers only write replies), so only it spins.
 */

#include <stddef.h>
#include <sys/types.h>

/* Make fd non-blocking where spinning is asked for (0: never spin, plain reads). */
int ovl_devread_setup(int fd, unsigned spin_us);

/* One request into buf; as read(2) otherwise (ENODEV once unmounted). */
ssize_t ovl_devread(int fd, void *buf, size_t len);
