/*
 * pea-runtime-dmz: the container init's last image before its program
 * (CVE-2019-5736). The init executes it from a sealed memfd (exe-seal.c), so
 * that from then on /proc/PID/exe of the init, as a process of the container
 * sees it while the init waits for `start` and as its program's execve reads
 * it (a #!/proc/self/exe), is that sealed copy, not pea-runtime's binary: the
 * runtime itself then needs no sealed copy of its own, the copy being a few
 * kilobytes. No C library: a static binary of a few pages, cheap to execute.
 *
 *   argv: pea-runtime-dmz SYNC_FD FIFO_FD PATH ARGV0 ARGS...   envp: the process's
 *
 * SYNC_FD >= 0 (the init's end of the sync socket): say ready ('r') and wait
 * for the parent's go ('s'). FIFO_FD >= 0 (create: exec.fifo, opened
 * read-write so that the read waits for a byte): wait for `start`'s byte.
 * Then execve PATH. Everything else (credentials, seccomp, umask, the signal
 * mask) was done by the init; this image changes none of it, and execve
 * computes the same capabilities from it twice as once.
 */

#include <stddef.h>
#include <sys/syscall.h>

#if defined(__x86_64__)
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	xor %rbp, %rbp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call dmz_main\n"
	"	hlt\n");

static long sys3(long n, long a, long b, long c)
{
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}
#elif defined(__aarch64__)
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	mov x29, #0\n"
	"	mov x0, sp\n"
	"	bl dmz_main\n");

static long sys3(long n, long a, long b, long c)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;

	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
	return x0;
}
#else
/* cppcheck-suppress preprocessorErrorDirective */
#error "pea-runtime-dmz: no system call stub for this architecture"
#endif

__attribute__((noreturn)) void dmz_main(long *sp);

static __attribute__((noreturn)) void die(int status)
{
	for (;;)
		sys3(SYS_exit_group, status, 0, 0);
}

static size_t len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	sys3(SYS_write, 2, (long)s, (long)len(s));
}

static int number(const char *s)
{
	int n = 0, neg = *s == '-';

	for (s += neg; *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (*s - '0');
	return neg ? -n : n;
}

/* The few errors an execve checked beforehand can still meet, by name; else the number. */
static const char *errno_text(long e, char *buf)
{
	static const struct {
		long e;
		const char *text;
	} known[] = {
		{ 2, "No such file or directory" },
		{ 7, "Argument list too long" },
		{ 8, "Exec format error" },
		{ 12, "Cannot allocate memory" },
		{ 13, "Permission denied" },
		{ 26, "Text file busy" },
		{ 40, "Too many levels of symbolic links" },
	};
	int i = 0;

	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		if (known[k].e == e)
			return known[k].text;
	buf[i++] = 'e';
	buf[i++] = 'r';
	buf[i++] = 'r';
	buf[i++] = 'n';
	buf[i++] = 'o';
	buf[i++] = ' ';
	if (e >= 100)
		buf[i++] = (char)('0' + e / 100 % 10);
	if (e >= 10)
		buf[i++] = (char)('0' + e / 10 % 10);
	buf[i++] = (char)('0' + e % 10);
	buf[i] = '\0';
	return buf;
}

void dmz_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	char byte = 0, buf[16];
	int sync_fd, fifo_fd;
	long r;

	if (argc < 5)
		die(127);
	sync_fd = number(argv[1]);
	fifo_fd = number(argv[2]);
	if (sync_fd >= 0) {
		/* SOCK_SEQPACKET: one message each way; a 1-byte read drops the state's rest */
		if (sys3(SYS_write, sync_fd, (long)"r", 1) != 1)
			die(127);
		do
			r = sys3(SYS_read, sync_fd, (long)&byte, 1);
		while (r == -4); /* EINTR */
		if (r != 1 || byte != 's')
			die(127);
		sys3(SYS_close, sync_fd, 0, 0);
	}
	if (fifo_fd >= 0) {
		do
			r = sys3(SYS_read, fifo_fd, (long)&byte, 1);
		while (r == -4);
		if (r != 1)
			die(127);
		sys3(SYS_close, fifo_fd, 0, 0);
	}
	r = sys3(SYS_execve, (long)argv[3], (long)(argv + 4), (long)envp);
	say("pea-runtime: exec '");
	say(argv[3]);
	say("': ");
	say(errno_text(-r, buf));
	say("\n");
	die(127);
}
