// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier kselftest suite: the /dev/cxltier ABI (uapi/linux/cxltier.h) and
 * the buffers it makes, tested from userspace with the kernel's kselftest
 * harness (TAP output; every test forked on its own).
 *
 * Needs root, the module loaded, and a machine with NUMA nodes to place
 * memory on; nodes are found with CXLTIER_IOC_GET_INFO, never assumed.  A
 * test that needs a kind of node the machine lacks is skipped, or fails
 * when the topology is known to have it (CXLTIER_TEST_STRICT=1, or the VM
 * runner's CXLTIER_VM_TOPOLOGY=default).  Every test also fails on a kernel
 * BUG/WARNING/Oops/KASAN/UBSAN/lockdep/kmemleak report logged while it ran.
 *
 * Environment:
 *   CXLTIER_TEST_STRICT=1    topology skips become failures
 *   CXLTIER_TEST_UNLOAD=1    run the unload test (with CXLTIER_KO=path of
 *                            the loaded cxltier.ko, CXLTIER_KO_PARAMS)
 *   CXLTIER_TEST_NO_KMSG=1   run without /dev/kmsg (no kernel-log verdict)
 *
 * Arguments: with none, every test; else only the tests whose name
 * (fixture[.variant].test, as in the TAP output) contains one of them.
 *
 * Exit status: 0 all passed (skips included), 1 a failure, 4 (skip) when
 * /dev/cxltier does not exist.
 *
 * The harness keeps its test list per translation unit, so the test groups
 * are included here rather than linked.
 */
#include "cxltier_test.h"

/* ======================================================================== */
/* kmsg: the kernel-log verdict itself                                      */

FIXTURE(kmsg) {
	int unused;
};

FIXTURE_SETUP(kmsg)
{
}

FIXTURE_TEARDOWN(kmsg)
{
}

/* The matcher flags real report lines and passes ordinary ones. */
TEST_F(kmsg, matcher)
{
	static const char *const bad[] = {
		"BUG: KASAN: use-after-free in cxltier_release+0x12/0x40 [cxltier]",
		"WARNING: CPU: 1 PID: 77 at mm/page_alloc.c:5537 __alloc_pages+0x2e1/0x340",
		"BUG: unable to handle page fault for address: ffffc90000a00000",
		"Oops: 0000 [#1] PREEMPT SMP NOPTI",
		"UBSAN: shift-out-of-bounds in kmod/buf.c:120:20",
		"WARNING: possible circular locking dependency detected",
		"BUG: sleeping function called from invalid context at mm/gup.c:1",
		"kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
		"general protection fault, probably for non-canonical address 0xdead000000000100",
		"INFO: task cxltier_test:123 blocked for more than 120 seconds.",
		"Call Trace:",
	};
	static const char *const good[] = {
		"cxltier: loading out-of-tree module taints kernel.",
		"cxltier: module verification failed: signature and/or required key missing - tainting kernel",
		"cxltier_test: begin mmap.cxl.past_end_sigbus",
		"Demotion targets for Node 0: null",
		"rcu: \tRCU lockdep checking is enabled.",
		"kasan: KernelAddressSanitizer initialized",
		"cxltier_test[456]: segfault at 0 ip 0000 sp 0000 error 4",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (!kmsg_bad(bad[i]))
			TH_LOG("not flagged: %s", bad[i]);
		EXPECT_NE(NULL, kmsg_bad(bad[i]));
	}
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		if (kmsg_bad(good[i]))
			TH_LOG("flagged: %s", good[i]);
		EXPECT_EQ(NULL, kmsg_bad(good[i]));
	}
}

/* What is logged after the mark is read back; what came before is not. */
TEST_F(kmsg, reader)
{
	struct kmsg k;
	char tag[64], msg[1024];
	int r, seen = 0;

	if (env_is("CXLTIER_TEST_NO_KMSG", "1"))
		SKIP(return, "CXLTIER_TEST_NO_KMSG=1");
	snprintf(tag, sizeof(tag), "cxltier_test: kmsg probe %d.%ld",
		 (int)getpid(), (long)time(NULL));
	kmsg_note("%s before", tag);
	ASSERT_EQ(0, kmsg_mark(&k));
	kmsg_note("%s after", tag);
	while ((r = kmsg_next(&k, msg, sizeof(msg))) > 0) {
		if (!strncmp(msg, tag, strlen(tag))) {
			EXPECT_STREQ("after", msg + strlen(tag) + 1);
			seen++;
		}
	}
	ASSERT_EQ(0, r);
	EXPECT_EQ(1, seen);
	EXPECT_EQ(0, __kmsg_verdict(_metadata, &k));
}

#include "ioctl_tests.c"
#include "memory_tests.c"
#include "kernel_move_tests.c"
#include "exhaust_tests.c"
#include "policy_tests.c"
#include "huge_tests.c"
#include "populate_tests.c"
#include "pinnable_tests.c"
#include "quota_tests.c"
#include "migrate_tests.c"
#include "pool_tests.c"
#include "sysfs_tests.c"
#include "netlink_tests.c"
#include "accounting_tests.c"
#include "unload_tests.c"

/* As TEST_HARNESS_MAIN, with a whole-suite skip when there is no device. */
static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

static bool wanted(int argc, char **argv, const char *name)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return true;
	return false;
}

/*
 * The 6.1 harness cannot select tests: with arguments, run only the tests
 * whose name (fixture[.variant].test) contains one of them, as
 * test_harness_run() would.
 */
static int run_selected(int argc, char **argv)
{
	struct __fixture_variant_metadata no_variant = { .name = "" };
	struct __fixture_variant_metadata *v;
	struct __fixture_metadata *f;
	struct __test_results *results = NULL;
	struct __test_metadata *t;
	unsigned int count = 0, pass = 0, run = 0;
	char name[512];
	int ret = 0, round;

	/* round 0 counts, round 1 runs */
	for (round = 0; round < 2; round++) {
		if (round == 1) {
			results = mmap(NULL, sizeof(*results),
				       PROT_READ | PROT_WRITE,
				       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
			if (results == MAP_FAILED)
				ksft_exit_fail_msg("mmap: %s\n",
						   strerror(errno));
			ksft_print_header();
			ksft_set_plan(count);
			ksft_print_msg("Starting %u selected tests.\n", count);
		}
		for (f = __fixture_list; f; f = f->next) {
			for (v = f->variant ?: &no_variant; v; v = v->next) {
				for (t = f->tests; t; t = t->next) {
					snprintf(name, sizeof(name),
						 "%s%s%s.%s", f->name,
						 v->name[0] ? "." : "",
						 v->name, t->name);
					if (!wanted(argc, argv, name))
						continue;
					if (round == 0) {
						count++;
						continue;
					}
					run++;
					t->results = results;
					__run_test(f, v, t);
					t->results = NULL;
					if (t->passed)
						pass++;
					else
						ret = 1;
				}
			}
		}
	}
	ksft_print_msg("%s: %u / %u tests passed.\n", ret ? "FAILED" : "PASSED",
		       pass, run);
	if (!count)
		ksft_print_msg("no test name contains the arguments\n");
	ksft_exit(ret == 0 && count);
	return KSFT_FAIL;
}

int main(int argc, char **argv)
{
	if (access(CXLTIER_DEVICE_PATH, F_OK)) {
		ksft_print_header();
		ksft_exit_skip("%s: %s (is the cxltier module loaded?)\n",
			       CXLTIER_DEVICE_PATH, strerror(errno));
	}
	if (argc > 1)
		return run_selected(argc, argv);
	return test_harness_run(argc, argv);
}
