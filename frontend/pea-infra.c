/*
 * pea-infra: the process of a pod's infra container (podman's catatonit -P).
 * It holds the pod's namespaces: it waits for signals, reaps children (it is
 * pid 1 of a shared PID namespace) and exits 0 on SIGINT or SIGTERM. Built
 * static: the pause image holds nothing else. Plain libc on purpose.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	sigset_t set;
	int sig = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			puts("pea-infra " PEA_VERSION);
			return 0;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			puts("Usage: pea-infra [-P]\n\nWait for SIGINT or SIGTERM, reaping "
			     "children meanwhile (the infra container of a pod).");
			return 0;
		}
		/* -P (catatonit's pause mode) is what it always does */
		if (strcmp(argv[i], "-P") != 0) {
			fprintf(stderr, "pea-infra: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		perror("pea-infra: sigprocmask");
		return 1;
	}
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig != SIGCHLD)
			return 0;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}
