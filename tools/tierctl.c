// SPDX-License-Identifier: GPL-2.0-only
/*
 * tierctl: place buffers on DRAM and CXL NUMA nodes and see where their
 * pages are.  One binary; each command is a struct tc_cmd in its cmd_*.c
 * (tierctl.h); this file lists them and dispatches, and has the two that
 * are about tierctl itself: help and version.
 */
#include <ctype.h>
#include <stdbool.h>
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
	fprintf(f, "With --json, a failed command also prints {\"error\": {\"command\", \"errno\",\n"
		   "\"code\", \"message\", \"details\"}} on stdout.  LIBTIER_LOG=debug shows what\n"
		   "libtier does.\n");
}

/*
 * Hidden modes of "tierctl help", for the build and for bash completion;
 * not in the help text, which is what they print.  One text: the man page
 * tierctl(8) and the completion come from the same struct tc_cmd tables
 * as --help.
 *
 *   tierctl help --roff            tierctl(8)'s COMMANDS section (roff),
 *                                  every command's summary, usage and help
 *   tierctl help --list            the commands, one a line
 *   tierctl help --list CMD        CMD's subcommands (bare words), then its
 *                                  long options, one a line: "--NAME",
 *                                  "--NAME METAVAR" (required argument),
 *                                  "--NAME[=METAVAR]" (optional argument);
 *                                  METAVAR is the word after "--NAME" in
 *                                  the usage or help text, else ARG
 *   tierctl help --list CMD SUB    SUB's options, the same way
 *   tierctl help --modes           the policy modes (tier_mode_name())
 */

/*
 * Roff for @s, part of a line: backslash as \e, '-' as \-; @bol: it
 * starts the line, where a control character ('.', '\'') is made text
 * by \&.
 */
static void roff_text(const char *s, size_t len, bool bol)
{
	size_t i;

	if (bol && len && (s[0] == '.' || s[0] == '\''))
		fputs("\\&", stdout);
	for (i = 0; i < len; i++) {
		if (s[i] == '\\')
			fputs("\\e", stdout);
		else if (s[i] == '-')
			fputs("\\-", stdout);
		else
			putchar(s[i]);
	}
}

/*
 * The usage, bold; its alternatives (" | " outside brackets and braces:
 * bench's benchmarks) one a line.
 */
static void roff_usage(const char *u)
{
	const char *p, *start = u;
	int depth = 0;

	for (p = u; *p; p++) {
		if (*p == '[' || *p == '{') {
			depth++;
		} else if ((*p == ']' || *p == '}') && depth) {
			depth--;
		} else if (!depth && !strncmp(p, " | ", 3)) {
			fputs("\\fB", stdout);
			roff_text(start, (size_t)(p - start), false);
			fputs("\\fR\n.br\n", stdout);
			start = p + 1;	/* the next line starts with "| " */
		}
	}
	fputs("\\fB", stdout);
	roff_text(start, strlen(start), false);
	fputs("\\fR\n", stdout);
}

/*
 * One command's part of the COMMANDS section: its name, summary, usage
 * and help text.  Help lines that start at the margin are prose (filled);
 * indented ones (option lists, examples, formats) are kept as they are,
 * two columns less; an empty line is a paragraph break.
 */
static void roff_cmd(const struct tc_cmd *c)
{
	const char *p = c->help, *nl;
	bool nofill = false;
	size_t len;

	printf(".SS %s\n", c->name);
	roff_text(c->summary, strlen(c->summary), true);
	printf("\n.PP\n");
	roff_usage(c->usage);
	if (*p)
		printf(".PP\n");
	for (; *p; p = *nl ? nl + 1 : nl) {
		nl = strchrnul(p, '\n');
		len = (size_t)(nl - p);
		if (!len) {
			if (nofill)
				printf(".fi\n");
			nofill = false;
			printf(".PP\n");
			continue;
		}
		if (*p == ' ' && !nofill) {
			printf(".nf\n");
			nofill = true;
		} else if (*p != ' ' && nofill) {
			printf(".fi\n");
			nofill = false;
		}
		if (nofill && len >= 2 && !strncmp(p, "  ", 2)) {
			p += 2;
			len -= 2;
		}
		roff_text(p, len, true);
		putchar('\n');
	}
	if (nofill)
		printf(".fi\n");
}

