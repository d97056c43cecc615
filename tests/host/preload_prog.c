// SPDX-License-Identifier: GPL-2.0-only
/*
 * preload_prog: run under "tierctl run --policy bind:NODE --threshold T"
 * (tests/host/preload_test.sh does), checks that transparent mode moves its
 * large allocations onto NODE and leaves small ones alone.  TAP output.
 *
 *   preload_prog NODE THRESHOLD
 *
 * Where a page is comes from the kernel, twice: /proc/self/pagemap (the
 * page frame, root only) with the memory block's node in sysfs, else
 * move_pages(2); and the preload library's residency query (BUF_STAT or
 * move_pages underneath).  Ownership comes from the library's
 * tier_preload_owns(), looked up with dlsym: the program itself is linked
 * to nothing of libtier.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

struct node_bytes {
	uint32_t node;
	uint32_t reserved;
	uint64_t bytes;
};

static int (*owns)(const void *);
static int (*residency)(const void *, struct node_bytes *, unsigned int,
			uint32_t *);
static unsigned int node;
static size_t threshold, pg;
static int failed, count;

static void ok(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		failed++;
}

/* The node of the memory block holding physical address @phys, or -1. */
static int node_of_phys(uint64_t phys)
{
	static uint64_t block;
	char path[128];
	struct dirent *d;
	DIR *dir;
	int n = -1;

	if (!block) {
		FILE *f = fopen("/sys/devices/system/memory/block_size_bytes", "r");

		if (!f || fscanf(f, "%lx", &block) != 1)
			block = 0;
		if (f)
			fclose(f);
		if (!block)
			return -1;
	}
	snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%llu",
		 (unsigned long long)(phys / block));
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (!strncmp(d->d_name, "node", 4) && d->d_name[4] >= '0' &&
		    d->d_name[4] <= '9')
			n = atoi(d->d_name + 4);
	closedir(dir);
	return n;
}

/* The node of the page at @addr (touched), by pagemap or move_pages; -1. */
static int node_of(void *addr)
{
	uint64_t e = 0;
	int fd, status = -1;
	void *page = (void *)((uintptr_t)addr & ~(uintptr_t)(pg - 1));

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd >= 0) {
		if (pread(fd, &e, 8, (off_t)((uintptr_t)page / pg * 8)) != 8)
			e = 0;
		close(fd);
		if ((e >> 63) & 1 && (e & ((1ULL << 55) - 1)))
			return node_of_phys((e & ((1ULL << 55) - 1)) * pg);
	}
	if (syscall(SYS_move_pages, 0, 1UL, &page, NULL, &status, 0) == 0 &&
	    status >= 0)
		return status;
	return -1;
}

/* Every page of [p, p + n) on the node; -1 when no page could be asked. */
static int all_on_node(char *p, size_t n, int *unknown)
{
	size_t off;
	int nd;

	*unknown = 0;
	for (off = 0; off < n; off += pg) {
		nd = node_of(p + off);
		if (nd < 0) {
			(*unknown)++;
			continue;
		}
		if ((unsigned int)nd != node) {
			printf("# page at offset %zu on node %d, not %u\n", off, nd, node);
			return 0;
		}
	}
	return 1;
}

static void check_large(char *p, size_t n, const char *what)
{
	struct node_bytes r[8];
	uint32_t flags = 0;
	int unknown, k, on;

	ok(owns(p), "%s: %zu bytes come from cxltier", what, n);
	if (!owns(p))
		return;
	memset(p, 0x5a, n);
	on = all_on_node(p, n, &unknown);
	/* a page neither source can place fails: no check is no pass */
	ok(on && !unknown, "%s: every page on node %u (kernel: pagemap or move_pages; %d of %zu pages not visible to either)",
	   what, node, unknown, (n + pg - 1) / pg);
	k = residency(p, r, 8, &flags);
	ok(k == 1 && r[0].node == node && r[0].bytes >= n,
	   "%s: residency query: %d node(s), first node %u, %llu bytes", what,
	   k, k > 0 ? r[0].node : 0, k > 0 ? (unsigned long long)r[0].bytes : 0ULL);
}

static void *threads_body(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg, i;
	int bad = 0;

	for (i = 0; i < 300; i++) {
		size_t n = (rand_r(&seed) % 4) ? 16 + rand_r(&seed) % 4096 :
			   threshold + rand_r(&seed) % (3 << 20);
		unsigned char *p = malloc(n), v = (unsigned char)i;
		size_t k;

		if (!p)
			return (void *)1;
		memset(p, v, n);
		if ((n >= threshold) != !!owns(p))
			bad = 1;
		for (k = 0; k < n; k += 97)
			if (p[k] != v)
				bad = 1;
		free(p);
	}
	return (void *)(uintptr_t)bad;
}

