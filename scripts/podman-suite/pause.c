/*
 * pause for the stand-in k8s.gcr.io/pause:3.5 (200-pod's --infra-image; the
 * machine has no internet): as the real one, /pause waits for a signal and
 * exits 0 on SIGINT or SIGTERM.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static void bye(int sig)
{
	(void)sig;
	_exit(0);
}

int main(void)
{
	signal(SIGINT, bye);
	signal(SIGTERM, bye);
	for (;;)
		pause();
}
