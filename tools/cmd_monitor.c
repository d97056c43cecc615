// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl monitor: the module's events as they come, one line each, from
 * the "events" multicast group of the cxltier generic netlink family.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "json.h"
#include "tierctl.h"
#include "util.h"

struct mon {
	bool json;
	uint64_t count;		/* stop after this many events; 0: never */
	uint64_t seen;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* UTC, ISO 8601, milliseconds: 2026-11-26T12:00:00.123Z */
static void timestamp(char *s, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(s, len, "%Y-%m-%dT%H:%M:%S", &tm);

	snprintf(s + n, len - n, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
}

/* One event field: "key=value" in text, "key": value in JSON. */
struct field {
	unsigned int attr;	/* CXLTIER_NL_A_* that carries it */
	const char *key;
	int kind;		/* 0: u64, 1: s32 errno, 2: string */
};

static const struct field fields[] = {
	{ CXLTIER_NL_A_BUF_ID,			"buffer", 0 },
	{ CXLTIER_NL_A_BUF_PID,			"pid", 0 },
	{ CXLTIER_NL_A_BUF_UID,			"uid", 0 },
	{ CXLTIER_NL_A_NODE_ID,			"node", 0 },
	{ CXLTIER_NL_A_EVENT_TO_NODE,		"to_node", 0 },
	{ CXLTIER_NL_A_EVENT_BYTES,		"bytes", 0 },
	{ CXLTIER_NL_A_NODE_QUOTA_BYTES,	"quota_bytes", 0 },
	{ CXLTIER_NL_A_NODE_FREE_BYTES,		"free_bytes", 0 },
	{ CXLTIER_NL_A_NODE_TOTAL_BYTES,	"total_bytes", 0 },
	{ CXLTIER_NL_A_EVENT_THRESHOLD_BYTES,	"threshold_bytes", 0 },
	{ CXLTIER_NL_A_BUF_MIGRATE_SEQ,		"seq", 0 },
	{ CXLTIER_NL_A_BUF_MIGRATE_MOVED_BYTES,	"moved_bytes", 0 },
	{ CXLTIER_NL_A_BUF_MIGRATE_SKIPPED_BYTES, "skipped_bytes", 0 },
	{ CXLTIER_NL_A_BUF_MIGRATE_FAILED_BYTES, "failed_bytes", 0 },
	{ CXLTIER_NL_A_POOL_ID,			"pool", 0 },
	{ CXLTIER_NL_A_POOL_NAME,		"pool_name", 2 },
	{ CXLTIER_NL_A_EVENT_ERROR,		"error", 1 },
};

static uint64_t field_u64(const struct tier_nl_event *e, unsigned int attr)
{
	switch (attr) {
	case CXLTIER_NL_A_BUF_ID:		return e->buf_id;
	case CXLTIER_NL_A_BUF_PID:		return e->pid;
	case CXLTIER_NL_A_BUF_UID:		return e->uid;
	case CXLTIER_NL_A_NODE_ID:		return e->node;
	case CXLTIER_NL_A_EVENT_TO_NODE:	return e->to_node;
	case CXLTIER_NL_A_EVENT_BYTES:		return e->bytes;
	case CXLTIER_NL_A_NODE_QUOTA_BYTES:	return e->quota_bytes;
	case CXLTIER_NL_A_NODE_FREE_BYTES:	return e->free_bytes;
	case CXLTIER_NL_A_NODE_TOTAL_BYTES:	return e->total_bytes;
	case CXLTIER_NL_A_EVENT_THRESHOLD_BYTES: return e->threshold_bytes;
	case CXLTIER_NL_A_BUF_MIGRATE_SEQ:	return e->migrate_seq;
	case CXLTIER_NL_A_BUF_MIGRATE_MOVED_BYTES:	return e->migrate_moved_bytes;
	case CXLTIER_NL_A_BUF_MIGRATE_SKIPPED_BYTES:	return e->migrate_skipped_bytes;
	case CXLTIER_NL_A_BUF_MIGRATE_FAILED_BYTES:	return e->migrate_failed_bytes;
	case CXLTIER_NL_A_POOL_ID:		return e->pool_id;
	default:				return 0;
	}
}

static const char *errno_name(int err)
{
	switch (-err) {
	case 0:		return "0";
	case ENOSPC:	return "ENOSPC";
	case ENOMEM:	return "ENOMEM";
	case EINTR:	return "EINTR";
	case ECANCELED:	return "ECANCELED";
	default:	return NULL;
	}
}

static void print_event(const struct mon *m, const struct tier_nl_event *e)
{
	const char *name = tier_nl_event_name(e->type);
	char ts[64], unknown[24];
	size_t i;

	timestamp(ts, sizeof(ts));
	if (!name) {
		snprintf(unknown, sizeof(unknown), "event-%u", e->type);
		name = unknown;
	}
	if (m->json) {
		printf("{\"time\":\"%s\",\"event\":\"%s\",\"type\":%u", ts, name, e->type);
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			const struct field *f = &fields[i];

			if (!TIER_NL_HAS(e, f->attr))
				continue;
			printf(",\"%s\":", f->key);
			if (f->kind == 2)
				json_escape(stdout, e->pool_name);
			else if (f->kind == 1)
				printf("%d", e->error);
			else
				printf("%" PRIu64, field_u64(e, f->attr));
		}
		if (e->type == TIER_NL_EVENT_LOST)
			printf(",\"message\":\"receive buffer overrun: events were lost\"");
		printf("}\n");
	} else {
		printf("%s %s", ts, name);
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			const struct field *f = &fields[i];
			const char *en;

			if (!TIER_NL_HAS(e, f->attr))
				continue;
			if (f->kind == 2) {
				printf(" %s=%s", f->key, e->pool_name);
			} else if (f->kind == 1) {
				en = errno_name(e->error);
				if (en)
					printf(" %s=%s", f->key, en);
				else
					printf(" %s=%d", f->key, e->error);
			} else {
				printf(" %s=%" PRIu64, f->key, field_u64(e, f->attr));
			}
		}
		if (e->type == TIER_NL_EVENT_LOST)
			printf(" receive buffer overrun: events were lost");
		putchar('\n');
	}
	fflush(stdout);
}

