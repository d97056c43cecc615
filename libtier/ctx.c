// SPDX-License-Identifier: LGPL-2.1-or-later
/* Contexts: backend selection, reference counting, the log hook. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "libtier-private.h"

#ifndef LIBTIER_VERSION
#error "LIBTIER_VERSION must come from the VERSION file (see libtier/Makefile)"
#endif

TIER_EXPORT const char *tier_version(void)
{
	return LIBTIER_VERSION;
}

/*
 * LIBTIER_LOG: a syslog level name (err, warning, notice, info, debug) or
 * its number, 0 to 7.  -1 when unset or empty; -2 when it is not a level
 * (reported once on stderr, then ignored).
 */
static int env_log_level(void)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "err", "warning", "notice", "info",
		"debug",
	};
	static int warned;
	const char *env = getenv("LIBTIER_LOG");
	unsigned int i;

	if (!env || !*env)
		return -1;
	if (env[0] >= '0' && env[0] <= '7' && !env[1])
		return env[0] - '0';
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(env, names[i]))
			return (int)i;
	if (!strcmp(env, "error"))
		return TIER_LOG_ERR;
	if (!strcmp(env, "warn"))
		return TIER_LOG_WARNING;
	if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		fprintf(stderr, "libtier: LIBTIER_LOG=%s: not a level (err, warning, notice, info, debug or 0 to 7); ignored\n",
			env);
	return -2;
}

/* Where a context's messages go while it has no hook: LIBTIER_LOG's stderr. */
static void log_stderr(int prio, const char *msg)
{
	(void)prio;
	fprintf(stderr, "libtier: %s\n", msg);
}

/* tier_set_log_default()'s: the hook contexts start with */
static struct {
	tier_log_fn fn;
	void *priv;
	int level;
} log_default = { NULL, NULL, TIER_LOG_DEBUG };

int tier_log_enabled(const struct tier_ctx *ctx, int prio)
{
	if (!ctx) {
		/* no context (netlink handles): the default hook, or stderr */
		int level = env_log_level();

		if (level < 0 && !log_default.fn)
			return 0;
		return prio <= (level >= 0 ? level : log_default.level);
	}
	return prio <= ctx->log_level && (ctx->log_fn || ctx->log_env);
}

void tier_log(const struct tier_ctx *ctx, int prio, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!tier_log_enabled(ctx, prio))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctx && ctx->log_fn)
		ctx->log_fn(ctx->log_priv, prio, msg);
	else if (!ctx && log_default.fn)
		log_default.fn(log_default.priv, prio, msg);
	else
		log_stderr(prio, msg);
}

TIER_EXPORT void tier_set_log(struct tier_ctx *ctx, tier_log_fn fn, void *priv)
{
	if (!ctx)
		return;
	ctx->log_fn = fn;
	ctx->log_priv = fn ? priv : NULL;
}

TIER_EXPORT int tier_set_log_default(tier_log_fn fn, void *priv, int prio)
{
	if (prio < 0 || prio > TIER_LOG_DEBUG)
		return -EINVAL;
	log_default.fn = fn;
	log_default.priv = fn ? priv : NULL;
	log_default.level = prio;
	return 0;
}

TIER_EXPORT int tier_set_log_level(struct tier_ctx *ctx, int prio)
{
	if (!ctx || prio < 0 || prio > TIER_LOG_DEBUG)
		return -EINVAL;
	/* the user's LIBTIER_LOG wins over the program's choice */
	if (!ctx->log_env)
		ctx->log_level = prio;
	return 0;
}

enum backend_choice { CHOOSE_AUTO, CHOOSE_MODULE, CHOOSE_MBIND };

static int choose_backend(unsigned int flags, enum backend_choice *choice)
{
	const char *env;

	if (flags & ~(TIER_OPEN_FALLBACK | TIER_OPEN_MODULE))
		return -EINVAL;
	if ((flags & TIER_OPEN_FALLBACK) && (flags & TIER_OPEN_MODULE))
		return -EINVAL;
	if (flags & TIER_OPEN_FALLBACK) {
		*choice = CHOOSE_MBIND;
		return 0;
	}
	if (flags & TIER_OPEN_MODULE) {
		*choice = CHOOSE_MODULE;
		return 0;
	}
	env = getenv("LIBTIER_BACKEND");
	if (!env || !*env || !strcmp(env, "auto"))
		*choice = CHOOSE_AUTO;
	else if (!strcmp(env, "module") || !strcmp(env, "cxltier"))
		*choice = CHOOSE_MODULE;
	else if (!strcmp(env, "mbind"))
		*choice = CHOOSE_MBIND;
	else
		return -EINVAL;
	return 0;
}

/* Errors of open("/dev/cxltier") that mean "the module is not loaded". */
static int module_absent(int err)
{
	return err == -ENOENT || err == -ENODEV || err == -ENXIO;
}

static void use_mbind(struct tier_ctx *ctx)
{
	ctx->backend = TIER_BACKEND_MBIND;
	ctx->ops = &tier_mbind_ops;
	memset(&ctx->info, 0, sizeof(ctx->info));
	ctx->info.api_version = 0;
	/* see tier_buf_create() for how each is expressed, and what is not */
	ctx->info.max_policy_nodes = TIER_MAX_POLICY_NODES;
	ctx->info.supported_modes = (1ULL << CXLTIER_NR_MODES) - 1;
	ctx->info.supported_create_flags = CXLTIER_CREATE_FALLBACK |
					   CXLTIER_CREATE_POPULATE |
					   CXLTIER_CREATE_HUGE_FALLBACK;
	ctx->info.supported_page_sizes = 1ULL << ctx->page_shift;
	ctx->info.page_size = 1ULL << ctx->page_shift;
}

