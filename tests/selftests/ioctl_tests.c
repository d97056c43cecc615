// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier selftests: the ioctl ABI.
 *
 *  abi.*     what every ioctl shares (GET_INFO and CREATE on /dev/cxltier,
 *            BUF_STAT on a buffer fd): unknown commands, wrong fd, bad
 *            argument pointers, the size field, flags, reserved fields.
 *  info.*    CXLTIER_IOC_GET_INFO: versions, the count query, EMSGSIZE, the
 *            entry stride, and the node table against sysfs.
 *  create.*  CXLTIER_IOC_CREATE: each malformed request, the fd and id it
 *            returns, and what BUF_STAT reports for a new buffer.
 *
 * One invalid input per call: every request below is a valid one with a
 * single field changed.  Loops (flag bits, values) make one call per value.
 */
#include "cxltier_test.h"

/* ======================================================================== */
/* abi: what all ioctls share                                               */

FIXTURE(abi) {
	struct ctx c;
	int buf;			/* a one-page buffer: BUF_STAT's fd */
	uint64_t buf_id;
	struct cxltier_node_weight nw;	/* CREATE's policy: one valid node */
	char *area;	/* 2 read-write pages, then 1 PROT_NONE page */
	char *ro;	/* 1 read-only page holding a valid argument */
};

struct abi_field {
	unsigned int off;
	const char *name;
};

FIXTURE_VARIANT(abi) {
	unsigned int nr;	/* CXLTIER_CMD_* */
	unsigned long cmd;
	unsigned int size;	/* sizeof the struct */
	unsigned int min_size;	/* its first published version */
	bool on_buf;		/* a buffer-fd ioctl */
	struct abi_field rsv[2];	/* __u32 reserved fields */
	unsigned int nr_rsv;
};

FIXTURE_VARIANT_ADD(abi, get_info) {
	.nr = CXLTIER_CMD_GET_INFO,
	.cmd = CXLTIER_IOC_GET_INFO,
	.size = sizeof(struct cxltier_info),
	.min_size = sizeof(struct cxltier_info),
	.rsv = {
		{ offsetof(struct cxltier_info, __reserved), "__reserved" },
		{ offsetof(struct cxltier_info, __reserved2), "__reserved2" },
	},
	.nr_rsv = 2,
};

FIXTURE_VARIANT_ADD(abi, create) {
	.nr = CXLTIER_CMD_CREATE,
	.cmd = CXLTIER_IOC_CREATE,
	.size = sizeof(struct cxltier_create),
	.min_size = sizeof(struct cxltier_create),
	.rsv = {
		{ offsetof(struct cxltier_create, __reserved2), "__reserved2" },
	},
	.nr_rsv = 1,
};

FIXTURE_VARIANT_ADD(abi, buf_stat) {
	.nr = CXLTIER_CMD_BUF_STAT,
	.cmd = CXLTIER_IOC_BUF_STAT,
	.size = sizeof(struct cxltier_buf_stat),
	/* the first version ended at resident_bytes */
	.min_size = offsetof(struct cxltier_buf_stat, spilled_bytes),
	.on_buf = true,
	.rsv = {
		{ offsetof(struct cxltier_buf_stat, __reserved), "__reserved" },
		{ offsetof(struct cxltier_buf_stat, __reserved2),
		  "__reserved2" },
	},
	.nr_rsv = 2,
};

/* Writes a valid argument for the variant's ioctl at @arg (size bytes). */
static void abi_fill(FIXTURE_DATA(abi) *self,
		     const FIXTURE_VARIANT(abi) *variant, void *arg)
{
	memset(arg, 0, variant->size);
	switch (variant->nr) {
	case CXLTIER_CMD_GET_INFO: {
		struct cxltier_info *a = arg;

		a->size = sizeof(*a);
		break;
	}
	case CXLTIER_CMD_CREATE: {
		struct cxltier_create *a = arg;

		a->size = sizeof(*a);
		a->length = pgsz;
		a->mode = CXLTIER_MODE_BIND;
		a->nr_nodes = 1;
		a->nodes = (uintptr_t)&self->nw;
		break;
	}
	case CXLTIER_CMD_BUF_STAT: {
		struct cxltier_buf_stat *a = arg;

		a->size = sizeof(*a);
		break;
	}
	}
}

static int abi_fd(FIXTURE_DATA(abi) *self, const FIXTURE_VARIANT(abi) *variant)
{
	return variant->on_buf ? self->buf : self->c.dev;
}

/* The fd the ioctl does not belong to. */
static int abi_other_fd(FIXTURE_DATA(abi) *self,
			const FIXTURE_VARIANT(abi) *variant)
{
	return variant->on_buf ? self->c.dev : self->buf;
}

/*
 * Issues @cmd with @arg on the variant's fd; a buffer a successful CREATE
 * made is closed again.  Returns the result or -errno.
 */
static int abi_call_cmd(FIXTURE_DATA(abi) *self,
			const FIXTURE_VARIANT(abi) *variant, int fd,
			unsigned long cmd, void *arg)
{
	int r = xioctl(fd, cmd, arg);

	if (r >= 0 && cmd == CXLTIER_IOC_CREATE)
		close(((struct cxltier_create *)arg)->out_fd);
	(void)self;
	(void)variant;
	return r;
}

static int abi_call(FIXTURE_DATA(abi) *self,
		    const FIXTURE_VARIANT(abi) *variant, void *arg)
{
	return abi_call_cmd(self, variant, abi_fd(self, variant), variant->cmd,
			    arg);
}

/* ASSERTs what a successful call of the variant's ioctl returned in @arg. */
#define abi_check_out(arg) __abi_check_out(_metadata, self, variant, arg)
static void __abi_check_out(struct __test_metadata *_metadata,
			    FIXTURE_DATA(abi) *self,
			    const FIXTURE_VARIANT(abi) *variant, void *arg)
{
	switch (variant->nr) {
	case CXLTIER_CMD_GET_INFO: {
		struct cxltier_info *a = arg;

		ASSERT_EQ((unsigned int)CXLTIER_API_VERSION, a->api_version);
		ASSERT_EQ(self->c.topo.nr, a->nr_nodes);
		break;
	}
	case CXLTIER_CMD_CREATE: {
		struct cxltier_create *a = arg;
		struct bstat b;

		ASSERT_LE(0, a->out_fd);
		ASSERT_NE(0ULL, a->out_id);
		ASSERT_OK(buf_stat(a->out_fd, &b));
		ASSERT_EQ(a->out_id, b.st.id);
		ASSERT_EQ((uint64_t)pgsz, b.st.length);
		close(a->out_fd);
		break;
	}
	case CXLTIER_CMD_BUF_STAT: {
		struct cxltier_buf_stat *a = arg;

		ASSERT_EQ(self->buf_id, a->id);
		ASSERT_EQ((uint64_t)pgsz, a->length);
		ASSERT_EQ((unsigned int)CXLTIER_MODE_BIND, a->mode);
		ASSERT_EQ(pgshift, a->page_shift);
		if (a->size >= sizeof(*a)) {
			ASSERT_EQ(0ULL, a->spilled_bytes);
			ASSERT_EQ(0U, a->chunk_shift);
			ASSERT_EQ(0U, a->__reserved2);
		}
		break;
	}
	}
}

FIXTURE_SETUP(abi)
{
	const struct cxltier_node_info *n;
	struct cxltier_create c;
	char *arg;

	ctx_setup(&self->c, "abi", NULL);
	self->buf = -1;
	n = topo_pick(&self->c.topo, NK_ANY, 16 * MiB);
	ASSERT_NE(NULL, n);
	self->nw.node = n->node;
	self->buf = buf_create_ex(self->c.dev, pgsz, n->node, 0, &c);
	ASSERT_OK(self->buf);
	self->buf_id = c.out_id;

	self->area = mmap(NULL, 3 * pgsz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->area);
	ASSERT_EQ(0, mprotect(self->area + 2 * pgsz, pgsz, PROT_NONE));
	self->ro = mmap(NULL, pgsz, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->ro);
	abi_fill(self, variant, self->ro);
	ASSERT_EQ(0, mprotect(self->ro, pgsz, PROT_READ));

	/* The control: the unmodified request succeeds. */
	arg = self->area;
	abi_fill(self, variant, arg);
	ASSERT_OK(abi_call(self, variant, arg));
}

FIXTURE_TEARDOWN(abi)
{
	if (self->buf >= 0)
		close(self->buf);
	if (self->area && self->area != MAP_FAILED)
		munmap(self->area, 3 * pgsz);
	if (self->ro && self->ro != MAP_FAILED)
		munmap(self->ro, pgsz);
	ctx_teardown(&self->c);
}

/* The valid request succeeds and returns what the header promises. */
TEST_F(abi, valid_request)
{
	void *arg = self->area;

	abi_fill(self, variant, arg);
	ASSERT_OK(xioctl(abi_fd(self, variant), variant->cmd, arg));
	abi_check_out(arg);
}

