// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier selftests: the sysfs files of issue 6 ("Seeing and steering").
 * Included by cxltier_test.c after quota_tests.c and migrate_tests.c,
 * whose helpers it uses (qget, qset, qreset_all, preq, mig_ex, spilled);
 * not built on its own.
 *
 *  sysfs.*   the per-node counters (alloc_pages, spill_pages,
 *            migrate_in_pages, migrate_out_pages, fault_failures) and the
 *            module-wide default_policy, default_page_size and
 *            low_free_percent: modes, read-back in canonical form, a table
 *            of bad writes per file (EINVAL, value unchanged), non-root
 *            writers (EACCES at open, EPERM on a root-opened fd), counters
 *            moving by what each scenario does, CXLTIER_CREATE_DEFAULT_POLICY
 *            and default_page_size applied by CREATE.
 *
 * Expected counts come from the scenario (pages the test touches, pages a
 * quota lets through, pages a MIGRATE must move), never from the module's
 * arithmetic.  The fixture puts every tunable and quota back as it found
 * them.
 */
#include "cxltier_test.h"
#include "placement.h"
#include "quota.h"

#include <grp.h>
#include <sys/prctl.h>

/* ======================================================================== */
/* Helpers                                                                  */

static const char *const tune_files[] = {
	"default_policy", "default_page_size", "low_free_percent",
};
static const char *const counter_files[] = {
	"alloc_pages", "spill_pages", "migrate_in_pages", "migrate_out_pages",
	"fault_failures",
};

static void tpath(char *path, size_t len, const char *file)
{
	snprintf(path, len, "%s/%s", CXLTIER_SYSFS_DIR, file);
}

/* A module-wide file's text, newline included; length or -errno. */
static int tread(const char *file, char *buf, size_t len)
{
	char path[256];

	tpath(path, sizeof(path), file);
	return read_text(path, buf, len);
}

/* @len bytes of @text in one write(); 0 or -errno. */
static int twrite_raw(const char *file, const char *text, size_t len)
{
	char path[256];
	ssize_t n;
	int fd, e;

	tpath(path, sizeof(path), file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	e = errno;
	close(fd);
	if (n < 0)
		return -e;
	return n == (ssize_t)len ? 0 : -EIO;
}

static int twrite(const char *file, const char *text)
{
	return twrite_raw(file, text, strlen(text));
}

/* A node's counter; ~1 when it cannot be read or parsed. */
static uint64_t cnt(unsigned int node, const char *file)
{
	return qget(node, file);
}

/* Every counter of every node with memory, by name, for before/after. */
struct counters {
	uint64_t v[TOPO_MAX_NODES][ARRAY_SIZE(counter_files)];
};

static void counters_read(const struct topo *t, struct counters *c)
{
	unsigned int i, k;

	for (i = 0; i < t->nr; i++)
		for (k = 0; k < ARRAY_SIZE(counter_files); k++)
			c->v[t->nodes[i].node][k] =
				cnt(t->nodes[i].node, counter_files[k]);
}

static int counter_index(const char *file)
{
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(counter_files); k++)
		if (!strcmp(file, counter_files[k]))
			return (int)k;
	return -1;
}

/*
 * Every counter moved by exactly what @want lists ("node file delta"
 * triples, ended by a NULL file), every other counter of every node with
 * memory not at all.
 */
struct cdelta {
	unsigned int node;
	const char *file;
	uint64_t delta;
};

#define expect_counters(t, before, want) \
	__expect_counters(_metadata, t, before, want)
static void __expect_counters(struct __test_metadata *_metadata,
			      const struct topo *t,
			      const struct counters *before,
			      const struct cdelta *want)
{
	struct counters after;
	unsigned int i, k, j;

	counters_read(t, &after);
	for (i = 0; i < t->nr; i++) {
		unsigned int n = t->nodes[i].node;

		for (k = 0; k < ARRAY_SIZE(counter_files); k++) {
			uint64_t d = 0;

			for (j = 0; want[j].file; j++)
				if (want[j].node == n &&
				    counter_index(want[j].file) == (int)k)
					d = want[j].delta;
			if (after.v[n][k] - before->v[n][k] != d)
				TH_LOG("node %u %s: %" PRIu64 " -> %" PRIu64
				       ", expected +%" PRIu64, n,
				       counter_files[k], before->v[n][k],
				       after.v[n][k], d);
			EXPECT_EQ(d, after.v[n][k] - before->v[n][k]);
		}
	}
}

/* Touch (write) @np pages of @p; how many could be written. */
static size_t touch_pages(char *p, size_t np)
{
	size_t i;

	for (i = 0; i < np; i++)
		if (probe(p + i * pgsz, true, NULL))
			return i;
	return np;
}

/* The highest possible node id, or -1. */
static int max_possible_node(void)
{
	bool possible[TOPO_MAX_NODES];
	int n, max = -1;

	if (sys_nodes("possible", possible) <= 0)
		return -1;
	for (n = 0; n < TOPO_MAX_NODES; n++)
		if (possible[n])
			max = n;
	return max;
}

/* CREATE with CXLTIER_CREATE_DEFAULT_POLICY and nothing else set. */
static int create_default(int dev, uint64_t len, uint32_t flags,
			  struct cxltier_create *out)
{
	struct cxltier_create c = {
		.size = sizeof(c),
		.flags = CXLTIER_CREATE_DEFAULT_POLICY | flags,
		.length = len,
	};
	int r = xioctl(dev, CXLTIER_IOC_CREATE, &c);

	if (out)
		*out = c;
	return r < 0 ? r : c.out_fd;
}

/* ======================================================================== */
/* sysfs.*                                                                  */

