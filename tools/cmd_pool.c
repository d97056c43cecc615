// SPDX-License-Identifier: GPL-2.0-only
/* tierctl pool: device-dax pools (add, list, remove). */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "table.h"
#include "tierctl.h"
#include "util.h"

/* Why adding @dax failed, said precisely. */
static void pool_add_error(const struct tc_cmd *cmd, const char *dax, int err)
{
	char drv[64] = "";

	tier_daxpool_driver(dax, drv, sizeof(drv));
	if (err == -ENODEV)
		tc_errorf(cmd, "%s: no such dax device (see `daxctl list -D`)",
			  dax);
	else if (err == -EBUSY && drv[0] && strcmp(drv, "device_dax"))
		tc_errorf(cmd, "%s: bound to driver %s (onlined as system RAM?); "
			  "it must be in devdax mode: `daxctl reconfigure-device "
			  "--mode=devdax %s`, then try again", dax, drv, dax);
	else if (err == -EBUSY)
		tc_errorf(cmd, "%s: its range is claimed by another driver or "
			  "pool: %s", dax, strerror(-err));
	else if (err == -EEXIST)
		tc_errorf(cmd, "%s: already a pool, or its range overlaps one "
			  "(see `tierctl pool list`)", dax);
	else if (err == -EPERM || err == -EACCES)
		tc_errorf(cmd, "%s: %s (adding a pool needs root)", dax,
			  strerror(-err));
	else if (err == -EOPNOTSUPP)
		tc_errorf(cmd, "%s: pools need the cxltier module backend", dax);
	else
		tc_error(cmd, dax, err);
}

static int pool_list_cmd(const struct tc_cmd *cmd, struct tier_ctx *ctx,
			 bool json)
{
	static const char *const hdr[] = {
		"ID", "NAME", "NODE", "SIZE", "FREE", "LARGEST", "FREE2M",
		"USED", "BUSY", "PINNED",
	};
	char s1[SIZE_STRLEN], s2[SIZE_STRLEN], s3[SIZE_STRLEN];
	struct tier_daxpool *p = NULL;
	int n, i, err;

	n = tier_daxpool_list(ctx, NULL, 0);
	if (n >= 0) {
		p = calloc(n ? (size_t)n : 1, sizeof(*p));
		if (!p)
			n = -ENOMEM;
		else
			n = tier_daxpool_list(ctx, p, (unsigned int)n);
	}
	if (n < 0) {
		free(p);
		tc_error(cmd, "list pools", n);
		return 1;
	}
	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_obj_open(&j, NULL);
		json_arr_open(&j, "pools");
		for (i = 0; i < n; i++) {
			json_obj_open(&j, NULL);
			json_u64(&j, "id", p[i].id);
			json_str(&j, "name", p[i].name);
			json_u64(&j, "node", p[i].node);
			json_u64(&j, "start", p[i].start);
			json_u64(&j, "size_bytes", p[i].length);
			json_u64(&j, "free_bytes", p[i].free_bytes);
			json_u64(&j, "largest_free_bytes", p[i].largest_free_bytes);
			json_u64(&j, "free_huge_blocks", p[i].free_huge_blocks);
			json_u64(&j, "used_pages", p[i].used_pages);
			json_u64(&j, "busy_pages", p[i].busy_pages);
			json_u64(&j, "pinned_pages", p[i].pinned_pages);
			json_obj_close(&j);
		}
		json_arr_close(&j);
		json_obj_close(&j);
		free(p);
		return 0;
	}
	{
		struct table t;

		table_init(&t, 10, hdr, TABLE_RIGHT(0) | TABLE_RIGHT(2) |
			   TABLE_RIGHT(3) | TABLE_RIGHT(4) | TABLE_RIGHT(5) |
			   TABLE_RIGHT(6) | TABLE_RIGHT(7) | TABLE_RIGHT(8) |
			   TABLE_RIGHT(9));
		for (i = 0; i < n; i++) {
			table_add(&t, "%u", p[i].id);
			table_add(&t, "%s", p[i].name);
			table_add(&t, "%u", p[i].node);
			table_add(&t, "%s", format_size(p[i].length, s1, sizeof(s1)));
			table_add(&t, "%s", format_size(p[i].free_bytes, s2, sizeof(s2)));
			table_add(&t, "%s", format_size(p[i].largest_free_bytes,
							 s3, sizeof(s3)));
			table_add(&t, "%llu", (unsigned long long)p[i].free_huge_blocks);
			table_add(&t, "%llu", (unsigned long long)p[i].used_pages);
			table_add(&t, "%llu", (unsigned long long)p[i].busy_pages);
			table_add(&t, "%llu", (unsigned long long)p[i].pinned_pages);
		}
		err = tc_print_table(cmd, &t);
		free(p);
		if (err)
			return 1;
	}
	return 0;
}