/* Numbers the file does not know: -ENOTTY. */
TEST_F(abi, unknown_command)
{
	const unsigned long cmds[] = {
		_IO(CXLTIER_TYPE, CXLTIER_CMD_LAST),
		_IO(CXLTIER_TYPE, CXLTIER_CMD_BASE - 1),
		_IO(CXLTIER_TYPE, 0x7f),
		_IO(CXLTIER_TYPE, 0xff),
		_IO(CXLTIER_TYPE, 0x01),	/* cxl_mem's range */
		/* the same number in another type */
		_IO(CXLTIER_TYPE + 1, variant->nr),
		_IO(0x42, variant->nr),
		/* the command with a direction and size: not the command */
		_IOC(_IOC_READ | _IOC_WRITE, CXLTIER_TYPE, variant->nr,
		     variant->size),
		_IOC(_IOC_WRITE, CXLTIER_TYPE, variant->nr, variant->size),
	};
	void *arg = self->area;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		abi_fill(self, variant, arg);
		EXPECT_ERRNO(ENOTTY, abi_call_cmd(self, variant,
						  abi_fd(self, variant),
						  cmds[i], arg),
			     " (cmd %#lx)", cmds[i]);
	}
}

/* GET_INFO/CREATE on a buffer fd, BUF_STAT on /dev/cxltier: -ENOTTY. */
TEST_F(abi, wrong_fd)
{
	void *arg = self->area;

	abi_fill(self, variant, arg);
	EXPECT_ERRNO(ENOTTY, abi_call_cmd(self, variant,
					  abi_other_fd(self, variant),
					  variant->cmd, arg), "");
}

TEST_F(abi, null_arg)
{
	EXPECT_ERRNO(EFAULT, abi_call(self, variant, NULL), "");
}

/* The argument pointer points at an unmapped page. */
TEST_F(abi, unmapped_arg)
{
	EXPECT_ERRNO(EFAULT, abi_call(self, variant, self->area + 2 * pgsz),
		     "");
}

/* size and flags readable, the rest of the struct in an unmapped page. */
TEST_F(abi, straddling_arg)
{
	char *arg = self->area + 2 * pgsz - 8;
	__u32 hdr[2] = { variant->size, 0 };

	memcpy(arg, hdr, sizeof(hdr));
	EXPECT_ERRNO(EFAULT, abi_call(self, variant, arg), "");
}

/*
 * A valid request in read-only memory: the results cannot be copied out, so
 * -EFAULT, and a CREATE must not leave an fd behind.
 */
TEST_F(abi, readonly_arg)
{
	int lowest = lowest_free_fd(), nfds = count_open_fds();

	EXPECT_ERRNO(EFAULT, abi_call(self, variant, self->ro), "");
	EXPECT_EQ(lowest, lowest_free_fd());
	EXPECT_EQ(nfds, count_open_fds());
}

TEST_F(abi, size_zero)
{
	__u32 *arg = (__u32 *)self->area;

	abi_fill(self, variant, arg);
	arg[0] = 0;
	EXPECT_ERRNO(EINVAL, abi_call(self, variant, arg), "");
}

/* Just size and flags. */
TEST_F(abi, size_header_only)
{
	__u32 *arg = (__u32 *)self->area;

	abi_fill(self, variant, arg);
	arg[0] = 8;
	EXPECT_ERRNO(EINVAL, abi_call(self, variant, arg), "");
}

/* One byte short of the first version. */
TEST_F(abi, size_one_short)
{
	__u32 *arg = (__u32 *)self->area;

	abi_fill(self, variant, arg);
	arg[0] = variant->min_size - 1;
	EXPECT_ERRNO(EINVAL, abi_call(self, variant, arg), "");
}

/*
 * The first published size, and every multiple of 8 up to the current
 * one, is accepted; the kernel writes nothing past the size given.
 */
TEST_F(abi, size_older_versions)
{
	unsigned int sz, i;

	for (sz = variant->min_size; sz <= variant->size; sz += 8) {
		unsigned char *arg = (unsigned char *)self->area;

		memset(arg, 0xa5, 2 * pgsz);
		abi_fill(self, variant, arg);
		memset(arg + sz, 0xa5, 2 * pgsz - sz);
		*(__u32 *)arg = sz;
		ASSERT_OK(xioctl(abi_fd(self, variant), variant->cmd, arg));
		for (i = sz; i < 2 * pgsz; i++)
			if (arg[i] != 0xa5) {
				TH_LOG("size %u: byte %u written (%#x)", sz, i,
				       arg[i]);
				ASSERT_EQ(0xa5, arg[i]);
			}
		/* a new buffer's fd, an out field, is there */
		if (variant->nr == CXLTIER_CMD_CREATE)
			close(((struct cxltier_create *)arg)->out_fd);
		if (variant->nr == CXLTIER_CMD_BUF_STAT) {
			EXPECT_EQ(self->buf_id,
				  ((struct cxltier_buf_stat *)arg)->id);
		}
	}
}

/* Larger than the struct with a non-zero byte in the tail: -E2BIG. */
TEST_F(abi, size_larger_nonzero_tail)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		char *arg = self->area;

		memset(arg, 0, 2 * pgsz);
		abi_fill(self, variant, arg);
		*(__u32 *)arg = variant->size + 8;
		arg[variant->size + i] = 1;
		EXPECT_ERRNO(E2BIG, abi_call(self, variant, arg),
			     " (tail byte %u set)", i);
	}
}

/* A page larger, only its last byte non-zero: -E2BIG. */
TEST_F(abi, size_page_larger_nonzero_last)
{
	char *arg = self->area;

	memset(arg, 0, 2 * pgsz);
	abi_fill(self, variant, arg);
	*(__u32 *)arg = variant->size + pgsz;
	arg[variant->size + pgsz - 1] = 0x80;
	EXPECT_ERRNO(E2BIG, abi_call(self, variant, arg), "");
}

/* Larger with a zero tail: accepted, with the usual results. */
TEST_F(abi, size_larger_zero_tail)
{
	char *arg = self->area;

	memset(arg, 0, 2 * pgsz);
	abi_fill(self, variant, arg);
	*(__u32 *)arg = variant->size + 8;
	ASSERT_OK(xioctl(abi_fd(self, variant), variant->cmd, arg));
	abi_check_out(arg);

	memset(arg, 0, 2 * pgsz);
	abi_fill(self, variant, arg);
	*(__u32 *)arg = variant->size + pgsz;
	ASSERT_OK(xioctl(abi_fd(self, variant), variant->cmd, arg));
	abi_check_out(arg);
}

/* Every flag bit GET_INFO does not list as supported: -EINVAL. */
TEST_F(abi, unknown_flag_bits)
{
	uint64_t known = 0;	/* GET_INFO and BUF_STAT flags: must be 0 */
	unsigned int bit, tried = 0;

	if (variant->nr == CXLTIER_CMD_CREATE)
		known = self->c.topo.info.supported_create_flags;
	for (bit = 0; bit < 32; bit++) {
		__u32 *arg = (__u32 *)self->area;

		if (known & (1ULL << bit)) {
			TH_LOG("flag bit %u is supported: not tried", bit);
			continue;
		}
		abi_fill(self, variant, arg);
		arg[1] = 1U << bit;
		EXPECT_ERRNO(EINVAL, abi_call(self, variant, arg),
			     " (flags bit %u)", bit);
		tried++;
	}
	ASSERT_LT(0U, tried);
}

/* Each reserved field non-zero: -EINVAL. */
TEST_F(abi, reserved_nonzero)
{
	const __u32 vals[] = { 1, 0x80000000U, 0xffffffffU };
	unsigned int i, j;

	ASSERT_LT(0U, variant->nr_rsv);
	for (i = 0; i < variant->nr_rsv; i++)
		for (j = 0; j < ARRAY_SIZE(vals); j++) {
			char *arg = self->area;

			abi_fill(self, variant, arg);
			memcpy(arg + variant->rsv[i].off, &vals[j],
			       sizeof(vals[j]));
			EXPECT_ERRNO(EINVAL, abi_call(self, variant, arg),
				     " (%s = %#x)", variant->rsv[i].name,
				     vals[j]);
		}
}

/* ======================================================================== */
/* info: CXLTIER_IOC_GET_INFO                                               */

FIXTURE(info) {
	struct ctx c;
};

FIXTURE_SETUP(info)
{
	ctx_setup(&self->c, "info", NULL);
}

FIXTURE_TEARDOWN(info)
{
	ctx_teardown(&self->c);
}

/* Nodes of the kernel's N_MEMORY state (online nodes with memory). */
static int mem_nodes(bool *set)
{
	return sys_nodes("has_memory", set);
}