FIXTURE(sysfs) {
	struct ctx c;
	char saved[ARRAY_SIZE(tune_files)][4096];
	bool have_saved;
	const struct cxltier_node_info *x;	/* CXL node */
	const struct cxltier_node_info *d;	/* DRAM node */
};

FIXTURE_SETUP(sysfs)
{
	unsigned int i;
	char path[256];

	ctx_setup(&self->c, "sysfs", NULL);
	self->x = topo_pick(&self->c.topo, NK_CXL, 128 * MiB);
	self->d = topo_pick(&self->c.topo, NK_DRAM, 128 * MiB);
	tpath(path, sizeof(path), "default_policy");
	if (access(path, F_OK))
		SKIP_TOPO(return, "no %s: the module has no defaults", path);
	for (i = 0; i < ARRAY_SIZE(tune_files); i++)
		ASSERT_LT(0, tread(tune_files[i], self->saved[i],
				   sizeof(self->saved[i])));
	self->have_saved = true;
	ASSERT_EQ(0, qreset_all());
}

FIXTURE_TEARDOWN(sysfs)
{
	unsigned int i, bad = 0;

	/* the defaults are global: leave them as every other test expects */
	if (self->have_saved)
		for (i = 0; i < ARRAY_SIZE(tune_files); i++)
			if (twrite(tune_files[i], self->saved[i])) {
				fprintf(stderr, "# cannot restore %s\n",
					tune_files[i]);
				bad++;
			}
	EXPECT_EQ(0U, bad);
	EXPECT_EQ(0, qreset_all());
	ctx_teardown(&self->c);
}

#define NEED_XD(self) do {						\
	if (!(self)->x || !(self)->d)					\
		SKIP_TOPO(return, "needs a CXL and a DRAM node with "	\
			  "128 MiB free");				\
} while (0)

/*
 * The module-wide files are root's and 0644; every possible node has the
 * five counters, root's, 0444, each a decimal number and a newline.  Root
 * cannot open a counter for writing either.  A freshly loaded module reads
 * "none", the base page size and 5.
 */
TEST_F(sysfs, layout)
{
	bool possible[TOPO_MAX_NODES];
	unsigned int n, i, seen = 0;
	char path[256], buf[64], *end;
	struct stat st;

	for (i = 0; i < ARRAY_SIZE(tune_files); i++) {
		tpath(path, sizeof(path), tune_files[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path,
						      strerror(errno));
		EXPECT_EQ(0644U, st.st_mode & 07777) TH_LOG("%s", path);
		EXPECT_EQ(0U, st.st_uid);
		EXPECT_EQ(0U, st.st_gid);
	}
	ASSERT_LT(0, sys_nodes("possible", possible));
	for (n = 0; n < TOPO_MAX_NODES; n++) {
		if (!possible[n])
			continue;
		seen++;
		for (i = 0; i < ARRAY_SIZE(counter_files); i++) {
			snprintf(path, sizeof(path), "%s/node%u/%s",
				 CXLTIER_SYSFS_NODES_DIR, n, counter_files[i]);
			ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path,
							      strerror(errno));
			EXPECT_EQ(0444U, st.st_mode & 07777) TH_LOG("%s", path);
			EXPECT_EQ(0U, st.st_uid);
			ASSERT_LT(0, read_text(path, buf, sizeof(buf)));
			errno = 0;
			(void)strtoull(buf, &end, 10);
			EXPECT_TRUE(buf[0] >= '0' && buf[0] <= '9' && !errno &&
				    !strcmp(end, "\n"))
				TH_LOG("%s: \"%s\"", path, buf);
			EXPECT_ERRNO(EACCES, write_text(path, "0"), " (%s)",
				     path);
		}
	}
	EXPECT_LT(0U, seen);
}

/* What a freshly loaded module reads (the runner loads it once per run). */
TEST_F(sysfs, load_defaults)
{
	char want[32];

	snprintf(want, sizeof(want), "%zu\n", pgsz);
	EXPECT_STREQ("none\n", self->saved[0]);
	EXPECT_STREQ(want, self->saved[1]);
	EXPECT_STREQ("5\n", self->saved[2]);
}

