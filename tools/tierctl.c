// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl: place buffers on DRAM and CXL NUMA nodes and see where their
 * pages are.  One binary; each command is a struct tc_cmd in its cmd_*.c
 * (tierctl.h); this file lists them and dispatches, and has the two that
 * are about tierctl itself: help and version.
 */
#include <stdio.h>
#include <string.h>

#include "tierctl.h"

#ifndef TIERCTL_VERSION
#error "TIERCTL_VERSION must come from the VERSION file (see tools/Makefile)"
#endif

static const struct tc_cmd cmd_help, cmd_version;

/* In the order "tierctl help" lists them. */
static const struct tc_cmd *const cmds[] = {
	&cmd_topo, &cmd_alloc, &cmd_bench, &cmd_run, &cmd_plan, &cmd_model,
	&cmd_migrate, &cmd_pool, &cmd_get, &cmd_set, &cmd_stat, &cmd_monitor,
	&cmd_help, &cmd_version,
};

#define NR_CMDS	(sizeof(cmds) / sizeof(cmds[0]))

static const struct tc_cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NR_CMDS; i++)
		if (!strcmp(cmds[i]->name, name))
			return cmds[i];
	return NULL;
}

static void print_commands(FILE *f)
{
	size_t i;

	fprintf(f, "usage: tierctl COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < NR_CMDS; i++)
		fprintf(f, "  %-8s %s\n", cmds[i]->name, cmds[i]->summary);
	fprintf(f, "\nRun 'tierctl help COMMAND' for a command's options.\n");
}

static int help_run(const struct tc_cmd *cmd, int argc, char **argv)
{
	const struct tc_cmd *c;

	if (argc > 2) {
		tc_usage(cmd, 0);
		return 1;
	}
	if (argc < 2) {
		print_commands(stdout);
		return 0;
	}
	c = find_cmd(argv[1]);
	if (!c) {
		tc_errorf(cmd, "%s: unknown command", argv[1]);
		return 1;
	}
	tc_usage(c, 1);
	return 0;
}

static int version_run(const struct tc_cmd *cmd, int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		tc_usage(cmd, 0);
		return 1;
	}
	printf("tierctl %s, libtier %s, cxltier API %d\n", TIERCTL_VERSION,
	       tier_version(), CXLTIER_API_VERSION);
	return 0;
}

static const struct tc_cmd cmd_help = {
	.name = "help", .run = help_run,
	.summary = "show the commands, or one command's options",
	.usage = "tierctl help [COMMAND]",
	.help = "",
};

static const struct tc_cmd cmd_version = {
	.name = "version", .run = version_run,
	.summary = "show the versions of tierctl, libtier and the cxltier API",
	.usage = "tierctl version",
	.help = "",
};

int main(int argc, char **argv)
{
	const struct tc_cmd *cmd;

	if (argc < 2) {
		print_commands(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_commands(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version"))
		return version_run(&cmd_version, 1, argv + 1);
	cmd = find_cmd(argv[1]);
	if (!cmd) {
		fprintf(stderr, "tierctl: %s: unknown command (see 'tierctl help')\n",
			argv[1]);
		return 1;
	}
	tc_scan_json(cmd, argc - 1, argv + 1);
	tc_log_default(cmd);
	return tc_finish(cmd, cmd->run(cmd, argc - 1, argv + 1) ? 1 : 0);
}