TEST_F(info, api_version)
{
	struct cxltier_info q = { .size = sizeof(q) };

	ASSERT_OK(xioctl(self->c.dev, CXLTIER_IOC_GET_INFO, &q));
	EXPECT_EQ((unsigned int)CXLTIER_API_VERSION, q.api_version);
	EXPECT_EQ(0U, q.flags);
	EXPECT_EQ(0U, q.__reserved);
	EXPECT_EQ(0U, q.__reserved2);
	EXPECT_EQ(0ULL, q.nodes);
}

/* nr_nodes = 0 and nodes = 0 ask for the count: online nodes with memory. */
TEST_F(info, count_query)
{
	struct cxltier_info q = { .size = sizeof(q) };
	bool mem[TOPO_MAX_NODES];
	int n = mem_nodes(mem);

	ASSERT_LT(0, n);
	ASSERT_OK(xioctl(self->c.dev, CXLTIER_IOC_GET_INFO, &q));
	EXPECT_EQ((unsigned int)n, q.nr_nodes);

	/* the stride does not matter without a pointer */
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.node_entry_size = sizeof(struct cxltier_node_info);
	ASSERT_OK(xioctl(self->c.dev, CXLTIER_IOC_GET_INFO, &q));
	EXPECT_EQ((unsigned int)n, q.nr_nodes);
}

TEST_F(info, capabilities)
{
	const struct cxltier_info *q = &self->c.topo.info;

	/* API 1 defines CXLTIER_MODE_BIND. */
	EXPECT_TRUE(!!(q->supported_modes & (1ULL << CXLTIER_MODE_BIND)));
	/* page_shift 0 means PAGE_SHIFT: the base page is supported. */
	if (!(q->supported_page_sizes & (1ULL << pgshift)))
		TH_LOG("supported_page_sizes %#llx lacks 2^%u",
		       (unsigned long long)q->supported_page_sizes, pgshift);
	EXPECT_TRUE(!!(q->supported_page_sizes & (1ULL << pgshift)));
	EXPECT_LE(1U, q->max_policy_nodes);
	EXPECT_GE((unsigned int)CXLTIER_MAX_POLICY_NODES, q->max_policy_nodes);
	/* create flags is a __u32 */
	EXPECT_EQ(0ULL, q->supported_create_flags >> 32);
}

/* What GET_INFO lists is all defined by the header. */
TEST_F(info, capabilities_known)
{
	const struct cxltier_info *q = &self->c.topo.info;
	const uint64_t flags = CXLTIER_CREATE_FALLBACK |
			       CXLTIER_CREATE_POPULATE |
			       CXLTIER_CREATE_PINNABLE |
			       CXLTIER_CREATE_HUGE_FALLBACK |
			       CXLTIER_CREATE_RESERVE |
			       CXLTIER_CREATE_DEFAULT_POLICY;

	TH_LOG("modes %#llx, create flags %#llx, page sizes %#llx, "
	       "max_policy_nodes %u",
	       (unsigned long long)q->supported_modes,
	       (unsigned long long)q->supported_create_flags,
	       (unsigned long long)q->supported_page_sizes,
	       q->max_policy_nodes);
	EXPECT_EQ(0ULL, q->supported_modes >> CXLTIER_NR_MODES);
	EXPECT_EQ(0ULL, q->supported_create_flags & ~flags);
	/* page_shift is 0, PAGE_SHIFT or 21 */
	EXPECT_EQ(0ULL, q->supported_page_sizes &
			~((1ULL << pgshift) | (1ULL << HUGE_SHIFT)));
}

/* Room for one entry too few: -EMSGSIZE, what fits filled, real count. */
TEST_F(info, capacity_too_small)
{
	unsigned int count = self->c.topo.nr, i;
	struct cxltier_node_info *e;
	struct cxltier_info q;

	if (count < 2)
		SKIP_TOPO(return, "needs two nodes with memory, have %u",
			  count);
	e = calloc(count, sizeof(*e));
	ASSERT_NE(NULL, e);
	memset(e, 0xa5, count * sizeof(*e));
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.nr_nodes = count - 1;
	q.node_entry_size = sizeof(*e);
	q.nodes = (uintptr_t)e;
	EXPECT_ERRNO(EMSGSIZE, xioctl(self->c.dev, CXLTIER_IOC_GET_INFO, &q),
		     "");
	EXPECT_EQ(count, q.nr_nodes);
	for (i = 0; i < count - 1; i++) {
		EXPECT_EQ(self->c.topo.nodes[i].node, e[i].node);
		EXPECT_EQ(self->c.topo.nodes[i].total_bytes, e[i].total_bytes);
	}
	/* nothing written past the capacity */
	for (i = 0; i < sizeof(*e); i++) {
		EXPECT_EQ(0xa5, ((unsigned char *)&e[count - 1])[i]);
	}
	free(e);

	/* capacity 1 */
	e = calloc(count, sizeof(*e));
	ASSERT_NE(NULL, e);
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.nr_nodes = 1;
	q.node_entry_size = sizeof(*e);
	q.nodes = (uintptr_t)e;
	EXPECT_ERRNO(EMSGSIZE, xioctl(self->c.dev, CXLTIER_IOC_GET_INFO, &q),
		     "");
	EXPECT_EQ(count, q.nr_nodes);
	EXPECT_EQ(self->c.topo.nodes[0].node, e[0].node);
	free(e);
}

/* A stride below CXLTIER_NODE_INFO_SIZE_VER0 (multiples of 8): -EINVAL. */
TEST_F(info, entry_size_too_small)
{
	const __u32 sizes[] = { 0, 8, 16, 24, 32, 40 };
	struct cxltier_node_info e[2 * TOPO_MAX_NODES / 16];
	unsigned int i;

	ASSERT_GE(sizeof(e), self->c.topo.nr * 2 * sizeof(e[0]));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct cxltier_info q = {
			.size = sizeof(q),
			.nr_nodes = self->c.topo.nr,
			.node_entry_size = sizes[i],
			.nodes = (uintptr_t)e,
		};

		EXPECT_ERRNO(EINVAL, xioctl(self->c.dev, CXLTIER_IOC_GET_INFO,
					    &q), " (node_entry_size %u)",
			     sizes[i]);
	}
}

/* A stride that is large enough but not a multiple of 8: -EINVAL. */
TEST_F(info, entry_size_unaligned)
{
	const __u32 sizes[] = { CXLTIER_NODE_INFO_SIZE_VER0 + 1,
				CXLTIER_NODE_INFO_SIZE_VER0 + 4,
				CXLTIER_NODE_INFO_SIZE_VER0 + 7,
				CXLTIER_NODE_INFO_SIZE_VER0 + 12 };
	unsigned int i;
	char *e = calloc(self->c.topo.nr, 64);

	ASSERT_NE(NULL, e);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct cxltier_info q = {
			.size = sizeof(q),
			.nr_nodes = self->c.topo.nr,
			.node_entry_size = sizes[i],
			.nodes = (uintptr_t)e,
		};

		EXPECT_ERRNO(EINVAL, xioctl(self->c.dev, CXLTIER_IOC_GET_INFO,
					    &q), " (node_entry_size %u)",
			     sizes[i]);
	}
	free(e);
}

/* A larger stride: each entry's known part as usual, the rest zeroed. */
TEST_F(info, entry_stride_larger)
{
	const __u32 strides[] = { CXLTIER_NODE_INFO_SIZE_VER0 + 8, 64, 256 };
	unsigned int count = self->c.topo.nr, i, j, k;

	for (i = 0; i < ARRAY_SIZE(strides); i++) {
		__u32 st = strides[i];
		unsigned char *e = malloc((size_t)st * count);
		struct cxltier_info q = {
			.size = sizeof(q),
			.nr_nodes = count,
			.node_entry_size = st,
		};

		ASSERT_NE(NULL, e);
		memset(e, 0xa5, (size_t)st * count);
		q.nodes = (uintptr_t)e;
		ASSERT_OK(xioctl(self->c.dev, CXLTIER_IOC_GET_INFO, &q));
		ASSERT_EQ(count, q.nr_nodes);
		for (j = 0; j < count; j++) {
			struct cxltier_node_info ni;
			const struct cxltier_node_info *ref =
				&self->c.topo.nodes[j];
			unsigned char *ent = e + (size_t)j * st;

			memcpy(&ni, ent, sizeof(ni));
			EXPECT_EQ(ref->node, ni.node);
			EXPECT_EQ(ref->tier, ni.tier);
			EXPECT_EQ(ref->flags, ni.flags);
			EXPECT_EQ(ref->zones, ni.zones);
			EXPECT_EQ(ref->nearest_cpu_node, ni.nearest_cpu_node);
			EXPECT_EQ(ref->distance, ni.distance);
			EXPECT_EQ(ref->total_bytes, ni.total_bytes);
			EXPECT_EQ(ref->movable_bytes, ni.movable_bytes);
			for (k = sizeof(ni); k < st; k++)
				if (ent[k]) {
					TH_LOG("stride %u: entry %u byte %u "
					       "is %#x, not zeroed", st, j, k,
					       ent[k]);
					EXPECT_EQ(0, ent[k]);
					break;
				}
		}
		free(e);
	}
}

