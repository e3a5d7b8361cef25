/* printenv for the stand-in test image (busybox-static has none; alpine's busybox does) */
#include <stdio.h>
#include <stdlib.h>
extern char **environ;
int main(int argc, char **argv)
{
	int rc = 0;
	if (argc < 2) {
		for (char **e = environ; *e; e++)
			puts(*e);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		const char *v = getenv(argv[i]);
		if (v)
			puts(v);
		else
			rc = 1;
	}
	return rc;
}
