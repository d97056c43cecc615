// SPDX-License-Identifier: GPL-2.0-only
/* What tierctl's benchmarks share (see bench.h). */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/mempolicy.h>

#include "bench.h"
#include "progress.h"
#include "table.h"
#include "tierctl.h"
#include "util.h"


double bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), dbl_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_progress(bool on, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	/* the progress line is progress.c's: shown on a terminal only */
	if (!on || !tc_progress_on() || !strcmp(fmt, "\n"))
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	tc_progress_append("%s", text);
}

uint64_t bench_xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The selected word of a sysfs "a [b] c" file, or "?". */
static void read_bracketed(const char *path, char *out, size_t len)
{
	char line[256], *a, *z;
	FILE *f = fopen(path, "r");

	snprintf(out, len, "?");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && (a = strchr(line, '[')) &&
	    (z = strchr(a, ']'))) {
		*z = '\0';
		snprintf(out, len, "%s", a + 1);
	}
	fclose(f);
}

int bench_parse_runs(const struct tc_cmd *cmd, const char *arg, uint64_t *runs)
{
	if (parse_uint(arg, BENCH_MAX_RUNS, runs) || !*runs) {
		tc_errorf(cmd, "--runs %s: a number from 1 to %d", arg,
			  BENCH_MAX_RUNS);
		return 1;
	}
	return 0;
}

int bench_parse_size(const struct tc_cmd *cmd, const char *opt,
		     const char *arg, uint64_t *size)
{
	int err = tier_size_parse(arg, size);

	if (err || *size < BENCH_HUGE_SIZE || *size % BENCH_HUGE_SIZE ||
	    *size > SIZE_MAX / 2) {
		tc_errorf(cmd, "%s %s: %s", opt, arg, err == -EINVAL ?
			  "not a size (e.g. 64M, 1G)" :
			  "must be a multiple of 2M, at least 2M");
		return 1;
	}
	return 0;
}

uint64_t bench_fit_size(uint64_t want, uint64_t free_bytes)
{
	uint64_t keep = free_bytes / 8 > (64ULL << 20) ? free_bytes / 8 :
			64ULL << 20;
	uint64_t room = free_bytes > keep ? free_bytes - keep : 0;

	while (want > BENCH_HUGE_SIZE && want > room)
		want /= 2;
	return want;
}