/* @nodes points at an unmapped page. */
TEST_F(info, nodes_unmapped)
{
	void *p = mmap(NULL, pgsz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	struct cxltier_info q = {
		.size = sizeof(q),
		.nr_nodes = self->c.topo.nr,
		.node_entry_size = sizeof(struct cxltier_node_info),
	};

	ASSERT_NE(MAP_FAILED, p);
	q.nodes = (uintptr_t)p;
	EXPECT_ERRNO(EFAULT, xioctl(self->c.dev, CXLTIER_IOC_GET_INFO, &q),
		     "");
	munmap(p, pgsz);
}

/* Within @pct percent (or @abs_slack bytes) of @ref. */
static bool near(unsigned long long v, unsigned long long ref,
		 unsigned int pct, unsigned long long abs_slack)
{
	unsigned long long d = v > ref ? v - ref : ref - v;

	return d <= abs_slack || d * 100 <= ref * pct;
}

/* The table describes the nodes sysfs and /proc/zoneinfo describe. */
TEST_F(info, table_matches_sysfs)
{
	bool mem[TOPO_MAX_NODES], seen[TOPO_MAX_NODES] = { false };
	int nmem = mem_nodes(mem);
	unsigned int i;

	ASSERT_LT(0, nmem);
	ASSERT_EQ((unsigned int)nmem, self->c.topo.nr);
	for (i = 0; i < self->c.topo.nr; i++) {
		const struct cxltier_node_info *n = &self->c.topo.nodes[i];
		long long total, mfree;
		unsigned long long movable;
		unsigned int zones;
		int cpus;

		ASSERT_GT((unsigned int)TOPO_MAX_NODES, n->node);
		if (!mem[n->node])
			TH_LOG("node %u listed but has no memory per sysfs",
			       n->node);
		EXPECT_TRUE(mem[n->node]);
		if (seen[n->node])
			TH_LOG("node %u listed twice", n->node);
		EXPECT_FALSE(seen[n->node]);
		seen[n->node] = true;

		cpus = node_cpus((int)n->node);
		ASSERT_LE(0, cpus);
		if (!!(n->flags & CXLTIER_NODE_HAS_CPUS) != (cpus > 0))
			TH_LOG("node %u: HAS_CPUS %d but cpulist has %d CPUs",
			       n->node, !!(n->flags & CXLTIER_NODE_HAS_CPUS),
			       cpus);
		EXPECT_EQ(cpus > 0, !!(n->flags & CXLTIER_NODE_HAS_CPUS));
		EXPECT_EQ(0U, n->flags & ~(CXLTIER_NODE_HAS_CPUS |
					   CXLTIER_NODE_MOVABLE_ONLY));

		total = node_meminfo((int)n->node, "MemTotal");
		mfree = node_meminfo((int)n->node, "MemFree");
		ASSERT_LT(0, total);
		ASSERT_LE(0, mfree);
		if (!near(n->total_bytes, (unsigned long long)total, 2, 0))
			TH_LOG("node %u: total_bytes %llu, MemTotal %lld",
			       n->node, (unsigned long long)n->total_bytes,
			       total);
		EXPECT_TRUE(near(n->total_bytes, (unsigned long long)total, 2,
				 0));
		EXPECT_LE(n->free_bytes, n->total_bytes);
		EXPECT_LE(n->movable_bytes, n->total_bytes);
		/* free memory moves: a loose check */
		if (!near(n->free_bytes, (unsigned long long)mfree, 10,
			  64 * MiB))
			TH_LOG("node %u: free_bytes %llu, MemFree %lld",
			       n->node, (unsigned long long)n->free_bytes,
			       mfree);
		EXPECT_TRUE(near(n->free_bytes, (unsigned long long)mfree, 10,
				 64 * MiB));

		ASSERT_EQ(0, node_zones((int)n->node, &zones, &movable));
		if (n->zones != zones)
			TH_LOG("node %u: zones %#x, zoneinfo says %#x",
			       n->node, n->zones, zones);
		EXPECT_EQ(zones, n->zones);
		if (!near(n->movable_bytes, movable, 1, 4 * MiB))
			TH_LOG("node %u: movable_bytes %llu, zoneinfo managed "
			       "Movable %llu", n->node,
			       (unsigned long long)n->movable_bytes, movable);
		EXPECT_TRUE(near(n->movable_bytes, movable, 1, 4 * MiB));
		/* MOVABLE_ONLY: all of its memory is ZONE_MOVABLE */
		EXPECT_EQ(zones == CXLTIER_ZONE_MOVABLE,
			  !!(n->flags & CXLTIER_NODE_MOVABLE_ONLY));
		if (n->flags & CXLTIER_NODE_MOVABLE_ONLY) {
			EXPECT_EQ(n->total_bytes, n->movable_bytes);
		}
	}
	for (i = 0; i < TOPO_MAX_NODES; i++)
		if (mem[i] && !seen[i]) {
			TH_LOG("node %u has memory but is not listed", i);
			EXPECT_FALSE(mem[i]);
		}
}

/* The module's cxl_distance parameter, or the documented default 30. */
static unsigned int cxl_distance_param(void)
{
	char buf[32];

	if (read_text("/sys/module/cxltier/parameters/cxl_distance", buf,
		      sizeof(buf)) > 0)
		return (unsigned int)strtoul(buf, NULL, 10);
	return 30;
}

/* nearest_cpu_node, distance and tier follow the header's rules. */
TEST_F(info, tiers_and_distances)
{
	unsigned int cxl_dist = cxl_distance_param(), i, j;
	bool has_cpu_node = false;

	for (i = 0; i < self->c.topo.nr; i++) {
		const struct cxltier_node_info *n = &self->c.topo.nodes[i];
		bool cpus = n->flags & CXLTIER_NODE_HAS_CPUS;
		bool cxl;
		int best = INT_MAX, d;

		EXPECT_TRUE(n->tier == CXLTIER_TIER_DRAM ||
			    n->tier == CXLTIER_TIER_CXL);
		if (cpus) {
			has_cpu_node = true;
			EXPECT_EQ(n->node, n->nearest_cpu_node);
			EXPECT_EQ(10U, n->distance);
			EXPECT_EQ((unsigned int)CXLTIER_TIER_DRAM, n->tier);
			continue;
		}
		/* the closest node with CPUs, among online nodes */
		for (j = 0; j < TOPO_MAX_NODES; j++) {
			if (node_cpus((int)j) <= 0)
				continue;
			d = node_distance((int)n->node, (int)j);
			if (d > 0 && d < best)
				best = d;
		}
		if (best == INT_MAX) {
			TH_LOG("no node with CPUs found in sysfs");
			ASSERT_NE(INT_MAX, best);
		}
		d = node_distance((int)n->node, (int)n->nearest_cpu_node);
		EXPECT_LT(0, node_cpus((int)n->nearest_cpu_node));
		if (d != best || (int)n->distance != best)
			TH_LOG("node %u: nearest_cpu_node %u at %u (sysfs %d),"
			       " closest CPU node is at %d", n->node,
			       n->nearest_cpu_node, n->distance, d, best);
		EXPECT_EQ(best, d);
		EXPECT_EQ(best, (int)n->distance);

		cxl = (n->flags & CXLTIER_NODE_MOVABLE_ONLY) ||
		      (unsigned int)best >= cxl_dist;
		if (n->tier != (cxl ? CXLTIER_TIER_CXL : CXLTIER_TIER_DRAM))
			TH_LOG("node %u: tier %u, expected %s (movable-only "
			       "%d, distance %d, cxl_distance %u)", n->node,
			       n->tier, cxl ? "CXL" : "DRAM",
			       !!(n->flags & CXLTIER_NODE_MOVABLE_ONLY), best,
			       cxl_dist);
		EXPECT_EQ(cxl ? CXLTIER_TIER_CXL : CXLTIER_TIER_DRAM, (int)n->tier);
	}
	EXPECT_TRUE(has_cpu_node);
}

/* ======================================================================== */
/* create: CXLTIER_IOC_CREATE                                               */

#define CREATE_MAX_ENTRIES 1024

FIXTURE(create) {
	struct ctx c;
	const struct cxltier_node_info *n;	/* the valid node */
	struct cxltier_node_weight nw[CREATE_MAX_ENTRIES];
	struct cxltier_create req;		/* a valid request */
	char *guard;	/* 1 read-write page, then 1 PROT_NONE page */
};

/* CREATE; closes the fd on success.  Result or -errno. */
static int try_create(int dev, struct cxltier_create *c)
{
	int r = xioctl(dev, CXLTIER_IOC_CREATE, c);

	if (r >= 0)
		close(c->out_fd);
	return r;
}

FIXTURE_SETUP(create)
{
	struct cxltier_create c;

	ctx_setup(&self->c, "create", NULL);
	self->n = topo_pick(&self->c.topo, NK_ANY, 16 * MiB);
	ASSERT_NE(NULL, self->n);
	self->nw[0].node = self->n->node;
	memset(&self->req, 0, sizeof(self->req));
	self->req.size = sizeof(self->req);
	self->req.length = 16 * pgsz;
	self->req.mode = CXLTIER_MODE_BIND;
	self->req.nr_nodes = 1;
	self->req.nodes = (uintptr_t)self->nw;

	self->guard = mmap(NULL, 2 * pgsz, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->guard);
	ASSERT_EQ(0, mprotect(self->guard + pgsz, pgsz, PROT_NONE));

	/* The control: the valid request works. */
	c = self->req;
	ASSERT_OK(try_create(self->c.dev, &c));
}

FIXTURE_TEARDOWN(create)
{
	if (self->guard && self->guard != MAP_FAILED)
		munmap(self->guard, 2 * pgsz);
	ctx_teardown(&self->c);
}

/* Tries self->req with one field changed by the statement @change. */
#define EXPECT_CREATE(err, change, fmt, ...) do {			\
	struct cxltier_create req = self->req;				\
	change;								\
	EXPECT_ERRNO(err, try_create(self->c.dev, &req), fmt,		\
		     ##__VA_ARGS__);					\
} while (0)

TEST_F(create, length_zero)
{
	EXPECT_CREATE(EINVAL, req.length = 0, "");
}

/* Twice what each node has: -EFBIG. */
TEST_F(create, length_beyond_node)
{
	unsigned int i;

	for (i = 0; i < self->c.topo.nr; i++) {
		const struct cxltier_node_info *n = &self->c.topo.nodes[i];

		self->nw[0].node = n->node;
		EXPECT_CREATE(EFBIG, req.length = 2 * n->total_bytes,
			      " (node %u, %llu bytes)", n->node,
			      2ULL * n->total_bytes);
		EXPECT_CREATE(EFBIG, req.length = n->total_bytes + 2 * GiB,
			      " (node %u)", n->node);
	}
}

/* Lengths near 2^64, including ones that wrap when rounded up: -EFBIG. */
TEST_F(create, length_near_2_64)
{
	const uint64_t lens[] = {
		~0ULL,
		~0ULL - pgsz + 2,	/* rounds up to 2^64 */
		~0ULL - pgsz + 1,	/* page aligned */
		1ULL << 63,
		(1ULL << 63) + 1,
		1ULL << 48,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		EXPECT_CREATE(EFBIG, req.length = lens[i], " (length %#llx)",
			      (unsigned long long)lens[i]);
	}
}

/* A length the node can hold is accepted; nothing is allocated yet. */
TEST_F(create, length_within_node)
{
	struct cxltier_create c = self->req;
	struct bstat b;

	c.length = self->n->total_bytes / 2 + 100;
	ASSERT_OK(xioctl(self->c.dev, CXLTIER_IOC_CREATE, &c));
	ASSERT_OK(buf_stat(c.out_fd, &b));
	EXPECT_EQ(self->n->total_bytes / 2 + 100, b.st.length);
	EXPECT_EQ(0ULL, b.st.resident_bytes);
	EXPECT_EQ(0U, b.st.nr_resident);
	close(c.out_fd);
}

/* Ids not below any MAX_NUMNODES: -EINVAL. */
TEST_F(create, node_out_of_range)
{
	const __u32 ids[] = { 1U << 20, 0xffffffffU, 0x80000000U, 1U << 16 };
	unsigned int i, max = kernel_max_numnodes();

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		EXPECT_CREATE(EINVAL, self->nw[0].node = ids[i],
			      " (node %#x)", ids[i]);
	}
	if (max) {
		EXPECT_CREATE(EINVAL, self->nw[0].node = max,
			      " (node %u = MAX_NUMNODES)", max);
	} else {
		TH_LOG("kernel config not found: MAX_NUMNODES not tried");
	}
}

