#pragma once

/*
 * A seccomp program made shorter: the kernel converts and JITs each
 * instruction when a container's init loads it (0.4 us of CPU an
 * instruction here, ~0.7 ms for podman's profile as libseccomp's tree).
 */

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The same filter in fewer instructions, or NULL (not shorter, or a program
 * this does not handle). prog is taken as a black box: its decision for each
 * architecture it names and each syscall number, found by running it with
 * the number at the start of each interval between the constants it compares
 * the number with (the decision cannot change inside one); what depends on
 * the arguments is kept as prog has it. The result is checked against prog
 * before it is returned.
 */
struct sock_filter *seccomp_compact(const struct sock_filter *prog, size_t n, size_t *ret_n);

/*
 * prog's return value for data (struct seccomp_data as 16 words), or -1 for
 * a program outside the subset libseccomp emits (loads of the data, ALU with
 * constants, jumps, returns).
 */
int64_t seccomp_bpf_run(const struct sock_filter *prog, size_t n, const uint32_t data[16]);