void bench_read_env(struct bench_env *e)
{
	struct utsname u;
	time_t t = time(NULL);
	struct tm tm;

	snprintf(e->kernel, sizeof(e->kernel), "%s", uname(&u) ? "?" : u.release);
	read_bracketed("/sys/kernel/mm/transparent_hugepage/enabled", e->thp,
		       sizeof(e->thp));
	read_bracketed("/sys/kernel/mm/transparent_hugepage/shmem_enabled",
		       e->thp_shmem, sizeof(e->thp_shmem));
	e->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (gmtime_r(&t, &tm))
		strftime(e->date, sizeof(e->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	else
		snprintf(e->date, sizeof(e->date), "?");
}

/* ------------------------------------------------------------------------ */
/* The prologue of fault, alloc and migrate                                  */

void bench_end_line(struct bench *b)
{
	if (b->line_open)
		bench_step(b, "\n");
	b->line_open = false;
}

int bench_common_option(struct bench *b, int c, char **argv)
{
	switch (c) {
	case BENCH_OPT_RUNS:
		return bench_parse_runs(b->cmd, optarg, &b->runs) ? 1 : -1;
	case BENCH_OPT_JSON:
		b->json = true;
		tc_set_json(true);
		return -1;
	case BENCH_OPT_QUIET:
		b->quiet = true;
		tc_set_quiet(true);
		return -1;
	}
	return c < BENCH_OPT_OWN ? tc_other_option(b->cmd, argv, c) : -2;
}

/* The options: -1 when the benchmark goes on, else the exit status. */
static int bench_options(struct bench *b, const struct bench_def *def,
			 int argc, char **argv, void *priv)
{
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", def->opts, NULL)) != -1) {
		ret = bench_common_option(b, c, argv);
		if (ret == -2)
			ret = def->option(b, c, priv) ?: -1;
		if (ret >= 0)
			return ret;
	}
	return tc_extra_args(b->cmd, argc, argv) ? 1 : -1;
}

int bench_main(const struct tc_cmd *cmd, const struct bench_def *def,
	       int argc, char **argv, void *priv)
{
	struct bench b = {
		.cmd = cmd, .name = def->name, .runs = BENCH_DEFAULT_RUNS,
	};
	char what[64];
	unsigned int run, first;
	int ret;

	ret = bench_options(&b, def, argc, argv, priv);
	if (ret >= 0)
		return ret;
	if (tc_open(cmd, &b.ctx))
		return 1;
	b.module = tier_backend(b.ctx) == TIER_BACKEND_MODULE;
	b.page = (size_t)sysconf(_SC_PAGESIZE);
	bench_read_env(&b.env);
	ret = def->setup(&b, priv);
	if (ret)
		goto out;
	/* every workload once per run, so that drift hits them alike */
	snprintf(what, sizeof(what), "tierctl bench %s", def->name);
	first = def->warm_up ? 0 : 1;
	tc_progress_begin(what, (double)(b.runs + 1 - first), b.quiet);
	for (run = first; run <= b.runs; run++) {
		b.line_open = true;
		tc_progress_at((double)(run - first));
		if (run)
			tc_progress_note("run %u/%u:", run, (unsigned int)b.runs);
		else
			tc_progress_note("warm-up:");
		ret = def->run(&b, run, priv) ? 1 : 0;
		bench_end_line(&b);
		if (ret)
			goto out;
	}
	tc_progress_end();
	ret = def->report(&b, priv);
out:
	tc_progress_end();
	if (def->cleanup)
		def->cleanup(&b, priv);
	tier_close(b.ctx);
	return ret;
}

uint32_t bench_first_cpu_node(struct tier_ctx *ctx)
{
	struct tier_node tn;
	uint32_t node = 0;
	int i;

	for (i = 0; i < tier_nr_nodes(ctx); i++) {
		if (tier_node(ctx, i, &tn))
			continue;
		if (i == 0 || (tn.flags & CXLTIER_NODE_HAS_CPUS)) {
			node = tn.node;
			if (tn.flags & CXLTIER_NODE_HAS_CPUS)
				break;
		}
	}
	return node;
}

const char *bench_skip_reason(const struct bench *b, char *msg, size_t len)
{
	int merr = tier_module_error(b->ctx);

	if (b->module)
		return NULL;
	snprintf(msg, len, "the backend is mbind, not the cxltier module%s%s",
		 merr ? ": " CXLTIER_DEVICE_PATH ": " : "",
		 merr ? strerror(-merr) : "");
	fprintf(stderr, "tierctl bench: cxltier rows skipped: %s\n", msg);
	return msg;
}

void bench_json_open(struct json *j, const struct bench *b)
{
	json_init(j, stdout);
	json_obj_open(j, NULL);
	tc_json_backend(j, b->ctx);
	json_str(j, "bench", b->name);
}

void bench_json_env(struct json *j, const struct bench *b)
{
	json_str(j, "kernel", b->env.kernel);
	json_i64(j, "cpus", b->env.cpus);
}

/* ------------------------------------------------------------------------ */
/* Timed workloads                                                            */

struct stats {
	double med_ms, min_ms, max_ms;
	double med_gbps, min_gbps, max_gbps;
};

/* GB/s are 10^9 bytes per second; the median of the runs' own rates. */
static void row_stats(const struct bench_row *r, struct stats *s)
{
	double ms[BENCH_MAX_RUNS], gbps[BENCH_MAX_RUNS];
	unsigned int i;

	for (i = 0; i < r->n; i++) {
		ms[i] = r->ms[i];
		gbps[i] = r->ms[i] > 0 ? (double)r->bytes / (r->ms[i] * 1e6) : NAN;
	}
	s->med_ms = bench_median(ms, r->n);
	s->min_ms = ms[0];
	s->max_ms = ms[r->n - 1];
	s->med_gbps = bench_median(gbps, r->n);
	s->min_gbps = gbps[0];
	s->max_gbps = gbps[r->n - 1];
}

/* Row @i is another row's baseline. */
static bool is_baseline(const struct bench_row *rows, unsigned int nr,
			unsigned int i)
{
	unsigned int k;

	for (k = 0; k < nr; k++)
		if (rows[k].baseline == (int)i)
			return true;
	return false;
}

void bench_print_rows(const struct bench_row *rows, unsigned int nr,
		      const char *group, const char *vs)
{
	const char *hdr[] = {
		"WORKLOAD", "GB/s MEDIAN", "MIN", "MAX", "ms MEDIAN", "MIN", "MAX",
		vs,
	};
	struct stats s, base;
	struct table t;
	unsigned int i;

	table_init(&t, 8, hdr, 0xfe);
	for (i = 0; i < nr; i++) {
		const struct bench_row *r = &rows[i];

		if (!r->n || (group && strcmp(r->group, group)))
			continue;
		row_stats(r, &s);
		table_add(&t, "%s", r->label);
		table_add(&t, "%.2f", s.med_gbps);
		table_add(&t, "%.2f", s.min_gbps);
		table_add(&t, "%.2f", s.max_gbps);
		table_add(&t, "%.1f", s.med_ms);
		table_add(&t, "%.1f", s.min_ms);
		table_add(&t, "%.1f", s.max_ms);
		if (r->baseline >= 0 && rows[r->baseline].n) {
			row_stats(&rows[r->baseline], &base);
			table_add(&t, "%.2fx", s.med_gbps / base.med_gbps);
		} else {
			table_add(&t, "%s", is_baseline(rows, nr, i) ?
				  "1.00x (base)" : "-");
		}
	}
	table_print(&t, stdout);
	table_free(&t);
}

void bench_json_rows(struct json *j, const struct bench_row *rows,
		     unsigned int nr)
{
	struct stats s, base;
	unsigned int i, k;

	json_arr_open(j, "results");
	for (i = 0; i < nr; i++) {
		const struct bench_row *r = &rows[i];

		if (!r->n)
			continue;
		row_stats(r, &s);
		json_obj_open(j, NULL);
		json_str(j, "name", r->name);
		if (r->group)
			json_str(j, "group", r->group);
		json_u64(j, "bytes", r->bytes);
		json_arr_open(j, "ms");
		for (k = 0; k < r->n; k++)
			json_f64(j, NULL, r->ms[k]);
		json_arr_close(j);
		json_f64(j, "median_ms", s.med_ms);
		json_f64(j, "min_ms", s.min_ms);
		json_f64(j, "max_ms", s.max_ms);
		json_f64(j, "median_gbps", s.med_gbps);
		json_f64(j, "min_gbps", s.min_gbps);
		json_f64(j, "max_gbps", s.max_gbps);
		if (r->baseline >= 0 && rows[r->baseline].n) {
			row_stats(&rows[r->baseline], &base);
			json_str(j, "baseline", rows[r->baseline].name);
			json_f64(j, "ratio", s.med_gbps / base.med_gbps);
		} else {
			json_null(j, "baseline");
			json_null(j, "ratio");
		}
		json_obj_close(j);
	}
	json_arr_close(j);
}

/* ------------------------------------------------------------------------ */
/* Buffers on b->node                                                         */

int bench_check_buf(const struct tc_cmd *cmd, struct tier_buf *buf,
		    uint32_t node, const char *what)
{
	struct tier_buf_stat st;
	int err = tier_buf_stat(buf, &st);

	if (err) {
		tc_error(cmd, "stat buffer", err);
		return -1;
	}
	if (st.resident_bytes != st.map_length || st.nr_resident != 1 ||
	    st.resident[0].node != node) {
		tc_errorf(cmd, "%s: placement: %llu of %llu bytes resident, %u nodes, first %u; expected all on node %u",
			  what, (unsigned long long)st.resident_bytes,
			  (unsigned long long)st.map_length, st.nr_resident,
			  st.nr_resident ? st.resident[0].node : 0, node);
		return -1;
	}
	return 0;
}

int bench_create_buf(struct bench *b, uint64_t len, unsigned int page_shift,
		     uint32_t flags, struct tier_buf **buf, const char *what)
{
	struct tier_policy p;
	char msg[128];
	int err;

	memset(&p, 0, sizeof(p));
	p.mode = CXLTIER_MODE_BIND;
	p.flags = flags;
	p.page_shift = page_shift;
	p.nr_nodes = 1;
	p.nodes[0].node = b->node;
	err = tier_buf_create(b->ctx, (size_t)len, &p, buf);
	if (err) {
		snprintf(msg, sizeof(msg), "%s on node %u: create", what, b->node);
		tc_error(b->cmd, msg, err);
		return -1;
	}
	return 0;
}

char *bench_anon_map(struct bench *b, size_t len, bool thp)
{
	unsigned long mask[BENCH_NODE_LIMIT / (8 * sizeof(unsigned long))];
	size_t pad = thp ? BENCH_HUGE_SIZE : 0, head;
	char *p;

	p = mmap(NULL, len + pad, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		tc_error(b->cmd, "anonymous mmap", -errno);
		return NULL;
	}
	if (thp) {
		/* keep the 2 MiB-aligned @len in the middle */
		head = -(uintptr_t)p & (BENCH_HUGE_SIZE - 1);
		if (head)
			munmap(p, head);
		if (pad - head)
			munmap(p + head + len, pad - head);
		p += head;
		if (madvise(p, len, MADV_HUGEPAGE)) {
			tc_error(b->cmd, "madvise(MADV_HUGEPAGE) of the anonymous mapping",
				 -errno);
			munmap(p, len);
			return NULL;
		}
	} else {
		/* the baseline is 4 KiB faults, whatever the THP setting */
		(void)madvise(p, len, MADV_NOHUGEPAGE);
	}
	memset(mask, 0, sizeof(mask));
	mask[b->node / (8 * sizeof(unsigned long))] |=
		1UL << (b->node % (8 * sizeof(unsigned long)));
	if (syscall(SYS_mbind, p, len, MPOL_BIND, mask, BENCH_NODE_LIMIT + 1, 0)) {
		tc_error(b->cmd, "mbind(MPOL_BIND) of the anonymous mapping", -errno);
		munmap(p, len);
		return NULL;
	}
	return p;
}

int bench_anon_check(struct bench *b, char *p, size_t len, const char *what)
{
	enum { BATCH = 1024 };
	void *pages[BATCH];
	int status[BATCH];
	size_t off = 0;
	unsigned int i, n;

	while (off < len) {
		for (n = 0; n < BATCH && off < len; n++, off += b->page)
			pages[n] = p + off;
		if (syscall(SYS_move_pages, 0, n, pages, NULL, status, 0) < 0) {
			tc_error(b->cmd, "move_pages", -errno);
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (status[i] != (int)b->node) {
				tc_errorf(b->cmd, "%s: placement: page at offset %zu is on %s %d, expected node %u",
					  what, (size_t)((char *)pages[i] - p),
					  status[i] < 0 ? "error" : "node",
					  status[i] < 0 ? -status[i] : status[i],
					  b->node);
				return -1;
			}
		}
	}
	return 0;
}