/* Possible nodes without memory (offline, or memoryless): -ENODEV. */
TEST_F(create, node_without_memory)
{
	bool possible[TOPO_MAX_NODES], mem[TOPO_MAX_NODES];
	unsigned int i, tried = 0;

	ASSERT_LT(0, sys_nodes("possible", possible));
	ASSERT_LT(0, sys_nodes("has_memory", mem));
	for (i = 0; i < TOPO_MAX_NODES; i++) {
		if (!possible[i] || mem[i])
			continue;
		EXPECT_CREATE(ENODEV, self->nw[0].node = i, " (node %u)", i);
		tried++;
	}
	if (!tried)
		SKIP_TOPO(return, "every possible node has memory");
}

/*
 * Ids below MAX_NUMNODES that are not even possible (offline): -ENODEV, not
 * -EINVAL (the header draws the line at MAX_NUMNODES).
 */
TEST_F(create, node_impossible_below_max)
{
	bool possible[TOPO_MAX_NODES];
	unsigned int max = kernel_max_numnodes(), top = 0, i;

	if (!max)
		SKIP(return, "kernel config (CONFIG_NODES_SHIFT) not found");
	ASSERT_LT(0, sys_nodes("possible", possible));
	for (i = 0; i < TOPO_MAX_NODES; i++)
		if (possible[i])
			top = i;
	if (top + 1 >= max)
		SKIP(return, "every node id below MAX_NUMNODES %u is possible",
		     max);
	EXPECT_CREATE(ENODEV, self->nw[0].node = top + 1, " (node %u)",
		      top + 1);
	EXPECT_CREATE(ENODEV, self->nw[0].node = max - 1, " (node %u)",
		      max - 1);
}

/* Every mode GET_INFO does not list, and values past its mask: -EINVAL. */
TEST_F(create, mode_unknown)
{
	uint64_t modes = self->c.topo.info.supported_modes;
	const __u32 big[] = { 64, 65, 0x80000000U, 0xffffffffU };
	unsigned int m;

	for (m = 0; m < 64; m++) {
		if (modes & (1ULL << m))
			continue;
		EXPECT_CREATE(EINVAL, req.mode = m, " (mode %u)", m);
	}
	for (m = 0; m < ARRAY_SIZE(big); m++) {
		EXPECT_CREATE(EINVAL, req.mode = big[m], " (mode %#x)",
			      big[m]);
	}
}

TEST_F(create, nr_nodes_zero)
{
	EXPECT_CREATE(EINVAL, req.nr_nodes = 0, "");
}

/* A node with memory other than the fixture's, or NULL. */
static const struct cxltier_node_info *
create_other(const struct ctx *c, const struct cxltier_node_info *n)
{
	const struct cxltier_node_info *o;

	o = topo_pick_not(&c->topo, NK_CXL, 64 * MiB, (int)n->node, -1);
	return o ? o : topo_pick_not(&c->topo, NK_ANY, 64 * MiB,
				     (int)n->node, -1);
}

#define NEED_OTHER(o) do {						\
	if (!(o))							\
		SKIP_TOPO(return, "needs two nodes with memory");	\
} while (0)

/* The weight a mode accepts: 1 for WEIGHTED and SPLIT, else 0. */
static uint32_t mode_weight(uint32_t mode)
{
	return mode == CXLTIER_MODE_WEIGHTED || mode == CXLTIER_MODE_SPLIT;
}

static bool mode_supported(const struct ctx *c, uint32_t mode)
{
	return c->topo.info.supported_modes & (1ULL << mode);
}

/* BIND over two distinct nodes (one node only before the policy modes). */
TEST_F(create, bind_two_nodes)
{
	const struct cxltier_node_info *o = create_other(&self->c, self->n);
	struct cxltier_create c = self->req;
	struct bstat b;

	NEED_OTHER(o);
	self->nw[1].node = o->node;
	c.nr_nodes = 2;
	ASSERT_OK(xioctl(self->c.dev, CXLTIER_IOC_CREATE, &c));
	ASSERT_OK(buf_stat(c.out_fd, &b));
	EXPECT_EQ((unsigned int)CXLTIER_MODE_BIND, b.st.mode);
	EXPECT_EQ(2U, b.st.nr_policy_nodes);
	EXPECT_EQ(self->n->node, b.pol[0].node);
	EXPECT_EQ(o->node, b.pol[1].node);
	close(c.out_fd);
}