/* Each tunable reads back what was written, in canonical form. */
TEST_F(sysfs, tunables_read_back)
{
	unsigned int a = self->c.topo.nodes[0].node;
	unsigned int b = self->c.topo.nodes[self->c.topo.nr - 1].node;
	struct { const char *file; char in[256], out[256]; } v[24];
	unsigned int nv = 0, i;
	char buf[256];

#define V(f, i_, o_) do {						\
	v[nv].file = f;							\
	snprintf(v[nv].in, sizeof(v[nv].in), "%s", i_);			\
	snprintf(v[nv].out, sizeof(v[nv].out), "%s", o_);		\
	nv++;								\
} while (0)
/* a default_policy written and read back, both formats of nodes a, b */
#define V2(i_, o_) do {							\
	v[nv].file = "default_policy";					\
	snprintf(v[nv].in, sizeof(v[nv].in), i_, a, b);			\
	snprintf(v[nv].out, sizeof(v[nv].out), o_, a, b);		\
	nv++;								\
} while (0)
	ASSERT_LT(1U, self->c.topo.nr) TH_LOG("needs two nodes with memory");
	snprintf(buf, sizeof(buf), "bind:%u", a);
	V("default_policy", buf, strcat(buf, "\n"));
	snprintf(buf, sizeof(buf), "bind:%u,%u\n", b, a);
	V("default_policy", buf, buf);
	snprintf(buf, sizeof(buf), "bind:00%u", a);	/* leading zeros */
	V("default_policy", buf, "");
	snprintf(v[nv - 1].out, sizeof(v[nv - 1].out), "bind:%u\n", a);
	snprintf(buf, sizeof(buf), "preferred:%u,%u", b, a);
	V("default_policy", buf, strcat(buf, "\n"));
	snprintf(buf, sizeof(buf), "interleave:%u,%u", a, b);
	V("default_policy", buf, strcat(buf, "\n"));
	snprintf(buf, sizeof(buf), "weighted:%u=3,%u=1000000", a, b);
	V("default_policy", buf, strcat(buf, "\n"));
	snprintf(buf, sizeof(buf), "split:%u=30%%,%u=70%%\n", a, b);
	V("default_policy", buf, buf);
	snprintf(buf, sizeof(buf), "split:%u=1,%u=2\n", a, b);
	V("default_policy", buf, buf);
	/* plain weights that sum to 100 read back as percentages */
	V2("split:%u=30,%u=70", "split:%u=30%%,%u=70%%\n");
	snprintf(buf, sizeof(buf), "interleave:%u,%u,chunk=64K\n", a, b);
	V("default_policy", buf, buf);
	/* a chunk in bytes, before the nodes: the largest unit, after them */
	V2("weighted:chunk=2097152,%u=3,%u=1", "weighted:%u=3,%u=1,chunk=2M\n");
	snprintf(buf, sizeof(buf), "interleave:%u,chunk=1G", a);
	V("default_policy", buf, strcat(buf, "\n"));
	V("default_policy", "none", "none\n");
	V("default_policy", "none\n", "none\n");
	V("default_page_size", "2097152", "2097152\n");
	snprintf(buf, sizeof(buf), "%zu\n", pgsz);
	V("default_page_size", buf, buf);
	V("low_free_percent", "0", "0\n");
	V("low_free_percent", "100\n", "100\n");
	V("low_free_percent", "007", "7\n");
	V("low_free_percent", "42", "42\n");
#undef V2
#undef V
	for (i = 0; i < nv; i++) {
		EXPECT_EQ(0, twrite(v[i].file, v[i].in))
			TH_LOG("%s <- \"%s\"", v[i].file, v[i].in);
		ASSERT_LT(0, tread(v[i].file, buf, sizeof(buf)));
		EXPECT_STREQ(v[i].out, buf) TH_LOG("%s <- \"%s\"", v[i].file,
						   v[i].in);
	}
}

/*
 * numactl's spelling in the file too: a range is its nodes, a tier name
 * the nodes of that tier with memory (GET_INFO's tiers), resolved at the
 * write; the file reads back node numbers.  Not in split (but a range
 * of one node is that node).
 */
TEST_F(sysfs, default_policy_ranges_and_tiers)
{
	const struct topo *t = &self->c.topo;
	unsigned int a = t->nodes[0].node, b = t->nodes[t->nr - 1].node;
	char in[256], want[512], got[512], poss[256];
	size_t off;
	unsigned int i, n, lo, hi, nposs = 0;
	char *tok, *save = NULL;

	ASSERT_LT(1U, t->nr) TH_LOG("needs two nodes with memory");
	ASSERT_LT(a, b);
	/*
	 * a..b: every node between them, each of which must be possible
	 * (sysfs's own list); a range with an impossible node is refused
	 */
	ASSERT_LT(0, read_text("/sys/devices/system/node/possible", poss,
			       sizeof(poss)));
	off = (size_t)snprintf(want, sizeof(want), "interleave:");
	for (tok = strtok_r(poss, ",\n", &save); tok;
	     tok = strtok_r(NULL, ",\n", &save)) {
		if (sscanf(tok, "%u-%u", &lo, &hi) < 2)
			hi = lo = (unsigned int)strtoul(tok, NULL, 10);
		for (n = lo; n <= hi; n++)
			if (n >= a && n <= b) {
				off += (size_t)snprintf(want + off, sizeof(want) - off,
							"%s%u", want[off - 1] == ':' ? "" : ",", n);
				nposs++;
			}
	}
	snprintf(want + off, sizeof(want) - off, "\n");
	snprintf(in, sizeof(in), "interleave:%u-%u", a, b);
	if (nposs == b - a + 1) {
		ASSERT_EQ(0, twrite("default_policy", in));
		ASSERT_LT(0, tread("default_policy", got, sizeof(got)));
		EXPECT_STREQ(want, got);
	} else {
		EXPECT_ERRNO(EINVAL, twrite("default_policy", in), " (%s: a node not possible)", in);
	}
	/* a range of one node is that node, in split too (as in libtier) */
	snprintf(in, sizeof(in), "split:%u-%u=100%%", a, a);
	snprintf(want, sizeof(want), "split:%u=100%%\n", a);
	ASSERT_EQ(0, twrite("default_policy", in));
	ASSERT_LT(0, tread("default_policy", got, sizeof(got)));
	EXPECT_STREQ(want, got);

	/* weighted:dram=3,cxl=1 and interleave:all, from GET_INFO's table */
	off = (size_t)snprintf(want, sizeof(want), "weighted:");
	for (i = 0; i < t->nr; i++)
		if (t->nodes[i].tier == CXLTIER_TIER_DRAM)
			off += (size_t)snprintf(want + off, sizeof(want) - off, "%u=3,",
						t->nodes[i].node);
	for (i = 0; i < t->nr; i++)
		if (t->nodes[i].tier == CXLTIER_TIER_CXL)
			off += (size_t)snprintf(want + off, sizeof(want) - off, "%u=1,",
						t->nodes[i].node);
	want[off - 1] = '\n';
	if (strstr(want, "=1")) {
		ASSERT_EQ(0, twrite("default_policy", "weighted:dram=3,cxl=1"));
		ASSERT_LT(0, tread("default_policy", got, sizeof(got)));
		EXPECT_STREQ(want, got);
	} else {
		EXPECT_ERRNO(EINVAL, twrite("default_policy", "weighted:dram=3,cxl=1"),
			     " (no CXL node)");
	}
	off = (size_t)snprintf(want, sizeof(want), "interleave:");
	for (i = 0; i < t->nr; i++)
		off += (size_t)snprintf(want + off, sizeof(want) - off, "%u%s",
					t->nodes[i].node, i + 1 < t->nr ? "," : "\n");
	ASSERT_EQ(0, twrite("default_policy", "interleave:all"));
	ASSERT_LT(0, tread("default_policy", got, sizeof(got)));
	EXPECT_STREQ(want, got);

	/* refused, and the file keeps what it had */
	snprintf(in, sizeof(in), "split:%u-%u=50%%", a, b);
	EXPECT_ERRNO(EINVAL, twrite("default_policy", in), " (%s)", in);
	EXPECT_ERRNO(EINVAL, twrite("default_policy", "split:all=100%"), " (split:all)");
	snprintf(in, sizeof(in), "bind:%u-%u", b, a);
	EXPECT_ERRNO(EINVAL, twrite("default_policy", in), " (%s)", in);
	snprintf(in, sizeof(in), "bind:%u,all", a);
	EXPECT_ERRNO(EINVAL, twrite("default_policy", in), " (%s)", in);
	EXPECT_ERRNO(EINVAL, twrite("default_policy", "bind:ALL"), " (ALL)");
	EXPECT_ERRNO(EINVAL, twrite("default_policy", "bind:0-"), " (0-)");
	EXPECT_ERRNO(EINVAL, twrite("default_policy", "bind:0-4294967295"), " (huge)");
	ASSERT_LT(0, tread("default_policy", got, sizeof(got)));
	EXPECT_STREQ(want, got);
	ASSERT_EQ(0, twrite("default_policy", "none"));
}