static int use_module(struct tier_ctx *ctx, int fd)
{
	struct cxltier_info info;

	ctx->backend = TIER_BACKEND_MODULE;
	ctx->ops = &tier_module_ops;
	ctx->devfd = fd;

	/* A count-only query: the topology comes with tier_topo_refresh(). */
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.node_entry_size = sizeof(struct cxltier_node_info);
	if (ioctl(fd, CXLTIER_IOC_GET_INFO, &info) < 0 && errno != EMSGSIZE) {
		int err = -errno;

		tier_err(ctx, "%s: GET_INFO: %s", CXLTIER_DEVICE_PATH,
			 strerror(-err));
		return err;
	}
	if (info.api_version < CXLTIER_API_VERSION) {
		tier_err(ctx, "%s: module API %u, libtier needs %u",
			 CXLTIER_DEVICE_PATH, info.api_version,
			 CXLTIER_API_VERSION);
		return -EPROTO;
	}
	memset(&ctx->info, 0, sizeof(ctx->info));
	ctx->info.api_version = info.api_version;
	ctx->info.max_policy_nodes = info.max_policy_nodes;
	ctx->info.supported_modes = info.supported_modes;
	ctx->info.supported_create_flags = info.supported_create_flags;
	ctx->info.supported_page_sizes = info.supported_page_sizes;
	ctx->info.page_size = 1ULL << ctx->page_shift;
	return 0;
}

static void ctx_free(struct tier_ctx *ctx)
{
	if (ctx->devfd >= 0)
		close(ctx->devfd);
	free(ctx->nodes);
	free(ctx);
}

void tier_ctx_get(struct tier_ctx *ctx)
{
	__atomic_add_fetch(&ctx->refs, 1, __ATOMIC_RELAXED);
}

void tier_ctx_put(struct tier_ctx *ctx)
{
	if (__atomic_sub_fetch(&ctx->refs, 1, __ATOMIC_ACQ_REL) == 0)
		ctx_free(ctx);
}

TIER_EXPORT int tier_open(struct tier_ctx **out, unsigned int flags)
{
	enum backend_choice choice;
	struct tier_ctx *ctx;
	long pagesz;
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	err = choose_backend(flags, &choice);
	if (err)
		return err;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->refs = 1;
	ctx->devfd = -1;
	ctx->log_fn = log_default.fn;
	ctx->log_priv = log_default.priv;
	ctx->log_level = env_log_level();
	ctx->log_env = ctx->log_level >= 0;
	if (!ctx->log_env)
		ctx->log_level = log_default.level;
	pagesz = sysconf(_SC_PAGESIZE);
	if (pagesz <= 0)
		pagesz = 4096;
	while ((1L << ctx->page_shift) < pagesz)
		ctx->page_shift++;

	if (choice == CHOOSE_MBIND) {
		use_mbind(ctx);
		tier_dbg(ctx, "backend mbind: %s",
			 flags & TIER_OPEN_FALLBACK ? "TIER_OPEN_FALLBACK" :
						      "LIBTIER_BACKEND=mbind");
	} else {
		int fd = open(CXLTIER_DEVICE_PATH, O_RDWR | O_CLOEXEC);

		if (fd < 0) {
			err = -errno;
			if (choice == CHOOSE_MODULE || !module_absent(err)) {
				tier_dbg(ctx, "open %s: %s", CXLTIER_DEVICE_PATH,
					 strerror(-err));
				goto fail;
			}
			ctx->module_err = err;
			use_mbind(ctx);
			tier_dbg(ctx, "backend mbind: open %s: %s (the module is not loaded)",
				 CXLTIER_DEVICE_PATH, strerror(-err));
		} else {
			err = use_module(ctx, fd);
			if (err)
				goto fail;
			tier_dbg(ctx, "backend cxltier: %s, module API %u (libtier's %u)",
				 CXLTIER_DEVICE_PATH, ctx->info.api_version,
				 CXLTIER_API_VERSION);
		}
	}

	err = tier_topo_refresh(ctx);
	if (err)
		goto fail;
	*out = ctx;
	return 0;
fail:
	tier_dbg(ctx, "tier_open: %s", strerror(-err));
	ctx_free(ctx);
	return err;
}

TIER_EXPORT void tier_close(struct tier_ctx *ctx)
{
	if (ctx)
		tier_ctx_put(ctx);
}

TIER_EXPORT int tier_backend(const struct tier_ctx *ctx)
{
	return ctx ? ctx->backend : -EINVAL;
}

TIER_EXPORT const char *tier_backend_name(const struct tier_ctx *ctx)
{
	return ctx ? ctx->ops->name : NULL;
}

TIER_EXPORT int tier_module_error(const struct tier_ctx *ctx)
{
	return ctx ? ctx->module_err : -EINVAL;
}

TIER_EXPORT int tier_get_info(const struct tier_ctx *ctx, struct tier_info *info)
{
	if (!ctx || !info)
		return -EINVAL;
	*info = ctx->info;
	return 0;
}