/* A node named twice, in every mode (weights valid for it): -EINVAL. */
TEST_F(create, node_duplicate)
{
	const struct cxltier_node_info *o = create_other(&self->c, self->n);
	uint32_t m;

	NEED_OTHER(o);
	for (m = 0; m < CXLTIER_NR_MODES; m++) {
		uint32_t w = mode_weight(m);

		if (!mode_supported(&self->c, m))
			continue;
		memset(self->nw, 0, 3 * sizeof(self->nw[0]));
		self->nw[0].node = self->n->node;
		self->nw[1].node = self->n->node;
		self->nw[0].weight = self->nw[1].weight = w;
		EXPECT_CREATE(EINVAL, (req.mode = m, req.nr_nodes = 2),
			      " (mode %u: nodes %u, %u)", m, self->n->node,
			      self->n->node);
		self->nw[1].node = o->node;
		self->nw[2].node = self->n->node;
		self->nw[2].weight = w;
		EXPECT_CREATE(EINVAL, (req.mode = m, req.nr_nodes = 3),
			      " (mode %u: nodes %u, %u, %u)", m,
			      self->n->node, o->node, self->n->node);
		/* the control */
		EXPECT_CREATE(0, (req.mode = m, req.nr_nodes = 2),
			      " (mode %u: nodes %u, %u)", m, self->n->node,
			      o->node);
	}
}

/* WEIGHTED and SPLIT: a weight of 0, first or second entry: -EINVAL. */
TEST_F(create, weight_zero)
{
	const struct cxltier_node_info *o = create_other(&self->c, self->n);
	const uint32_t modes[] = { CXLTIER_MODE_WEIGHTED, CXLTIER_MODE_SPLIT };
	unsigned int i;

	NEED_OTHER(o);
	self->nw[1].node = o->node;
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (!mode_supported(&self->c, modes[i]))
			continue;
		self->nw[0].weight = 0;
		EXPECT_CREATE(EINVAL, req.mode = modes[i], " (mode %u, one "
			      "node, weight 0)", modes[i]);
		self->nw[0].weight = 1;
		self->nw[1].weight = 0;
		EXPECT_CREATE(EINVAL, (req.mode = modes[i], req.nr_nodes = 2),
			      " (mode %u, weights 1, 0)", modes[i]);
		self->nw[1].weight = 1;
		EXPECT_CREATE(0, (req.mode = modes[i], req.nr_nodes = 2),
			      " (mode %u, weights 1, 1)", modes[i]);
	}
}

/* WEIGHTED and SPLIT: a weight above CXLTIER_MAX_WEIGHT: -EINVAL. */
TEST_F(create, weight_over_max)
{
	const struct cxltier_node_info *o = create_other(&self->c, self->n);
	const uint32_t modes[] = { CXLTIER_MODE_WEIGHTED, CXLTIER_MODE_SPLIT };
	const uint32_t w[] = { CXLTIER_MAX_WEIGHT + 1, 0x80000000U,
			       0xffffffffU };
	unsigned int i, j;

	NEED_OTHER(o);
	self->nw[1].node = o->node;
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (!mode_supported(&self->c, modes[i]))
			continue;
		for (j = 0; j < ARRAY_SIZE(w); j++) {
			self->nw[0].weight = w[j];
			self->nw[1].weight = 1;
			EXPECT_CREATE(EINVAL, (req.mode = modes[i],
					       req.nr_nodes = 2),
				      " (mode %u, weights %u, 1)", modes[i],
				      w[j]);
			self->nw[0].weight = 1;
			self->nw[1].weight = w[j];
			EXPECT_CREATE(EINVAL, (req.mode = modes[i],
					       req.nr_nodes = 2),
				      " (mode %u, weights 1, %u)", modes[i],
				      w[j]);
		}
		/* the control: the largest weight */
		self->nw[0].weight = CXLTIER_MAX_WEIGHT;
		self->nw[1].weight = CXLTIER_MAX_WEIGHT;
		EXPECT_CREATE(0, (req.mode = modes[i], req.nr_nodes = 2),
			      " (mode %u, weights %u, %u)", modes[i],
			      CXLTIER_MAX_WEIGHT, CXLTIER_MAX_WEIGHT);
	}
}

/* BIND (see weight_for_bind), PREFERRED and INTERLEAVE take no weights. */
TEST_F(create, weight_for_unweighted_modes)
{
	const struct cxltier_node_info *o = create_other(&self->c, self->n);
	const uint32_t modes[] = { CXLTIER_MODE_BIND, CXLTIER_MODE_PREFERRED,
				   CXLTIER_MODE_INTERLEAVE };
	const uint32_t w[] = { 1, CXLTIER_MAX_WEIGHT, 0xffffffffU };
	unsigned int i, j;

	NEED_OTHER(o);
	self->nw[1].node = o->node;
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (!mode_supported(&self->c, modes[i]))
			continue;
		for (j = 0; j < ARRAY_SIZE(w); j++) {
			self->nw[0].weight = 0;
			self->nw[1].weight = w[j];
			EXPECT_CREATE(EINVAL, (req.mode = modes[i],
					       req.nr_nodes = 2),
				      " (mode %u, weights 0, %u)", modes[i],
				      w[j]);
		}
		self->nw[1].weight = 0;
		EXPECT_CREATE(0, (req.mode = modes[i], req.nr_nodes = 2),
			      " (mode %u, weights 0, 0)", modes[i]);
	}
}

/*
 * Every node with memory at CXLTIER_MAX_WEIGHT is a valid WEIGHTED or
 * SPLIT policy (the weights' sum is nodes * CXLTIER_MAX_WEIGHT; with at
 * most CXLTIER_MAX_POLICY_NODES entries it stays below 2^32 * 0.015, so no
 * reachable sum passes 2^32), reported back as given.
 */
TEST_F(create, weight_max_on_every_node)
{
	const uint32_t modes[] = { CXLTIER_MODE_WEIGHTED, CXLTIER_MODE_SPLIT };
	unsigned int i, k;

	if (self->c.topo.nr < 2)
		SKIP_TOPO(return, "needs two nodes with memory");
	for (k = 0; k < self->c.topo.nr; k++) {
		self->nw[k].node = self->c.topo.nodes[k].node;
		self->nw[k].weight = CXLTIER_MAX_WEIGHT - k;
	}
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		struct cxltier_create c = self->req;
		struct bstat b;

		if (!mode_supported(&self->c, modes[i]))
			continue;
		c.mode = modes[i];
		c.nr_nodes = self->c.topo.nr;
		c.length = 64 * pgsz;
		ASSERT_OK(xioctl(self->c.dev, CXLTIER_IOC_CREATE, &c));
		ASSERT_OK(buf_stat(c.out_fd, &b));
		EXPECT_EQ(self->c.topo.nr, b.st.nr_policy_nodes);
		for (k = 0; k < self->c.topo.nr; k++) {
			EXPECT_EQ(self->nw[k].node, b.pol[k].node);
			EXPECT_EQ(self->nw[k].weight, b.pol[k].weight);
		}
		close(c.out_fd);
	}
}

/*
 * CXLTIER_MAX_POLICY_NODES distinct ids (0-63): a valid count, so the
 * ids without memory make it -ENODEV, not -EINVAL.
 */
TEST_F(create, nr_nodes_max_distinct)
{
	unsigned int max = kernel_max_numnodes(), i;
	bool mem[TOPO_MAX_NODES];

	if (max < CXLTIER_MAX_POLICY_NODES)
		SKIP(return, "MAX_NUMNODES %u is below %u (or unknown)", max,
		     CXLTIER_MAX_POLICY_NODES);
	ASSERT_LT(0, sys_nodes("has_memory", mem));
	for (i = 0; i < CXLTIER_MAX_POLICY_NODES; i++)
		if (!mem[i])
			break;
	if (i == CXLTIER_MAX_POLICY_NODES)
		SKIP(return, "nodes 0-63 all have memory");
	for (i = 0; i < CXLTIER_MAX_POLICY_NODES; i++)
		self->nw[i].node = i;
	EXPECT_CREATE(ENODEV, req.nr_nodes = CXLTIER_MAX_POLICY_NODES,
		      " (nodes 0-%u)", CXLTIER_MAX_POLICY_NODES - 1);
}

/*
 * CXLTIER_MAX_POLICY_NODES entries, all nodes with memory, so some named
 * twice: -EINVAL, in every mode.
 */
TEST_F(create, nr_nodes_max_with_duplicates)
{
	uint32_t m;
	unsigned int i;

	for (m = 0; m < CXLTIER_NR_MODES; m++) {
		if (!mode_supported(&self->c, m))
			continue;
		for (i = 0; i < CXLTIER_MAX_POLICY_NODES; i++) {
			self->nw[i].node =
				self->c.topo.nodes[i % self->c.topo.nr].node;
			self->nw[i].weight = mode_weight(m);
		}
		EXPECT_CREATE(EINVAL, (req.mode = m,
				       req.nr_nodes = CXLTIER_MAX_POLICY_NODES),
			      " (mode %u)", m);
	}
}