/*
 * A table of bad values per file: each is EINVAL, and the file reads what
 * it read before.
 */
TEST_F(sysfs, bad_writes_einval)
{
	unsigned int a = self->c.topo.nodes[0].node;
	unsigned int b = self->c.topo.nodes[self->c.topo.nr - 1].node;
	int maxp = max_possible_node();
	static char many[4096], longtext[3000], sixtyfive[1024];
	char bad_pol[80][64], before[256], after[256];
	const char *bad_size[] = {
		"\n", "0", "4095", "8192", "1048576", "1073741824",
		"-4096", "+4096", "4096x", " 4096", "4096 ", "0x1000", "2M",
		"18446744073709551616", "99999999999999999999999", "4096\n\n",
	};
	const char *bad_pct[] = {
		"\n", "101", "1000", "-1", "+5", "abc", "4294967296",
		"4294967301", "5 ", " 5", "5.0", "0x5", "5%", "5\n\n",
	};
	unsigned int nb = 0, i, len;

	ASSERT_LE(0, maxp);
	ASSERT_LT(1U, self->c.topo.nr) TH_LOG("needs two nodes with memory");
#define B(...) snprintf(bad_pol[nb++], sizeof(bad_pol[0]), __VA_ARGS__)
	/* (a zero-length write never reaches the module: not tried) */
	B("%s", "\n");
	B("%s", "bind");
	B("%s", "bind:");
	B("bind::%u", a);
	B(" bind:%u", a);
	B("bind:%u ", a);
	B("bind: %u", a);
	B("BIND:%u", a);
	B("bindx:%u", a);
	B("bind\t%u", a);
	B("bind:%u,", a);
	B("bind:,%u", a);
	B("bind:%u,,%u", a, b);
	B("bind:%u,%u", a, a);			/* named twice */
	B("bind:-%u", a);
	B("bind:+%u", a);
	B("bind:0x%x", a);
	B("bind:4294967296");			/* overflows u32 */
	B("bind:99999999999999999999");		/* overlong number */
	B("bind:1024");				/* MAX_NUMNODES on x86 */
	B("bind:4294967295");
	B("bind:%d", maxp + 1);			/* not a possible node */
	B("bind:%u=1", a);			/* a weight where none belongs */
	B("preferred:%u=1", a);
	B("interleave:%u=0", a);
	B("weighted:%u", a);			/* missing weight */
	B("split:%u=1,%u", a, b);
	B("weighted:%u=0", a);
	B("weighted:%u=1000001", a);
	B("weighted:%u=-1", a);
	B("weighted:%u=1=2", a);
	B("weighted:%u=", a);
	B("split:%u=4294967296", a);
	B("split:%u=0%%,%u=100%%", a, b);	/* a share of 0 */
	B("split:%u=30%%,%u=60%%", a, b);	/* percentages: not 100 */
	B("split:%u=30%%,%u=80%%", a, b);
	B("split:%u=30%%,%u=70", a, b);		/* % and plain mixed */
	B("split:%u=30,%u=70%%", a, b);
	B("split:%u=%%,%u=100%%", a, b);
	B("split:%u=100%%%%", a);
	B("weighted:%u=30%%,%u=70%%", a, b);	/* % in weighted */
	B("bind:%u,chunk=64K", a);		/* chunk: interleave, weighted */
	B("split:%u=1,%u=1,chunk=64K", a, b);
	B("interleave:%u,chunk=64K,chunk=64K", a);
	B("interleave:%u,chunk", a);
	B("interleave:%u,chunk=", a);
	B("interleave:%u,chunk=3K", a);		/* not a power of two */
	B("interleave:%u,chunk=2K", a);		/* below the base page */
	B("interleave:%u,chunk=2G", a);		/* above 1 GiB */
	B("interleave:%u,chunk=64k", a);
	B("interleave:%u,chunk=0", a);
	B("interleave:%u,chunk=4294967296", a);
	B("bind:%u,page=2M", a);		/* a create's options, not ours */
	B("bind:%u,fallback", a);
	B("bind:%u,populate", a);
	B("bind %u", a);			/* the old spelling */
	B("weighted %u:3,%u:1", a, b);
	B("split %u:30,%u:70", a, b);
	B("none\n\n");
	B("none ");
	B("nonex");
	B("none:%u", a);
	B("bind:%u\n\n", a);
#undef B
	ASSERT_GE(ARRAY_SIZE(bad_pol), nb);

	/* a known, non-default value, which every refusal must leave */
	snprintf(before, sizeof(before), "weighted:%u=2,%u=5\n", a, b);
	ASSERT_EQ(0, twrite("default_policy", before));
	for (i = 0; i < nb; i++) {
		EXPECT_ERRNO(EINVAL, twrite("default_policy", bad_pol[i]),
			     " (default_policy \"%s\")", bad_pol[i]);
		ASSERT_LT(0, tread("default_policy", after, sizeof(after)));
		EXPECT_STREQ(before, after) TH_LOG("after \"%s\"", bad_pol[i]);
	}
	/* 65 entries: one over CXLTIER_MAX_POLICY_NODES (and repeats) */
	len = (unsigned int)snprintf(sixtyfive, sizeof(sixtyfive), "bind:%u", a);
	for (i = 1; i < CXLTIER_MAX_POLICY_NODES + 1; i++)
		len += (unsigned int)snprintf(sixtyfive + len,
					      sizeof(sixtyfive) - len, ",%u",
					      i % 2 ? b : a);
	EXPECT_ERRNO(EINVAL, twrite("default_policy", sixtyfive), " (65)");
	/* 3000 bytes: longer than any policy */
	memset(longtext, '0', sizeof(longtext) - 1);
	memcpy(longtext, "bind:", 5);
	EXPECT_ERRNO(EINVAL, twrite("default_policy", longtext), " (3000)");
	/* a page of text */
	memset(many, 'x', sizeof(many) - 1);
	EXPECT_ERRNO(EINVAL, twrite("default_policy", many), " (page)");
	/* a NUL inside: "bind:A\0junk" */
	len = (unsigned int)snprintf(after, sizeof(after), "bind:%u", a);
	memcpy(after + len + 1, "junk", 5);
	EXPECT_ERRNO(EINVAL, twrite_raw("default_policy", after, len + 5),
		     " (NUL inside)");
	ASSERT_LT(0, tread("default_policy", after, sizeof(after)));
	EXPECT_STREQ(before, after);

	ASSERT_EQ(0, twrite("default_page_size", "2097152"));
	for (i = 0; i < ARRAY_SIZE(bad_size); i++) {
		EXPECT_ERRNO(EINVAL, twrite("default_page_size", bad_size[i]),
			     " (default_page_size \"%s\")", bad_size[i]);
		ASSERT_LT(0, tread("default_page_size", after, sizeof(after)));
		EXPECT_STREQ("2097152\n", after) TH_LOG("after \"%s\"",
							 bad_size[i]);
	}
	ASSERT_EQ(0, twrite("low_free_percent", "17"));
	for (i = 0; i < ARRAY_SIZE(bad_pct); i++) {
		EXPECT_ERRNO(EINVAL, twrite("low_free_percent", bad_pct[i]),
			     " (low_free_percent \"%s\")", bad_pct[i]);
		ASSERT_LT(0, tread("low_free_percent", after, sizeof(after)));
		EXPECT_STREQ("17\n", after) TH_LOG("after \"%s\"", bad_pct[i]);
	}
}