int main(int argc, char **argv)
{
	char *big, *small, *mid, *c, *r, *a = NULL;
	size_t i;
	void *m;
	int zero, same, st;
	pthread_t t[4];
	pid_t pid;

	if (argc != 3) {
		fprintf(stderr, "usage: preload_prog NODE THRESHOLD\n");
		return 2;
	}
	node = (unsigned int)atoi(argv[1]);
	threshold = (size_t)strtoull(argv[2], NULL, 0);
	pg = (size_t)sysconf(_SC_PAGESIZE);
	owns = (int (*)(const void *))dlsym(RTLD_DEFAULT, "tier_preload_owns");
	residency = (int (*)(const void *, struct node_bytes *, unsigned int,
			     uint32_t *))dlsym(RTLD_DEFAULT, "tier_preload_residency");
	printf("TAP version 13\n");
	if (!owns || !residency) {
		printf("1..1\nnot ok 1 - libtier-preload.so is not loaded (run under tierctl run)\n");
		return 1;
	}

	/* large ones move, small ones stay */
	big = malloc(8 << 20);
	check_large(big, 8 << 20, "malloc(8M)");
	small = malloc(100);
	ok(small && !owns(small), "malloc(100) left to malloc");
	mid = malloc(threshold - 1);
	ok(mid && !owns(mid), "malloc(threshold - 1) left to malloc");
	m = malloc(threshold);
	ok(m && owns(m), "malloc(threshold) from cxltier");
	ok(malloc_usable_size(m) >= threshold, "malloc_usable_size of a cxltier block: %zu",
	   malloc_usable_size(m));
	free(m);

	/* calloc: zeroed, and a fresh block is not touched to zero it */
	c = calloc(3, 2 << 20);
	for (zero = 1, i = 0; c && i < (size_t)(6 << 20); i += 511)
		zero &= !c[i];
	ok(c && zero, "calloc(3, 2M) is zero");
	check_large(c, 6 << 20, "calloc(3, 2M)");
	{
		volatile size_t huge = SIZE_MAX / 2;	/* no compile-time verdict */

		ok(calloc(huge, 3) == NULL && errno == ENOMEM, "calloc overflow: ENOMEM");
	}

	/* realloc across the threshold, both ways, contents kept */
	r = malloc(1000);
	memset(r, 7, 1000);
	r = realloc(r, threshold + 4096);
	for (same = 1, i = 0; i < 1000; i++)
		same &= r[i] == 7;
	ok(r && owns(r) && same, "realloc small -> large: moved to cxltier, contents kept");
	memset(r, 9, threshold + 4096);
	r = realloc(r, 3 * threshold + 5);
	for (same = 1, i = 0; i < threshold + 4096; i++)
		same &= r[i] == 9;
	ok(r && owns(r) && same, "realloc large -> larger: contents kept");
	r = realloc(r, 200);
	for (same = 1, i = 0; i < 200; i++)
		same &= r[i] == 9;
	ok(r && !owns(r) && same, "realloc large -> small: back to malloc, contents kept");
	free(r);
	r = reallocarray(NULL, 4, threshold);
	ok(r && owns(r), "reallocarray(NULL, 4, threshold) from cxltier");
	free(r);

	/* the aligned ones */
	ok(posix_memalign((void **)&a, 1 << 16, threshold) == 0 && owns(a) &&
	   !((uintptr_t)a & 0xffff), "posix_memalign(64K, threshold): aligned, cxltier");
	free(a);
	ok(posix_memalign((void **)&a, 3, threshold) == EINVAL, "posix_memalign(3): EINVAL");
	a = aligned_alloc(1 << 22, 2 * threshold);
	ok(a && owns(a) && !((uintptr_t)a & ((1 << 22) - 1)), "aligned_alloc(4M, 2 threshold): aligned, cxltier");
	free(a);
	a = memalign(4096, threshold);
	ok(a && owns(a) && !((uintptr_t)a & 4095), "memalign(4096, threshold)");
	free(a);
	a = valloc(threshold);
	ok(a && owns(a) && !((uintptr_t)a & (pg - 1)), "valloc(threshold)");
	free(a);
	a = memalign(64, 64);
	ok(a && !owns(a) && !((uintptr_t)a & 63), "memalign(64, 64) left to malloc");
	free(a);

	/* threads mixing both, freeing their own */
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, threads_body, (void *)(uintptr_t)(i + 1));
	for (same = 0, i = 0; i < 4; i++) {
		void *ret;

		pthread_join(t[i], &ret);
		same |= ret != NULL;
	}
	ok(!same, "4 threads, 1200 mixed allocations: routed by size, contents kept");

	/*
	 * fork: the child must not get the parent's cached objects (the arena
	 * memory is shared with the parent)
	 */
	m = malloc(threshold);
	free(m);			/* cached by this thread */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *y = malloc(threshold), *z;

		memset(y, 'C', threshold);
		z = malloc(threshold);
		memset(z, 'C', threshold);
		free(z);
		_exit(y == m ? 3 : owns(y) ? 0 : 4);
	}
	a = malloc(threshold);
	memset(a, 'P', threshold);
	waitpid(pid, &st, 0);
	for (same = 1, i = 0; i < threshold; i++)
		same &= a[i] == 'P';
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && same,
	   "fork: the child allocates apart from the parent (child status %d), parent's data intact",
	   WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	free(a);

	free(big);
	free(c);
	free(small);
	free(mid);
	free(NULL);
	printf("1..%d\n", count);
	printf("# preload: %d passed, %d failed\n", count - failed, failed);
	return failed ? 1 : 0;
}