/* chunk_shift belongs to INTERLEAVE and WEIGHTED: else non-zero -EINVAL. */
TEST_F(create, chunk_shift_other_modes)
{
	const uint32_t modes[] = { CXLTIER_MODE_BIND, CXLTIER_MODE_PREFERRED,
				   CXLTIER_MODE_SPLIT };
	const uint32_t cs[] = { pgshift, 16, HUGE_SHIFT,
				CXLTIER_MAX_CHUNK_SHIFT };
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (!mode_supported(&self->c, modes[i]))
			continue;
		self->nw[0].weight = mode_weight(modes[i]);
		for (j = 0; j < ARRAY_SIZE(cs); j++) {
			EXPECT_CREATE(EINVAL, (req.mode = modes[i],
					       req.chunk_shift = cs[j]),
				      " (mode %u, chunk_shift %u)", modes[i],
				      cs[j]);
		}
		EXPECT_CREATE(0, req.mode = modes[i], " (mode %u)", modes[i]);
	}
}

/* The two modes that take a chunk, for the chunk_shift tests. */
static const uint32_t chunk_modes[] = { CXLTIER_MODE_INTERLEAVE,
					CXLTIER_MODE_WEIGHTED };

/* A chunk smaller than the page size: -EINVAL (4 KiB and 2 MiB pages). */
TEST_F(create, chunk_shift_below_page_size)
{
	bool huge = self->c.topo.info.supported_page_sizes &
		    (1ULL << HUGE_SHIFT);
	unsigned int i, s, tried = 0;

	for (i = 0; i < ARRAY_SIZE(chunk_modes); i++) {
		uint32_t m = chunk_modes[i];

		if (!mode_supported(&self->c, m))
			continue;
		self->nw[0].weight = mode_weight(m);
		for (s = 1; s < pgshift; s++) {
			EXPECT_CREATE(EINVAL, (req.mode = m,
					       req.chunk_shift = s),
				      " (mode %u, chunk_shift %u)", m, s);
			tried++;
		}
		if (!huge)
			continue;
		for (s = 1; s < HUGE_SHIFT; s++) {
			EXPECT_CREATE(EINVAL, (req.mode = m,
					       req.page_shift = HUGE_SHIFT,
					       req.length = HUGE_SZ,
					       req.chunk_shift = s),
				      " (mode %u, 2 MiB pages, chunk_shift "
				      "%u)", m, s);
		}
		EXPECT_CREATE(0, (req.mode = m, req.page_shift = HUGE_SHIFT,
				  req.length = HUGE_SZ,
				  req.chunk_shift = HUGE_SHIFT),
			      " (mode %u, 2 MiB pages and chunks)", m);
	}
	ASSERT_LT(0U, tried);
}

/* A chunk above CXLTIER_MAX_CHUNK_SHIFT: -EINVAL. */
TEST_F(create, chunk_shift_above_max)
{
	const uint32_t cs[] = { CXLTIER_MAX_CHUNK_SHIFT + 1, 32, 63, 64, 255,
				0x80000000U, 0xffffffffU };
	unsigned int i, j, tried = 0;

	for (i = 0; i < ARRAY_SIZE(chunk_modes); i++) {
		uint32_t m = chunk_modes[i];

		if (!mode_supported(&self->c, m))
			continue;
		self->nw[0].weight = mode_weight(m);
		for (j = 0; j < ARRAY_SIZE(cs); j++) {
			EXPECT_CREATE(EINVAL, (req.mode = m,
					       req.chunk_shift = cs[j]),
				      " (mode %u, chunk_shift %#x)", m, cs[j]);
			tried++;
		}
	}
	ASSERT_LT(0U, tried);
}

/* From the page size to CXLTIER_MAX_CHUNK_SHIFT: accepted and reported. */
TEST_F(create, chunk_shift_valid)
{
	const uint32_t cs[] = { 0, pgshift, pgshift + 1, 16, HUGE_SHIFT,
				CXLTIER_MAX_CHUNK_SHIFT };
	unsigned int i, j, tried = 0;

	for (i = 0; i < ARRAY_SIZE(chunk_modes); i++) {
		uint32_t m = chunk_modes[i];

		if (!mode_supported(&self->c, m))
			continue;
		self->nw[0].weight = mode_weight(m);
		for (j = 0; j < ARRAY_SIZE(cs); j++) {
			struct cxltier_create c = self->req;
			struct bstat b;

			c.mode = m;
			c.chunk_shift = cs[j];
			ASSERT_OK(xioctl(self->c.dev, CXLTIER_IOC_CREATE, &c));
			ASSERT_OK(buf_stat(c.out_fd, &b));
			EXPECT_EQ(m, b.st.mode);
			EXPECT_EQ(cs[j], b.st.chunk_shift);
			close(c.out_fd);
			tried++;
		}
	}
	if (!tried)
		SKIP_TOPO(return, "the module lists neither INTERLEAVE nor "
			  "WEIGHTED");
}

/* Beyond what all the policy's nodes together have: -EFBIG. */
TEST_F(create, length_beyond_policy_nodes)
{
	const struct cxltier_node_info *o = create_other(&self->c, self->n);
	uint32_t m;

	NEED_OTHER(o);
	self->nw[1].node = o->node;
	for (m = 0; m < CXLTIER_NR_MODES; m++) {
		uint64_t sum = self->n->total_bytes + o->total_bytes;

		if (!mode_supported(&self->c, m))
			continue;
		self->nw[0].weight = self->nw[1].weight = mode_weight(m);
		EXPECT_CREATE(EFBIG, (req.mode = m, req.nr_nodes = 2,
				      req.length = sum + GiB),
			      " (mode %u, %llu MiB on nodes %u, %u)", m,
			      (unsigned long long)(sum + GiB) / MiB,
			      self->n->node, o->node);
	}
}

/*
 * SPLIT: a share larger than its node, though the nodes together have
 * room: -EFBIG.  The same length with the weights the other way round
 * fits (and allocates nothing yet).
 */
TEST_F(create, split_share_beyond_node)
{
	const struct cxltier_node_info *small = NULL, *big = NULL;
	uint64_t len;
	unsigned int i;

	if (!mode_supported(&self->c, CXLTIER_MODE_SPLIT))
		SKIP_TOPO(return, "the module does not list SPLIT");
	for (i = 0; i < self->c.topo.nr; i++) {
		const struct cxltier_node_info *n = &self->c.topo.nodes[i];

		if (!small || n->total_bytes < small->total_bytes)
			small = n;
		if (!big || n->total_bytes > big->total_bytes)
			big = n;
	}
	if (!small || small == big ||
	    big->total_bytes < 3 * small->total_bytes / 2)
		SKIP_TOPO(return, "needs a node 1.5 times as large as another");
	/* small's 3/4 is 1.125 x small; big's 1/4 fits; the sum fits */
	len = small->total_bytes / 2 * 3;
	self->nw[0].node = small->node;
	self->nw[0].weight = 3;
	self->nw[1].node = big->node;
	self->nw[1].weight = 1;
	EXPECT_CREATE(EFBIG, (req.mode = CXLTIER_MODE_SPLIT, req.nr_nodes = 2,
			      req.length = len),
		      " (%llu MiB split 3:1 over nodes %u (%llu MiB) and %u)",
		      (unsigned long long)len / MiB, small->node,
		      (unsigned long long)small->total_bytes / MiB, big->node);
	self->nw[0].weight = 1;
	self->nw[1].weight = 3;
	EXPECT_CREATE(0, (req.mode = CXLTIER_MODE_SPLIT, req.nr_nodes = 2,
			  req.length = len), " (split 1:3)");
}

/* More entries than any policy may name (all readable): -EINVAL. */
TEST_F(create, nr_nodes_over_max)
{
	const __u32 nrs[] = { CXLTIER_MAX_POLICY_NODES + 1,
			      self->c.topo.info.max_policy_nodes + 1,
			      CREATE_MAX_ENTRIES };
	unsigned int i;

	for (i = 0; i < CREATE_MAX_ENTRIES; i++)
		self->nw[i].node =
			self->c.topo.nodes[i % self->c.topo.nr].node;
	for (i = 0; i < ARRAY_SIZE(nrs); i++) {
		EXPECT_CREATE(EINVAL, req.nr_nodes = nrs[i],
			      " (nr_nodes %u)", nrs[i]);
	}
}

TEST_F(create, nodes_null)
{
	EXPECT_CREATE(EFAULT, req.nodes = 0, "");
}

TEST_F(create, nodes_unmapped)
{
	EXPECT_CREATE(EFAULT, req.nodes = (uintptr_t)(self->guard + pgsz),
		      "");
}

/* The entry's first half readable, the rest in an unmapped page. */
TEST_F(create, nodes_straddling)
{
	char *p = self->guard + pgsz - 8;
	__u32 half[2] = { self->n->node, 0 };

	memcpy(p, half, sizeof(half));
	EXPECT_CREATE(EFAULT, req.nodes = (uintptr_t)p, "");
}

/* CXLTIER_MODE_BIND takes no weights. */
TEST_F(create, weight_for_bind)
{
	const __u32 w[] = { 1, 100, 0xffffffffU };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(w); i++) {
		EXPECT_CREATE(EINVAL, self->nw[0].weight = w[i],
			      " (weight %u)", w[i]);
	}
}