/*
 * A user other than root cannot change a tunable: uid/gid 65534 without
 * groups reads every file, gets EACCES opening one for writing, and EPERM
 * writing a valid value to an fd root opened before the switch.  Nothing
 * changes.
 */
TEST_F(sysfs, nonroot_cannot_write)
{
	static const char *const valid[] = { "none", "4096", "50" };
	char path[256], before[ARRAY_SIZE(tune_files)][256], now[256];
	int fds[ARRAY_SIZE(tune_files)];
	unsigned int i;
	pid_t pid;
	int st;

	ASSERT_EQ(ARRAY_SIZE(tune_files), ARRAY_SIZE(valid));
	snprintf(now, sizeof(now), "bind:%u", self->c.topo.nodes[0].node);
	ASSERT_EQ(0, twrite("default_policy", now));
	ASSERT_EQ(0, twrite("low_free_percent", "9"));
	for (i = 0; i < ARRAY_SIZE(tune_files); i++) {
		ASSERT_LT(0, tread(tune_files[i], before[i], sizeof(before[i])));
		tpath(path, sizeof(path), tune_files[i]);
		fds[i] = open(path, O_WRONLY | O_CLOEXEC);
		ASSERT_LE(0, fds[i]);
	}
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		gid_t none[1];
		char buf[256];
		int f;

		if (setgroups(0, none) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(10);
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		for (i = 0; i < ARRAY_SIZE(tune_files); i++) {
			tpath(path, sizeof(path), tune_files[i]);
			if (read_text(path, buf, sizeof(buf)) <= 0 ||
			    strcmp(buf, before[i]))
				_exit(20 + i);
			f = open(path, O_WRONLY | O_CLOEXEC);
			if (f >= 0 || errno != EACCES)
				_exit(30 + i);
			if (write(fds[i], valid[i], strlen(valid[i])) >= 0 ||
			    errno != EPERM)
				_exit(40 + i);
		}
		_exit(0);
	}
	st = wait_child(pid);
	for (i = 0; i < ARRAY_SIZE(tune_files); i++)
		close(fds[i]);
	if (st)
		TH_LOG("child step %d failed (10: setresuid, 2x: read file x, "
		       "3x: open not EACCES, 4x: write not EPERM)", st);
	EXPECT_EQ(0, st);
	for (i = 0; i < ARRAY_SIZE(tune_files); i++) {
		ASSERT_LT(0, tread(tune_files[i], now, sizeof(now)));
		EXPECT_STREQ(before[i], now) TH_LOG("%s", tune_files[i]);
	}
}