static void print_roff(void)
{
	size_t i;

	printf(".\\\" Made by \"tierctl help --roff\" from tierctl's own help text.\n");
	printf(".nh\n");
	for (i = 0; i < NR_CMDS; i++)
		roff_cmd(cmds[i]);
	printf(".hy\n");
}

/*
 * The word after "--@name" (then a space or '=') in @text, into @buf:
 * what the text calls the option's argument.  0, or -1 when there is none.
 */
static int find_metavar(const char *text, const char *name, char *buf,
			size_t size)
{
	size_t nlen = strlen(name), len;
	const char *p = text, *w;

	while ((p = strstr(p, "--"))) {
		p += 2;
		if (strncmp(p, name, nlen) || (p[nlen] != ' ' && p[nlen] != '=') ||
		    (p - 2 > text && (p[-3] == '-' || isalnum((unsigned char)p[-3]))))
			continue;
		w = p + nlen + 1;
		len = strcspn(w, " \n]}),");
		while (len && w[len - 1] == '.')	/* "POLICY...": repeatable */
			len--;
		if (!len || *w == '-' || *w == '|' || *w == '[' || len >= size)
			continue;
		memcpy(buf, w, len);
		buf[len] = 0;
		return 0;
	}
	return -1;
}

/*
 * @name's metavar in @c's text, else in that of a command sharing @c's
 * option table (model's are plan's), else ARG.
 */
static void metavar(const struct tc_cmd *c, const char *name, char *mv,
		    size_t size)
{
	size_t i;

	if (!find_metavar(c->usage, name, mv, size) ||
	    !find_metavar(c->help, name, mv, size))
		return;
	for (i = 0; i < NR_CMDS; i++)
		if (cmds[i] != c && c->opts && cmds[i]->opts == c->opts &&
		    (!find_metavar(cmds[i]->usage, name, mv, size) ||
		     !find_metavar(cmds[i]->help, name, mv, size)))
			return;
	snprintf(mv, size, "ARG");
}

static void list_opts(const struct tc_cmd *c, const struct option *o)
{
	char mv[64];

	for (; o && o->name; o++) {
		if (o->has_arg != no_argument)
			metavar(c, o->name, mv, sizeof(mv));
		if (o->has_arg == no_argument)
			printf("--%s\n", o->name);
		else if (o->has_arg == required_argument)
			printf("--%s %s\n", o->name, mv);
		else
			printf("--%s[=%s]\n", o->name, mv);
	}
}

static const struct tc_cmd *find_cmd(const char *name);

static int help_list(const struct tc_cmd *cmd, int argc, char **argv)
{
	const struct tc_sub *s;
	const struct tc_cmd *c;
	size_t i;

	if (argc == 2) {
		for (i = 0; i < NR_CMDS; i++)
			printf("%s\n", cmds[i]->name);
		return 0;
	}
	if (argc > 4) {
		tc_usage(cmd, 0);
		return 1;
	}
	c = find_cmd(argv[2]);
	if (!c) {
		tc_errorf(cmd, "%s: unknown command", argv[2]);
		return 1;
	}
	if (argc == 3) {
		for (s = c->subs; s && s->name; s++)
			printf("%s\n", s->name);
		list_opts(c, c->opts);
		return 0;
	}
	for (s = c->subs; s && s->name; s++)
		if (!strcmp(s->name, argv[3])) {
			list_opts(c, s->opts ? s->opts : c->opts);
			return 0;
		}
	tc_errorf(cmd, "%s %s: unknown subcommand", c->name, argv[3]);
	return 1;
}

static int help_run(const struct tc_cmd *cmd, int argc, char **argv)
{
	const struct tc_cmd *c;
	const char *m;
	uint32_t i;

	if (argc == 2 && !strcmp(argv[1], "--roff")) {
		print_roff();
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "--list"))
		return help_list(cmd, argc, argv);
	if (argc == 2 && !strcmp(argv[1], "--modes")) {
		for (i = 0; (m = tier_mode_name(i)); i++)
			printf("%s\n", m);
		return 0;
	}
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
