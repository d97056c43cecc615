// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier selftests: unloading the module.  cxltier_test.c includes it
 * last, so that nothing runs after it if reloading fails.
 *
 * Runs only when asked: CXLTIER_TEST_UNLOAD=1 and CXLTIER_KO=/path/to/
 * cxltier.ko (the module the system loaded; it is loaded again from there,
 * with the parameters in CXLTIER_KO_PARAMS).  Every fd and mapping of the
 * module pins it; once the last is gone it unloads, every page returns to
 * its node, and it loads again.
 */
#include "cxltier_test.h"

#define MODULE_NAME "cxltier"
#define UNLOAD_LEN (32 * MiB)

static bool module_loaded(void)
{
	return !access("/sys/module/" MODULE_NAME, F_OK);
}

/* delete_module(O_NONBLOCK) as rmmod does; 0 or -errno. */
static int try_unload(void)
{
	return syscall(SYS_delete_module, MODULE_NAME, O_NONBLOCK) ? -errno
								    : 0;
}

/* Loads @ko; waits for the device.  0 or -errno. */
static int load_module(const char *ko)
{
	const char *params = getenv("CXLTIER_KO_PARAMS");
	int fd = open(ko, O_RDONLY | O_CLOEXEC), r, i;

	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, params ? params : "", 0) ? -errno
								     : 0;
	close(fd);
	if (r)
		return r;
	for (i = 0; i < 100; i++) {	/* devtmpfs creates it */
		if (!access(CXLTIER_DEVICE_PATH, F_OK))
			return 0;
		usleep(50 * 1000);
	}
	return -ENODEV;
}

FIXTURE(unload) {
	struct ctx c;
	const char *ko;
	bool unloaded;	/* we unloaded it: teardown must reload it */
};

FIXTURE_SETUP(unload)
{
	self->unloaded = false;
	self->ko = getenv("CXLTIER_KO");
	ctx_setup(&self->c, "unload", NULL);
}

FIXTURE_TEARDOWN(unload)
{
	int r;

	if (self->unloaded && !module_loaded() && self->ko) {
		r = load_module(self->ko);
		if (r) {
			TH_LOG("reloading %s failed: %s", self->ko,
			       errname(r));
			_metadata->passed = 0;
		}
	}
	ctx_teardown(&self->c);
}

/* Expects the module to refuse to unload: busy. */
#define EXPECT_BUSY(what) do {						\
	int __r = try_unload();						\
	if (__r == 0) {							\
		self->unloaded = true;					\
		TH_LOG("module unloaded while %s", what);		\
	} else if (__r != -EBUSY && __r != -EAGAIN) {			\
		TH_LOG("delete_module while %s: %s, expected EBUSY or "	\
		       "EAGAIN", what, errname(__r));			\
	}								\
	ASSERT_TRUE(__r == -EBUSY || __r == -EAGAIN);			\
} while (0)

TEST_F_TIMEOUT(unload, busy_while_used_then_reload, 300)
{
	const struct cxltier_node_info *n;
	const size_t np = UNLOAD_LEN / pgsz;
	struct cxltier_info q = { .size = sizeof(q) };
	struct node_free base;
	unsigned int node;
	char *p;
	int fd, r, i;

	if (!env_is("CXLTIER_TEST_UNLOAD", "1") || !self->ko)
		SKIP(return, "set CXLTIER_TEST_UNLOAD=1 and CXLTIER_KO=path "
		     "of the loaded cxltier.ko to run");
	ASSERT_TRUE(module_loaded());
	ASSERT_EQ(0, access(self->ko, R_OK));

	n = topo_pick(&self->c.topo, NK_CXL, 4 * UNLOAD_LEN);
	if (!n)
		n = topo_pick(&self->c.topo, NK_ANY, 4 * UNLOAD_LEN);
	ASSERT_NE(NULL, n);
	node = n->node;
	ASSERT_LE(0, pin_cpu());	/* see lifetime.*: free memory noise */
	settle_memory();
	ASSERT_EQ(0, read_node_free(-1, node, &base));

	fd = buf_create_mapped(self->c.dev, UNLOAD_LEN, node, &p);
	fill_pages(p, 0, np, 13);

	EXPECT_BUSY("/dev/cxltier, a buffer fd and its mapping are open");
	close(self->c.dev);
	self->c.dev = -1;
	EXPECT_BUSY("a buffer fd and its mapping are open");
	close(fd);
	EXPECT_BUSY("a mapping of a closed buffer is alive");
	EXPECT_EQ(-1, check_pages(p, 0, np, 13));
	ASSERT_EQ(0, munmap(p, UNLOAD_LEN));

	self->c.dev = open(CXLTIER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->c.dev);
	EXPECT_BUSY("/dev/cxltier is open");
	close(self->c.dev);
	self->c.dev = -1;

	/* Nothing holds it now. */
	for (i = 0; i < 20; i++) {
		r = try_unload();
		if (r != -EAGAIN && r != -EBUSY)
			break;
		usleep(100 * 1000);
	}
	if (r)
		TH_LOG("delete_module with nothing open: %s", errname(r));
	ASSERT_EQ(0, r);
	self->unloaded = true;
	EXPECT_FALSE(module_loaded());
	for (i = 0; i < 40 && !access(CXLTIER_DEVICE_PATH, F_OK); i++)
		usleep(50 * 1000);
	EXPECT_NE(0, access(CXLTIER_DEVICE_PATH, F_OK));

	/* Every page is back on its node. */
	EXPECT_TRUE(wait_free_back(-1, node, &base, LEAK_SLACK));

	/* And it loads again, for whatever runs next. */
	r = load_module(self->ko);
	if (r)
		TH_LOG("loading %s: %s", self->ko, errname(r));
	ASSERT_EQ(0, r);
	self->unloaded = false;
	self->c.dev = open(CXLTIER_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->c.dev);
	ASSERT_OK(xioctl(self->c.dev, CXLTIER_IOC_GET_INFO, &q));
	EXPECT_EQ((unsigned int)CXLTIER_API_VERSION, q.api_version);
	fd = buf_create(self->c.dev, pgsz, node);
	ASSERT_OK(fd);
	close(fd);
}