/*
 * Touching N pages of a buffer bound to a node: alloc_pages +N there and
 * nothing else anywhere; a populate of M pages: +M; one byte of a 2 MiB
 * page: +512 base pages.
 */
TEST_F_TIMEOUT(sysfs, alloc_pages_counts, 120)
{
	const size_t n = 37, m = 16;
	struct counters before;
	struct preq q;
	char *p;
	int fd;

	NEED_XD(self);
	q = bind1(self->x->node, 64 * pgsz, 0);
	counters_read(&self->c.topo, &before);
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_LE(0, fd);
	p = map_buf(fd, q.length, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(n, touch_pages(p, n));
	/* touching them again allocates nothing */
	ASSERT_EQ(n, touch_pages(p, n));
	expect_counters(&self->c.topo, &before, ((const struct cdelta[]){
		{ self->x->node, "alloc_pages", n }, { 0, NULL, 0 } }));
	munmap(p, q.length);
	close(fd);

	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_POPULATE);
	counters_read(&self->c.topo, &before);
	q.node[0] = self->d->node;
	q.length = m * pgsz;
	q.flags = CXLTIER_CREATE_POPULATE;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_LE(0, fd);
	close(fd);
	expect_counters(&self->c.topo, &before, ((const struct cdelta[]){
		{ self->d->node, "alloc_pages", m }, { 0, NULL, 0 } }));

	NEED_HUGE(&self->c.topo);
	counters_read(&self->c.topo, &before);
	q.node[0] = self->x->node;
	q.length = 2 * HUGE_SZ;
	q.flags = 0;
	q.page_shift = HUGE_SHIFT;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_LE(0, fd);
	p = map_buf(fd, q.length, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, probe(p + HUGE_SZ + 5, true, NULL));
	expect_counters(&self->c.topo, &before, ((const struct cdelta[]){
		{ self->x->node, "alloc_pages", HUGE_SZ / pgsz }, { 0, NULL, 0 } }));
	munmap(p, q.length);
	close(fd);
}

/*
 * preferred [x, d] with x's quota at 4 pages: of 10 pages touched, 4 land
 * on x and 6 spill to d.  spill_pages +6 on x (the home), alloc_pages +4
 * on x and +6 on d, and BUF_STAT says the same 6 pages spilled.
 */
