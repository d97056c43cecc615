// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier_vmtest: a module that misbehaves on request, so that
 * tests/vm/selftest.sh can show that the runner's kmemleak and lockdep
 * verdicts fail a run.  Never loaded outside that self-test.
 *
 *   leak=1         kmalloc() 128 bytes at load and lose the pointer
 *   lockdep_off=1  switch lockdep off without a report, as a report or an
 *                  unreliable taint would
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/debug_locks.h>

static bool leak;
module_param(leak, bool, 0444);
static bool lockdep_off;
module_param(lockdep_off, bool, 0444);

static void *last;

/* Not __init: the backtrace must still have a symbol when it is printed. */
static noinline void vmtest_leak(void)
{
	/* stored and overwritten: the allocation cannot be optimised out */
	WRITE_ONCE(last, kmalloc(128, GFP_KERNEL));
	WRITE_ONCE(last, NULL);
	pr_info("leaked 128 bytes on purpose\n");
}

static int __init vmtest_init(void)
{
	if (leak)
		vmtest_leak();
	if (lockdep_off) {
		debug_locks_off();
		pr_info("lockdep switched off on purpose\n");
	}
	return 0;
}

static void __exit vmtest_exit(void)
{
}

module_init(vmtest_init);
module_exit(vmtest_exit);
MODULE_DESCRIPTION("tests/vm/selftest.sh: a leak and lockdep off, on request");
MODULE_LICENSE("GPL");