static int on_event(void *priv, const struct tier_nl_event *e)
{
	struct mon *m = priv;

	print_event(m, e);
	if (e->type != TIER_NL_EVENT_LOST)
		m->seen++;
	/* --count: the rest of a datagram stays unread */
	return m->count && m->seen >= m->count;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum { OPT_JSON = 256, OPT_COUNT, OPT_TIMEOUT };

static const struct option monitor_opts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	TC_OPTS_END,
};

static int monitor_run(const struct tc_cmd *cmd, int argc, char **argv)
{
	struct mon m = { 0 };
	uint64_t timeout = 0;
	struct sigaction sa;
	struct tier_nl *nl;
	int64_t deadline = 0;
	int c, err;

	optind = 1;
	while ((c = tc_getopt(cmd, argc, argv)) != -1) {
		switch (c) {
		case OPT_JSON:
			m.json = true;
			break;
		case OPT_COUNT:
			err = parse_uint(optarg, UINT64_MAX, &m.count);
			if (err || !m.count) {
				tc_errorf(cmd, "--count %s: not a positive number", optarg);
				return 1;
			}
			break;
		case OPT_TIMEOUT:
			err = parse_uint(optarg, 365ULL * 24 * 3600, &timeout);
			if (err || !timeout) {
				tc_errorf(cmd, "--timeout %s: not a positive number of seconds",
					  optarg);
				return 1;
			}
			break;
		default:
			return tc_other_option(cmd, argv, c);
		}
	}
	if (tc_extra_args(cmd, argc, argv))
		return 1;

	err = tier_nl_open(&nl, TIER_NL_EVENTS | TIER_NL_NONBLOCK);
	if (err) {
		tc_errorf_err(cmd, err, "%s", tier_nl_strerror(err));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Tests wait for this line before they make events. */
	fprintf(stderr, "tierctl monitor: listening for cxltier events\n");
	if (tier_nl_event_scope(nl) == TIER_NL_SCOPE_OWN)
		fprintf(stderr, "tierctl monitor: every user's events need CAP_SYS_ADMIN: showing the events of your own buffers (uid %u) and of nodes and pools\n",
			(unsigned int)geteuid());
	if (timeout)
		deadline = now_ms() + (int64_t)timeout * 1000;

	while (!stop_signal && (!m.count || m.seen < m.count)) {
		struct pollfd pfd = { .fd = tier_nl_fd(nl), .events = POLLIN };
		int wait = -1, n;

		if (deadline) {
			int64_t left = deadline - now_ms();

			if (left <= 0)
				break;
			wait = left > 60000 ? 60000 : (int)left;
		}
		n = poll(&pfd, 1, wait);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			tc_error(cmd, "poll", err);
			break;
		}
		if (n == 0)
			continue;
		do {
			/* Counting stops between datagrams, not inside one. */
			n = tier_nl_event_read(nl, on_event, &m);
		} while (n >= 0 && !stop_signal && (!m.count || m.seen < m.count));
		if (n < 0 && n != -EAGAIN && n != -EINTR) {
			err = n;
			tc_errorf_err(cmd, n, "receive events: %s", tier_nl_strerror(n));
			break;
		}
		err = 0;
	}
	tier_nl_close(nl);
	return err ? 1 : 0;
}

const struct tc_cmd cmd_monitor = {
	.name = "monitor", .run = monitor_run, .opts = monitor_opts,
	.summary = "print the module's events as they happen",
	.usage = "tierctl monitor [--count N] [--timeout SEC] [--json]",
	.help =
"Listens on the cxltier module's \"events\" multicast group and prints\n"
"one line per event with its UTC time and the fields it carries\n"
"(<linux/cxltier.h> lists them): spill (a buffer placed a unit off its\n"
"home node for the first time), quota-refused, migrate-done, node-online,\n"
"node-offline, node-low-free (below low_free_percent), pool-added,\n"
"pool-removed.  When events come faster than they are read, a \"lost\"\n"
"line says some were dropped and listening goes on.  With CAP_SYS_ADMIN\n"
"(root) it hears every user's events; anyone else hears the events of\n"
"the buffers they own and the node and pool events, and is told so.\n"
"Ends on Ctrl-C, after N events or SEC seconds (exit status 0).\n"
"\n"
"  --count N       exit after N events\n"
"  --timeout SEC   exit after SEC seconds\n"
"  --json          one JSON object per line, the same fields\n",
};