TEST_F_TIMEOUT(sysfs, spill_pages_counts, 120)
{
	struct counters before;
	struct preq q;
	char *p;
	int fd;

	NEED_XD(self);
	NEED_MODE(&self->c.topo, CXLTIER_MODE_PREFERRED);
	memset(&q, 0, sizeof(q));
	q.mode = CXLTIER_MODE_PREFERRED;
	q.n = 2;
	q.node[0] = self->x->node;
	q.node[1] = self->d->node;
	q.length = 16 * pgsz;
	ASSERT_EQ(0, qset(self->x->node, qget(self->x->node, "used_bytes") +
			  4 * pgsz));
	counters_read(&self->c.topo, &before);
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_LE(0, fd);
	p = map_buf(fd, q.length, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(10U, touch_pages(p, 10));
	expect_counters(&self->c.topo, &before, ((const struct cdelta[]){
		{ self->x->node, "alloc_pages", 4 }, { self->x->node, "spill_pages", 6 }, { self->d->node, "alloc_pages", 6 }, { 0, NULL, 0 } }));
	EXPECT_EQ(6 * pgsz, spilled(fd));
	munmap(p, q.length);
	close(fd);
}

/*
 * A MIGRATE of K resident pages from d to x: migrate_out_pages +K on d,
 * migrate_in_pages +K on x, nothing else (MIGRATE allocates its targets,
 * which alloc_pages does not count).
 */
TEST_F_TIMEOUT(sysfs, migrate_counts, 120)
{
	const size_t k = 48;
	struct cxltier_migrate m;
	struct counters before;
	struct preq q, to;
	char *p;
	int fd;

	NEED_XD(self);
	q = bind1(self->d->node, 64 * pgsz, 0);
	to = q;
	to.node[0] = self->x->node;
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_LE(0, fd);
	p = map_buf(fd, q.length, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill_pages(p, 0, k, 77);
	counters_read(&self->c.topo, &before);
	ASSERT_EQ(0, mig_ex(fd, &to, 0, 0, &m));
	EXPECT_EQ((uint64_t)k, m.out_moved_pages);
	expect_counters(&self->c.topo, &before, ((const struct cdelta[]){
		{ self->d->node, "migrate_out_pages", k }, { self->x->node, "migrate_in_pages", k }, { 0, NULL, 0 } }));
	EXPECT_EQ(-1, check_pages(p, 0, k, 77));
	assert_resident(fd, self->x->node, k * pgsz);
	munmap(p, q.length);
	close(fd);
}

/*
 * A fault that can get no page: x's quota full, a buffer bound to x, one
 * touch is SIGBUS and fault_failures +1 on x, nothing allocated; a second
 * touch +1 more.  A populate the quota refuses is ENOSPC and not counted;
 * one that finds the node out of memory is ENOMEM, leaves no fd, charges
 * nothing, and counts once, not per page.
 */
TEST_F_TIMEOUT(sysfs, fault_failures_count, 120)
{
	struct counters before;
	struct preq q, fill;
	long long free_b;
	int fd, ffd, nfds;
	uint64_t used, failures;
	char *p;

	NEED_XD(self);
	q = bind1(self->x->node, 8 * pgsz, 0);
	ASSERT_EQ(0, qset(self->x->node, qget(self->x->node, "used_bytes")));
	counters_read(&self->c.topo, &before);
	fd = preq_create(self->c.dev, &q, NULL);
	ASSERT_LE(0, fd);
	p = map_buf(fd, q.length, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(SIGBUS, probe(p + 3 * pgsz, true, NULL));
	expect_counters(&self->c.topo, &before, ((const struct cdelta[]){
		{ self->x->node, "fault_failures", 1 }, { 0, NULL, 0 } }));
	EXPECT_EQ(SIGBUS, probe(p, false, NULL));
	expect_counters(&self->c.topo, &before, ((const struct cdelta[]){
		{ self->x->node, "fault_failures", 2 }, { 0, NULL, 0 } }));
	munmap(p, q.length);
	close(fd);

	/*
	 * A populate the quota refuses is -ENOSPC at create (it reserves
	 * first): a quota refusal, not a failure to get a page.
	 */
	nfds = count_open_fds();
	q.flags = CXLTIER_CREATE_POPULATE;
	EXPECT_EQ(-ENOSPC, preq_create(self->c.dev, &q, NULL));
	EXPECT_EQ(nfds, count_open_fds());
	expect_counters(&self->c.topo, &before, ((const struct cdelta[]){
		{ self->x->node, "fault_failures", 2 }, { 0, NULL, 0 } }));

	/*
	 * One that finds the node out of memory: x nearly full (a populated
	 * buffer of all but 32 MiB of its free memory), then 128 MiB more:
	 * -ENOMEM, no fd, nothing left charged, counted once.
	 */
	ASSERT_EQ(0, qset(self->x->node, QUOTA_MAX));
	free_b = node_meminfo((int)self->x->node, "MemFree");
	ASSERT_LT((long long)(64 * MiB), free_b);
	fill = bind1(self->x->node,
		     ((uint64_t)free_b - 32 * MiB) & ~(2 * MiB - 1), 0);
	fill.flags = CXLTIER_CREATE_POPULATE;
	ffd = preq_create(self->c.dev, &fill, NULL);
	ASSERT_LE(0, ffd) TH_LOG("populating %" PRIu64 " bytes of node %u",
				 fill.length, self->x->node);
	used = qget(self->x->node, "used_bytes");
	failures = cnt(self->x->node, "fault_failures");
	q = bind1(self->x->node, 128 * MiB, 0);
	q.flags = CXLTIER_CREATE_POPULATE;
	EXPECT_EQ(-ENOMEM, preq_create(self->c.dev, &q, NULL));
	EXPECT_EQ(nfds + 1, count_open_fds());
	EXPECT_EQ(used, qget(self->x->node, "used_bytes"));
	/* the pages it got before the node ran out count in alloc_pages */
	EXPECT_EQ(failures + 1, cnt(self->x->node, "fault_failures"));
	close(ffd);
}

/*
 * CXLTIER_CREATE_DEFAULT_POLICY with "bind:X": the buffer is bound to X
 * (BUF_STAT), its pages land there, and it keeps that policy when the
 * default changes; with "weighted:D=3,X=1" 8 pages are 6 on D and 2 on X;
 * with "interleave:D,X,chunk=64K" the buffer has a 64 KiB chunk.
 */
TEST_F_TIMEOUT(sysfs, default_policy_create, 120)
{
	uint64_t on_d = 0, on_x = 0;
	struct cxltier_create c;
	unsigned int i;
	char text[64];
	struct bstat b;
	char *p;
	int fd, fd2;

	NEED_XD(self);
	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_DEFAULT_POLICY);
	snprintf(text, sizeof(text), "bind:%u", self->x->node);
	ASSERT_EQ(0, twrite("default_policy", text));
	fd = create_default(self->c.dev, 32 * pgsz, 0, &c);
	ASSERT_LE(0, fd);
	p = map_buf(fd, 32 * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(32U, touch_pages(p, 32));
	assert_resident(fd, self->x->node, 32 * pgsz);
	ASSERT_EQ(0, buf_stat(fd, &b));
	EXPECT_EQ((unsigned int)CXLTIER_MODE_BIND, b.st.mode);
	EXPECT_EQ(1U, b.st.nr_policy_nodes);
	EXPECT_EQ(self->x->node, b.pol[0].node);
	EXPECT_EQ(pgshift, b.st.page_shift);
	munmap(p, 32 * pgsz);

	/* a new default: the old buffer keeps its policy */
	snprintf(text, sizeof(text), "weighted:%u=3,%u=1", self->d->node,
		 self->x->node);
	ASSERT_EQ(0, twrite("default_policy", text));
	ASSERT_EQ(0, buf_stat(fd, &b));
	EXPECT_EQ((unsigned int)CXLTIER_MODE_BIND, b.st.mode);
	EXPECT_EQ(self->x->node, b.pol[0].node);
	close(fd);

	fd2 = create_default(self->c.dev, 8 * pgsz, 0, NULL);
	ASSERT_LE(0, fd2);
	p = map_buf(fd2, 8 * pgsz, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(8U, touch_pages(p, 8));
	ASSERT_EQ(0, buf_stat(fd2, &b));
	EXPECT_EQ((unsigned int)CXLTIER_MODE_WEIGHTED, b.st.mode);
	ASSERT_EQ(2U, b.st.nr_policy_nodes);
	EXPECT_EQ(self->d->node, b.pol[0].node);
	EXPECT_EQ(3U, b.pol[0].weight);
	EXPECT_EQ(self->x->node, b.pol[1].node);
	EXPECT_EQ(1U, b.pol[1].weight);
	for (i = 0; i < b.st.nr_resident; i++) {
		if (b.res[i].node == self->d->node)
			on_d = b.res[i].bytes;
		if (b.res[i].node == self->x->node)
			on_x = b.res[i].bytes;
	}
	EXPECT_EQ(6 * pgsz, on_d);
	EXPECT_EQ(2 * pgsz, on_x);
	munmap(p, 8 * pgsz);
	close(fd2);

	snprintf(text, sizeof(text), "interleave:%u,%u,chunk=64K",
		 self->d->node, self->x->node);
	ASSERT_EQ(0, twrite("default_policy", text));
	fd2 = create_default(self->c.dev, 64 * 1024, 0, NULL);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, buf_stat(fd2, &b));
	EXPECT_EQ((unsigned int)CXLTIER_MODE_INTERLEAVE, b.st.mode);
	EXPECT_EQ(2U, b.st.nr_policy_nodes);
	EXPECT_EQ(16U, b.st.chunk_shift);
	close(fd2);
}

/* "none": ENOENT, and no fd is left behind. */
TEST_F(sysfs, default_policy_none_enoent)
{
	int nfds = count_open_fds();

	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_DEFAULT_POLICY);
	ASSERT_EQ(0, twrite("default_policy", "none"));
	EXPECT_ERRNO(ENOENT, create_default(self->c.dev, pgsz, 0, NULL), "");
	EXPECT_EQ(nfds, count_open_fds());
}

/*
 * The default and a policy of one's own: EINVAL for each of mode,
 * nr_nodes, nodes and chunk_shift non-zero, with a default set (so it is
 * not the ENOENT of "none").
 */
TEST_F(sysfs, default_policy_with_policy_einval)
{
	struct cxltier_node_weight nw = { .node = self->c.topo.nodes[0].node };
	unsigned int i;
	char text[64];

	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_DEFAULT_POLICY);
	snprintf(text, sizeof(text), "interleave:%u", nw.node);
	ASSERT_EQ(0, twrite("default_policy", text));
	for (i = 0; i < 4; i++) {
		struct cxltier_create c = {
			.size = sizeof(c),
			.flags = CXLTIER_CREATE_DEFAULT_POLICY,
			.length = pgsz,
		};

		if (i == 0)
			c.mode = CXLTIER_MODE_INTERLEAVE;
		if (i == 1)
			c.nr_nodes = 1;
		if (i == 2)
			c.nodes = (uintptr_t)&nw;
		if (i == 3)
			c.chunk_shift = pgshift;
		EXPECT_ERRNO(EINVAL, xioctl(self->c.dev, CXLTIER_IOC_CREATE,
					    &c), " (field %u)", i);
	}
	/* and the same create without the extra field works */
	i = (unsigned int)create_default(self->c.dev, pgsz, 0, NULL);
	EXPECT_LE(0, (int)i);
	if ((int)i >= 0)
		close((int)i);
}

/*
 * A default naming a possible node without memory is accepted by the file
 * (its memory may come later) and refused by the create: ENODEV.
 */
TEST_F(sysfs, default_policy_node_without_memory_enodev)
{
	bool possible[TOPO_MAX_NODES];
	int n, empty = -1;
	char text[64];

	NEED_FLAG(&self->c.topo, CXLTIER_CREATE_DEFAULT_POLICY);
	ASSERT_LT(0, sys_nodes("possible", possible));
	for (n = 0; n < TOPO_MAX_NODES && empty < 0; n++)
		if (possible[n] && !topo_find(&self->c.topo, (unsigned int)n))
			empty = n;
	if (empty < 0)
		SKIP(return, "every possible node has memory");
	snprintf(text, sizeof(text), "preferred:%d", empty);
	ASSERT_EQ(0, twrite("default_policy", text));
	EXPECT_ERRNO(ENODEV, create_default(self->c.dev, pgsz, 0, NULL), "");
}

/*
 * default_page_size 2097152: a create with page_shift 0 makes 2 MiB pages
 * (BUF_STAT page_shift 21, one touch allocates 512 base pages); an explicit
 * page_shift still wins.  Back to the base page: page_shift 0 is that again.
 */
TEST_F_TIMEOUT(sysfs, default_page_size_applies, 120)
{
	struct counters before;
	struct bstat b;
	char *p;
	int fd;

	NEED_XD(self);
	NEED_HUGE(&self->c.topo);
	ASSERT_EQ(0, twrite("default_page_size", "2097152"));
	counters_read(&self->c.topo, &before);
	fd = buf_create_ex(self->c.dev, 2 * HUGE_SZ, self->x->node, 0, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, buf_stat(fd, &b));
	EXPECT_EQ((unsigned int)HUGE_SHIFT, b.st.page_shift);
	p = map_buf(fd, 2 * HUGE_SZ, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, probe(p + 7, true, NULL));
	expect_counters(&self->c.topo, &before, ((const struct cdelta[]){
		{ self->x->node, "alloc_pages", HUGE_SZ / pgsz }, { 0, NULL, 0 } }));
	munmap(p, 2 * HUGE_SZ);
	close(fd);

	fd = buf_create_ex(self->c.dev, pgsz, self->x->node, pgshift, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, buf_stat(fd, &b));
	EXPECT_EQ(pgshift, b.st.page_shift);
	close(fd);

	ASSERT_EQ(0, twrite("default_page_size", "4096"));
	fd = buf_create_ex(self->c.dev, pgsz, self->x->node, 0, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, buf_stat(fd, &b));
	EXPECT_EQ(pgshift, b.st.page_shift);
	close(fd);
}