static int pool_run(const struct tc_cmd *cmd, int argc, char **argv)
{
	struct tier_ctx *ctx;
	const char *sub, *name = NULL;
	uint32_t id = 0;
	int ret, err;
	bool json;

	ret = tc_json_only_options(cmd, argc, argv, &json);
	if (ret >= 0)
		return ret;
	ret = 0;
	if (optind >= argc) {
		tc_errorf(cmd, "missing subcommand: add, list or remove");
		tc_usage(cmd, 0);
		return 1;
	}
	sub = argv[optind++];
	if (!strcmp(sub, "add") || !strcmp(sub, "remove")) {
		if (optind + 1 != argc) {
			tc_errorf(cmd, "%s: needs exactly one dax device name", sub);
			tc_usage(cmd, 0);
			return 1;
		}
		name = argv[optind];
	} else if (strcmp(sub, "list")) {
		tc_errorf(cmd, "%s: unknown subcommand (add, list, remove)", sub);
		tc_usage(cmd, 0);
		return 1;
	} else if (optind != argc) {
		tc_errorf(cmd, "%s: unexpected argument", argv[optind]);
		return 1;
	}
	if (tc_open(cmd, &ctx))
		return 1;
	if (tier_backend(ctx) != TIER_BACKEND_MODULE) {
		tc_errorf(cmd, "pools need the cxltier module (backend is %s)",
			  tier_backend_name(ctx));
		tier_close(ctx);
		return 1;
	}
	if (!strcmp(sub, "list")) {
		ret = pool_list_cmd(cmd, ctx, json);
	} else if (!strcmp(sub, "add")) {
		err = tier_daxpool_add(ctx, name, &id);
		if (err) {
			pool_add_error(cmd, name, err);
			ret = 1;
		} else if (json) {
			printf("{\"id\":%u,\"name\":\"%s\"}\n", id, name);
		} else {
			printf("pool %u: %s\n", id, name);
		}
	} else {
		err = tier_daxpool_remove(ctx, name);
		if (err == -EBUSY) {
			tc_errorf(cmd, "%s: pages in use (a buffer, or a pin not "
				  "yet released; see `tierctl pool list`)", name);
			ret = 1;
		} else if (err == -ENOENT) {
			tc_errorf(cmd, "%s: no such pool (see `tierctl pool list`)",
				  name);
			ret = 1;
		} else if (err == 1) {
			tc_errorf(cmd, "%s: pool removed, but the dax device could "
				  "not be enabled again: `daxctl enable-device %s`",
				  name, name);
			ret = 1;
		} else if (err) {
			tc_error(cmd, name, err);
			ret = 1;
		}
	}
	tier_close(ctx);
	return ret;
}

/* For help --list; pool_run() reads the subcommand itself. */
static const struct tc_sub pool_subs[] = {
	{ "add", NULL, NULL },
	{ "list", NULL, NULL },
	{ "remove", NULL, NULL },
	{ NULL, NULL, NULL },
};

const struct tc_cmd cmd_pool = {
	.name = "pool", .run = pool_run, .opts = tc_json_opts, .subs = pool_subs,
	.summary = "device-dax pools: add, list, remove",
	.usage = "tierctl pool {add DAX | list [--json] | remove DAX}",
	.help =
"Device memory left in devdax mode (CXL memory not onlined as system RAM)\n"
"can be owned by cxltier as a pool of pages that can be pinned in place\n"
"and never move.  A policy names a pool by naming its target node, e.g.\n"
"`tierctl alloc --policy bind:4 --size 64M`.  Adding and removing need root.\n"
"\n"
"  add DAX      disable the dax device DAX (as `daxctl disable-device`)\n"
"               and claim its range; it must be in devdax mode\n"
"  list         pools: size, free bytes, largest free run, wholly free\n"
"               2 MiB blocks, pages used by buffers, busy (released but\n"
"               still pinned) and pinned\n"
"  remove DAX   give the range back and enable the dax device again;\n"
"               refused while any page is in use\n"
"  --json       JSON, sizes in exact bytes\n",
};