TEST_F(create, node_entry_flags)
{
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		EXPECT_CREATE(EINVAL, self->nw[0].flags = 1U << bit,
			      " (entry flags bit %u)", bit);
	}
}

TEST_F(create, node_entry_reserved)
{
	const __u32 v[] = { 1, 0x80000000U, 0xffffffffU };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		EXPECT_CREATE(EINVAL, self->nw[0].__reserved = v[i],
			      " (entry __reserved %#x)", v[i]);
	}
}

/* Page sizes GET_INFO does not list: -EINVAL. */
TEST_F(create, page_shift_unsupported)
{
	uint64_t ok = self->c.topo.info.supported_page_sizes;
	const __u32 big[] = { 64, 255, 0x80000000U, 0xffffffffU };
	unsigned int s, tried = 0;

	for (s = 1; s < 64; s++) {
		if (ok & (1ULL << s))
			continue;
		EXPECT_CREATE(EINVAL, req.page_shift = s, " (page_shift %u)",
			      s);
		tried++;
	}
	for (s = 0; s < ARRAY_SIZE(big); s++) {
		EXPECT_CREATE(EINVAL, req.page_shift = big[s],
			      " (page_shift %#x)", big[s]);
	}
	/* among them 13 and 21, unless GET_INFO lists them */
	ASSERT_LT(0U, tried);
}

/* 0 means PAGE_SHIFT; PAGE_SHIFT itself works; BUF_STAT reports it. */
TEST_F(create, page_shift_base)
{
	const __u32 shifts[] = { 0, pgshift };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(shifts); i++) {
		struct cxltier_create c = self->req;
		struct bstat b;

		c.page_shift = shifts[i];
		ASSERT_OK(xioctl(self->c.dev, CXLTIER_IOC_CREATE, &c));
		ASSERT_OK(buf_stat(c.out_fd, &b));
		EXPECT_EQ(pgshift, b.st.page_shift);
		close(c.out_fd);
	}
}

/* Any larger page size GET_INFO lists is accepted and reported. */
TEST_F(create, page_shift_large)
{
	uint64_t ok = self->c.topo.info.supported_page_sizes;
	unsigned int s, tried = 0;

	for (s = pgshift + 1; s < 64; s++) {
		struct cxltier_create c = self->req;
		struct bstat b;

		if (!(ok & (1ULL << s)))
			continue;
		c.page_shift = s;
		c.length = 3ULL << (s - 1);	/* 1.5 pages */
		if (c.length > self->n->total_bytes / 4)
			continue;
		ASSERT_OK(xioctl(self->c.dev, CXLTIER_IOC_CREATE, &c));
		ASSERT_OK(buf_stat(c.out_fd, &b));
		EXPECT_EQ(s, b.st.page_shift);
		EXPECT_EQ(3ULL << (s - 1), b.st.length);
		close(c.out_fd);
		tried++;
	}
	if (!tried)
		SKIP(return, "no page size above 2^%u supported (%#llx)",
		     pgshift, (unsigned long long)ok);
}

/* The new fd is O_RDWR and close-on-exec. */
TEST_F(create, out_fd_flags)
{
	struct cxltier_create c = self->req;
	int fl;

	ASSERT_OK(xioctl(self->c.dev, CXLTIER_IOC_CREATE, &c));
	ASSERT_LE(0, c.out_fd);
	fl = fcntl(c.out_fd, F_GETFD);
	ASSERT_LE(0, fl);
	EXPECT_TRUE(fl & FD_CLOEXEC);
	fl = fcntl(c.out_fd, F_GETFL);
	ASSERT_LE(0, fl);
	EXPECT_EQ(O_RDWR, fl & O_ACCMODE);
	EXPECT_EQ(0U, c.__reserved2);
	close(c.out_fd);
}

/* Ids are non-zero and unique, also across closed buffers. */
TEST_F(create, out_id_unique)
{
	enum { OPEN = 16, CYCLED = 48 };
	uint64_t ids[OPEN + CYCLED];
	int fds[OPEN];
	unsigned int i, j;

	for (i = 0; i < OPEN + CYCLED; i++) {
		struct cxltier_create c = self->req;
		struct bstat b;

		ASSERT_OK(xioctl(self->c.dev, CXLTIER_IOC_CREATE, &c));
		ids[i] = c.out_id;
		EXPECT_NE(0ULL, c.out_id);
		ASSERT_OK(buf_stat(c.out_fd, &b));
		EXPECT_EQ(c.out_id, b.st.id);
		if (i < OPEN)
			fds[i] = c.out_fd;
		else
			close(c.out_fd);
		for (j = 0; j < i; j++)
			if (ids[j] == ids[i]) {
				TH_LOG("buffer %u got the id %llu of buffer %u",
				       i, (unsigned long long)ids[i], j);
				EXPECT_NE(ids[j], ids[i]);
			}
	}
	for (i = 0; i < OPEN; i++)
		close(fds[i]);
}

/* What BUF_STAT reports for a new buffer. */
TEST_F(create, stat_new_buffer)
{
	struct cxltier_create c = self->req;
	struct cxltier_node_weight pol[2];
	struct cxltier_buf_stat st;

	c.length = 5 * pgsz + 123;
	ASSERT_OK(xioctl(self->c.dev, CXLTIER_IOC_CREATE, &c));

	/* counts only */
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	ASSERT_OK(xioctl(c.out_fd, CXLTIER_IOC_BUF_STAT, &st));
	EXPECT_EQ(c.out_id, st.id);
	EXPECT_EQ(5 * pgsz + 123, st.length);
	EXPECT_EQ((unsigned int)CXLTIER_MODE_BIND, st.mode);
	EXPECT_EQ(pgshift, st.page_shift);
	EXPECT_EQ(0U, st.create_flags);
	EXPECT_EQ(1U, st.nr_policy_nodes);
	EXPECT_EQ(0U, st.nr_resident);
	EXPECT_EQ(0ULL, st.resident_bytes);
	EXPECT_EQ(0ULL, st.spilled_bytes);
	EXPECT_EQ(0U, st.chunk_shift);
	EXPECT_EQ(0U, st.__reserved2);

	/* the policy */
	memset(pol, 0xa5, sizeof(pol));
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.nr_policy_nodes = 2;
	st.policy_nodes = (uintptr_t)pol;
	ASSERT_OK(xioctl(c.out_fd, CXLTIER_IOC_BUF_STAT, &st));
	EXPECT_EQ(1U, st.nr_policy_nodes);
	EXPECT_EQ(self->n->node, pol[0].node);
	EXPECT_EQ(0U, pol[0].weight);
	EXPECT_EQ(0U, pol[0].flags);
	EXPECT_EQ(0U, pol[0].__reserved);
	close(c.out_fd);
}

/* Failed creates leave no fd behind. */
TEST_F(create, failure_leaves_no_fd)
{
	int lowest = lowest_free_fd(), nfds = count_open_fds(), i;

	for (i = 0; i < 8; i++) {
		EXPECT_CREATE(EINVAL, req.length = 0, "");
		EXPECT_CREATE(EFBIG, req.length = ~0ULL, "");
		EXPECT_CREATE(EFAULT, req.nodes = 0, "");
		EXPECT_CREATE(EINVAL, self->nw[0].node = 0xffffffffU, "");
		self->nw[0].node = self->n->node;
	}
	EXPECT_EQ(lowest, lowest_free_fd());
	EXPECT_EQ(nfds, count_open_fds());
}

/* No fd free: -EMFILE. */
TEST_F(create, no_free_fd)
{
	struct rlimit rl;
	int lowest = lowest_free_fd();

	ASSERT_LT(0, lowest);
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = (rlim_t)lowest;	/* fds 0..lowest-1 are all taken */
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	EXPECT_CREATE(EMFILE, (void)0, " (RLIMIT_NOFILE %d)", lowest);
	rl.rlim_cur = rl.rlim_max;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	EXPECT_CREATE(0, (void)0, " (after raising the limit again)");
}

/* A closed buffer fd cannot be queried; a dup keeps the buffer. */
TEST_F(create, stat_after_close)
{
	struct cxltier_create c = self->req;
	struct cxltier_buf_stat st;
	struct bstat b;
	int dupfd;

	ASSERT_OK(xioctl(self->c.dev, CXLTIER_IOC_CREATE, &c));
	dupfd = dup(c.out_fd);
	ASSERT_LE(0, dupfd);
	close(c.out_fd);
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	EXPECT_EQ(-1, ioctl(c.out_fd, CXLTIER_IOC_BUF_STAT, &st));
	EXPECT_EQ(EBADF, errno);
	ASSERT_OK(buf_stat(dupfd, &b));
	EXPECT_EQ(c.out_id, b.st.id);
	close(dupfd);
}
