// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl get / set: the cxltier module's sysfs tunables and counters by
 * key (libtier's tier_tune_*).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "table.h"
#include "tierctl.h"

/* A decimal number that fits a u64: shown as a JSON number. */
static bool is_count(const char *v)
{
	const char *p = v;

	if (!*p || strlen(p) > 19)
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static void json_value(struct json *j, const char *key, const char *v)
{
	if (v && is_count(v))
		json_u64(j, key, strtoull(v, NULL, 10));
	else
		json_str(j, key, v);
}

/* Why a key's file could not be read or written, said for a human. */
static const char *tune_why(int err)
{
	switch (err) {
	case -ENODEV:
		return " (is the cxltier module loaded?)";
	case -ENOENT:
		return " (no such node, or a module without this file)";
	case -EACCES:
	case -EPERM:
		return " (only root can change it)";
	case -EROFS:
		return " (a read-only counter)";
	default:
		return "";
	}
}

/*
 * What the module would have refused in @value for @key: a hint after
 * EINVAL.  The module is the judge; this only says what it expects.
 */
static void einval_hint(const char *key, const char *value, char *buf,
			size_t len)
{
	struct tier_policy p;
	const char *name;
	uint32_t mode;

	if (!strcmp(key, "default_page_size")) {
		snprintf(buf, len, "the page size in bytes: 4096 or 2097152");
		return;
	}
	if (!strcmp(key, "low_free_percent")) {
		snprintf(buf, len, "a percentage from 0 to 100 (0: no event)");
		return;
	}
	if (strcmp(key, "default_policy")) {	/* node.N.quota_bytes */
		snprintf(buf, len, "a byte count or \"max\"");
		return;
	}
	/* the module reads libtier's grammar: libtier says what it refuses */
	if (!tier_policy_parse(value, &p)) {
		snprintf(buf, len, "a default names possible nodes only, and no "
			 "page= or flag options");
		return;
	}
	snprintf(buf, len, "\"none\" or a policy as --policy takes it, e.g. "
		 "\"weighted:0=3,2=1\", \"split:0=30%%,2=70%%\", \"bind:2\"; "
		 "modes ");
	for (mode = 0; (name = tier_mode_name(mode)); mode++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			 mode ? ", " : "", name);
}

static int get_one(const struct tc_cmd *cmd, const char *key, bool json)
{
	char value[4096], path[256];
	int n;

	n = tier_tune_get(key, value, sizeof(value));
	if (n < 0) {
		if (n == -EINVAL)
			tc_errorf(cmd, "%s: unknown key (see `tierctl help get`)",
				  key);
		else if (tier_tune_path(key, path, sizeof(path)) == 0)
			tc_errorf(cmd, "%s: read %s: %s%s", key, path,
				  strerror(-n), tune_why(n));
		else
			tc_error(cmd, key, n);
		return 1;
	}
	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_obj_open(&j, NULL);
		json_str(&j, "key", key);
		json_value(&j, "value", value);
		json_bool(&j, "writable", tier_tune_writable(key) == 1);
		json_obj_close(&j);
		fputc('\n', stdout);
	} else {
		printf("%s\n", value);
	}
	return 0;
}

struct get_all {
	struct table t;
	struct json j;
	bool json;
	int failed;
};

static int get_all_one(const char *key, const char *value, int err, void *arg)
{
	struct get_all *g = arg;
	char path[256] = "?";

	if (err) {
		tier_tune_path(key, path, sizeof(path));
		fprintf(stderr, "tierctl get: %s: read %s: %s\n", key, path,
			strerror(-err));
		g->failed = 1;
	}
	if (g->json) {
		json_obj_open(&g->j, NULL);
		json_str(&g->j, "key", key);
		json_value(&g->j, "value", value);
		json_bool(&g->j, "writable", tier_tune_writable(key) == 1);
		json_obj_close(&g->j);
	} else {
		table_add(&g->t, "%s", key);
		table_add(&g->t, "%s", value ? value : "?");
		table_add(&g->t, "%s", tier_tune_writable(key) == 1 ? "rw" : "ro");
	}
	return 0;
}

static int get_all(const struct tc_cmd *cmd, bool json)
{
	static const char *const hdr[] = { "KEY", "VALUE", "ACCESS" };
	struct get_all g;
	int err;

	memset(&g, 0, sizeof(g));
	g.json = json;
	if (json) {
		json_init(&g.j, stdout);
		json_obj_open(&g.j, NULL);
		json_arr_open(&g.j, "tunables");
	} else {
		table_init(&g.t, 3, hdr, 0);
	}
	err = tier_tune_foreach(get_all_one, &g);
	if (json) {
		json_arr_close(&g.j);
		json_obj_close(&g.j);
		fputc('\n', stdout);
	} else {
		if (!err && table_print(&g.t, stdout))
			err = -ENOMEM;
		table_free(&g.t);
	}
	if (err) {
		tc_errorf(cmd, "read %s: %s%s", CXLTIER_SYSFS_DIR,
			  strerror(-err), tune_why(err));
		return 1;
	}
	return g.failed;
}

static int get_run(const struct tc_cmd *cmd, int argc, char **argv)
{
	bool json;
	int ret;

	ret = tc_json_only_options(cmd, argc, argv, &json);
	if (ret >= 0)
		return ret;
	if (argc - optind > 1) {
		tc_errorf(cmd, "one KEY at most");
		tc_usage(cmd, 0);
		return 1;
	}
	if (argc - optind == 1)
		return get_one(cmd, argv[optind], json);
	return get_all(cmd, json);
}

const struct tc_cmd cmd_get = {
	.name = "get", .run = get_run, .opts = tc_json_opts,
	.summary = "show the module's tunables and per-node counters (sysfs)",
	.usage = "tierctl get [KEY] [--json]",
	.help =
"Prints KEY's value, or with no KEY a table of every key, its value and\n"
"whether root may set it.  Keys (uapi/linux/cxltier.h and\n"
"doc/ABI/testing/sysfs-class-misc-cxltier describe them):\n"
"\n"
"  default_policy          policy of CXLTIER_CREATE_DEFAULT_POLICY: \"none\"\n"
"                          or a policy, e.g. \"bind:2\", \"weighted:0=3,2=1\"\n"
"  default_page_size       page size of a create with page_shift 0 (bytes)\n"
"  low_free_percent        node-low-free event threshold, 0 (off) to 100\n"
"  node.N.quota_bytes      node N's quota, bytes or \"max\"\n"
"  node.N.used_bytes, node.N.reserved_bytes, node.N.tier (read-only)\n"
"  node.N.alloc_pages, node.N.spill_pages, node.N.migrate_in_pages,\n"
"  node.N.migrate_out_pages, node.N.fault_failures\n"
"                          counters since the module was loaded (read-only)\n"
"\n"
"  --json    JSON; numbers as numbers\n",
};

/* set has no option but --help */
static const struct option set_opts[] = {
	TC_OPTS_END,
};

static int set_run(const struct tc_cmd *cmd, int argc, char **argv)
{
	const char *key, *value;
	char path[256], hint[256], canon[TIER_POLICY_STRLEN];
	int c, err;

	/*
	 * --help is the only option; "+": options end at KEY, so a VALUE such
	 * as "-1" reaches the module
	 */
	optind = 1;
	c = getopt_long(argc, argv, "+:h", cmd->opts, NULL);
	if (c != -1)
		return tc_other_option(cmd, argv, c);
	if (argc - optind != 2) {
		tc_errorf(cmd, "KEY and VALUE expected");
		tc_usage(cmd, 0);
		return 1;
	}
	key = argv[optind];
	value = argv[optind + 1];
	if (tier_tune_writable(key) < 0) {
		tc_errorf(cmd, "%s: unknown key (see `tierctl help set`)", key);
		return 1;
	}
	if (!strcmp(key, "default_policy") && strcmp(value, "none")) {
		/*
		 * The module reads node numbers: ranges and tier names are
		 * resolved here, and what is written is said.
		 */
		struct tier_policy p;

		if (tc_parse_host_policy(cmd, key, value, &p, canon,
					 sizeof(canon)))
			return 1;
		if (strcmp(canon, value))
			fprintf(stderr, "tierctl set: default_policy %s: writing %s\n",
				value, canon);
		value = canon;
	}
	err = tier_tune_set(key, value);
	if (!err)
		return 0;
	if (tier_tune_path(key, path, sizeof(path)))
		snprintf(path, sizeof(path), "?");
	if (err == -EINVAL) {
		einval_hint(key, value, hint, sizeof(hint));
		tc_errorf(cmd, "%s: %s (the module refused \"%s\": %s)", key,
			  strerror(-err), value, hint);
	} else {
		tc_errorf(cmd, "%s: write %s: %s%s", key, path, strerror(-err),
			  tune_why(err));
	}
	return 1;
}

const struct tc_cmd cmd_set = {
	.name = "set", .run = set_run, .opts = set_opts,
	.summary = "set a module tunable or a node's quota (sysfs, root)",
	.usage = "tierctl set KEY VALUE",
	.help =
"Writes VALUE to KEY's sysfs file (see `tierctl help get` for the keys):\n"
"default_policy, default_page_size, low_free_percent, node.N.quota_bytes.\n"
"The module checks the value; one it refuses changes nothing and is\n"
"reported with what the key expects.  Needs root.\n"
"\n"
"  tierctl set default_policy weighted:0=3,2=1\n"
"  tierctl set default_page_size 2097152\n"
"  tierctl set node.2.quota_bytes 1073741824\n",
};
