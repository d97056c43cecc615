// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Policy strings, see tier_policy_parse() in libtier.h:
 *
 *   policy := MODE ':' item { ',' item }
 *   item   := NODES [ '=' WEIGHT [ '%' ] ] | OPTION [ '=' VALUE ]
 *   NODES  := NODE | NODE '-' NODE | all | dram | cxl
 *
 * and layouts: which node of a policy is the home of each unit of a buffer,
 * by the uapi's arithmetic (<linux/cxltier_layout.h>, the module's too), for
 * the mbind backend and the arena.
 *
 * Adding a mode means: a CXLTIER_MODE_* and its name in the uapi, its rule
 * in <linux/cxltier_layout.h>, a line in modes[] below and its Linux form in
 * mbind.c.
 * Adding a flag: a line in flag_opts[] (the order of bits is the order
 * tier_policy_format() writes them in).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libtier-private.h"

enum weight_rule {
	WEIGHT_NONE,		/* "N" only */
	WEIGHT_PLAIN,		/* "N=W" */
	WEIGHT_SHARE,		/* "N=W" or "N=P%", all alike; % sum to 100 */
};

/* What each mode's items take, by CXLTIER_MODE_*. */
struct mode_desc {
	enum weight_rule weights;
	int chunked;		/* takes chunk= */
};

static const struct mode_desc modes[CXLTIER_NR_MODES] = {
	[CXLTIER_MODE_BIND]		= { WEIGHT_NONE,  0 },
	[CXLTIER_MODE_PREFERRED]	= { WEIGHT_NONE,  0 },
	[CXLTIER_MODE_INTERLEAVE]	= { WEIGHT_NONE,  1 },
	[CXLTIER_MODE_WEIGHTED]		= { WEIGHT_PLAIN, 1 },
	[CXLTIER_MODE_SPLIT]		= { WEIGHT_SHARE, 0 },
};

/* The modes' names: the uapi's, the one spelling of every tool. */
static const char *const mode_names[] = CXLTIER_MODE_NAMES;

_Static_assert(ARRAY_SIZE(mode_names) == CXLTIER_NR_MODES,
	       "a name for each mode");

/* Options that set a CXLTIER_CREATE_* flag, in the order of their bits. */
static const struct {
	const char *name;
	uint32_t flag;
} flag_opts[] = {
	{ "fallback",		CXLTIER_CREATE_FALLBACK },
	{ "populate",		CXLTIER_CREATE_POPULATE },
	{ "pinnable",		CXLTIER_CREATE_PINNABLE },
	{ "huge-fallback",	CXLTIER_CREATE_HUGE_FALLBACK },
	{ "reserve",		CXLTIER_CREATE_RESERVE },
};

/*
 * Names that stand for nodes: a tier, or every node with memory (-1).  The
 * tiers' names are the one spelling of every tool (tier_tier_name()).
 */
static const struct {
	const char *name;
	int tier;
} node_names[] = {
	{ "all",	-1 },
	{ "dram",	CXLTIER_TIER_DRAM },
	{ "cxl",	CXLTIER_TIER_CXL },
};

/* Page sizes a policy string may name: 4 KiB .. 1 TiB; chunks up to 1 GiB. */
#define PAGE_SHIFT_MIN	12
#define PAGE_SHIFT_MAX	40
#define CHUNK_SHIFT_MIN	12
#define CHUNK_SHIFT_MAX	CXLTIER_MAX_CHUNK_SHIFT

/* The mode named by the @len characters at @s. */
static int mode_lookup(const char *s, size_t len, uint32_t *mode)
{
	uint32_t i;

	for (i = 0; i < CXLTIER_NR_MODES; i++) {
		if (strlen(mode_names[i]) == len && !strncmp(mode_names[i], s, len)) {
			*mode = i;
			return 0;
		}
	}
	return -EINVAL;
}

TIER_EXPORT const char *tier_mode_name(uint32_t mode)
{
	return mode < CXLTIER_NR_MODES ? mode_names[mode] : NULL;
}

TIER_EXPORT const char *tier_tier_name(uint32_t tier)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(node_names); i++)
		if (node_names[i].tier >= 0 && (uint32_t)node_names[i].tier == tier)
			return node_names[i].name;
	return NULL;
}

TIER_EXPORT int tier_mode_parse(const char *name, uint32_t *mode)
{
	if (!name || !mode)
		return -EINVAL;
	return mode_lookup(name, strlen(name), mode);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Decimal digits in [s, end) to a uint32_t; no sign, no overflow. */
static int parse_u32(const char *s, const char *end, uint32_t *out)
{
	uint64_t v = 0;

	if (s == end)
		return -EINVAL;
	for (; s < end; s++) {
		if (!is_digit(*s))
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

/*
 * A size (tier_size_parse(): "4096", "4K", "2M", "1G", ...) in [s, end) that
 * is a power of two, its log2 within [min, max].
 */
static int parse_pow2_size(const char *s, const char *end, uint32_t min,
			   uint32_t max, uint32_t *shift)
{
	char buf[32];
	uint64_t v;
	size_t len = (size_t)(end - s);

	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (tier_size_parse(buf, &v) || !v || (v & (v - 1)))
		return -EINVAL;
	*shift = (uint32_t)__builtin_ctzll(v);
	if (*shift < min || *shift > max)
		return -EINVAL;
	return 0;
}

struct parse_state {
	const struct tier_ctx *ctx;	/* NULL: tier names cannot be resolved */
	const struct mode_desc *md;
	int seen_page, seen_chunk;
	int percent;		/* split: 1 all with '%', -1 all without, 0 none yet */
	const char *name_item;	/* without ctx: the first item naming a tier */
	int name_len;
	char *why;		/* NULL, or where to say what is wrong */
	size_t why_len;
};

/* Say what is wrong (when asked), and fail. */
static int __attribute__((format(printf, 2, 3)))
bad(struct parse_state *ps, const char *fmt, ...)
{
	va_list ap;

	if (ps->why && ps->why_len) {
		va_start(ap, fmt);
		vsnprintf(ps->why, ps->why_len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int parse_option(const char *s, const char *end, struct tier_policy *p,
			struct parse_state *ps)
{
	const char *eq = memchr(s, '=', (size_t)(end - s));
	size_t klen = (size_t)((eq ? eq : end) - s);
	size_t i;

	int n = (int)(end - s);

	if (klen == 4 && !strncmp(s, "page", 4)) {
		if (!eq)
			return bad(ps, "page needs a size (page=4K, page=2M)");
		if (ps->seen_page)
			return bad(ps, "page= given twice");
		ps->seen_page = 1;
		if (parse_pow2_size(eq + 1, end, PAGE_SHIFT_MIN,
				    PAGE_SHIFT_MAX, &p->page_shift))
			return bad(ps, "%.*s: a page size is a power of two from 4K to 1T", n, s);
		return 0;
	}
	if (klen == 5 && !strncmp(s, "chunk", 5)) {
		if (!eq)
			return bad(ps, "chunk needs a size (chunk=64K)");
		if (ps->seen_chunk)
			return bad(ps, "chunk= given twice");
		if (!ps->md->chunked)
			return bad(ps, "chunk= is for interleave and weighted, not %s",
				   mode_names[p->mode]);
		ps->seen_chunk = 1;
		if (parse_pow2_size(eq + 1, end, CHUNK_SHIFT_MIN,
				    CHUNK_SHIFT_MAX, &p->chunk_shift))
			return bad(ps, "%.*s: a chunk is a power of two from 4K to %uM", n, s,
				   1u << (CHUNK_SHIFT_MAX - 20));
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(flag_opts); i++) {
		if (strlen(flag_opts[i].name) != klen ||
		    strncmp(s, flag_opts[i].name, klen))
			continue;
		if (eq)
			return bad(ps, "%s takes no value", flag_opts[i].name);
		if (p->flags & flag_opts[i].flag)
			return bad(ps, "%s given twice", flag_opts[i].name);
		p->flags |= flag_opts[i].flag;
		return 0;
	}
	return bad(ps, "%.*s: unknown option (page=, chunk=, fallback, populate, pinnable, huge-fallback, reserve)",
		   n, s);
}

/* Add @node with @weight; @how names the item for a message. */
static int add_node(struct tier_policy *p, uint32_t node, uint32_t weight,
		    const char *s, int n, struct parse_state *ps)
{
	uint32_t i;

	if (p->nr_nodes >= TIER_MAX_POLICY_NODES)
		return bad(ps, "more than %d nodes", TIER_MAX_POLICY_NODES);
	for (i = 0; i < p->nr_nodes; i++)
		if (p->nodes[i].node == node)
			return bad(ps, "%.*s: node %u given twice", n, s, node);
	p->nodes[p->nr_nodes].node = node;
	p->nodes[p->nr_nodes].weight = weight;
	p->nr_nodes++;
	return 0;
}

/* The index in node_names[] of the @len characters at @s, or -1. */
static int node_name_lookup(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(node_names); i++)
		if (strlen(node_names[i].name) == len &&
		    !strncmp(node_names[i].name, s, len))
			return (int)i;
	return -1;
}

/*
 * An item that names nodes: "N", "A-B" (every node from A to B), or a name
 * of node_names[] resolved on the context's topology, each with the
 * item's weight.
 */
static int parse_node_item(const char *s, const char *end,
			   struct tier_policy *p, struct parse_state *ps)
{
	const struct mode_desc *md = ps->md;
	const char *eq = memchr(s, '=', (size_t)(end - s));
	const char *nend = eq ? eq : end;
	const char *dash = memchr(s, '-', (size_t)(nend - s));
	const char *mode = mode_names[p->mode];
	uint32_t first, last, weight = 0, node;
	int n = (int)(end - s), name = -1, err;

	if (is_alpha(*s)) {
		name = node_name_lookup(s, (size_t)(nend - s));
		if (name < 0)
			return bad(ps, "%.*s: not a node, a range or a tier name (all, dram, cxl)",
				   n, s);
		first = last = 0;
	} else if (dash) {
		if (parse_u32(s, dash, &first) || parse_u32(dash + 1, nend, &last))
			return bad(ps, "%.*s: a node range is FIRST-LAST (0-3)", n, s);
		if (last < first)
			return bad(ps, "%.*s: a range goes up (%u-%u)", n, s, last, first);
	} else if (parse_u32(s, nend, &first)) {
		return bad(ps, "%.*s: a node number expected", n, s);
	} else {
		last = first;
	}
	if (eq) {
		const char *wend = end;
		int pct = wend > eq + 1 && wend[-1] == '%';

		if (md->weights == WEIGHT_NONE)
			return bad(ps, "%.*s: %s takes no weights", n, s, mode);
		if (pct) {
			if (md->weights != WEIGHT_SHARE)
				return bad(ps, "%.*s: only split takes percentages", n, s);
			if (ps->percent < 0)
				return bad(ps, "%.*s: all shares in percent or none", n, s);
			wend--;
		} else if (ps->percent > 0) {
			return bad(ps, "%.*s: all shares in percent or none", n, s);
		}
		ps->percent = pct ? 1 : -1;
		if (parse_u32(eq + 1, wend, &weight) || !weight ||
		    weight > CXLTIER_MAX_WEIGHT)
			return bad(ps, "%.*s: a weight is a whole number from 1 to %u",
				   n, s, CXLTIER_MAX_WEIGHT);
	} else if (md->weights != WEIGHT_NONE) {
		return bad(ps, "%.*s: %s needs a weight for each node (%.*s=%s)", n, s,
			   mode, (int)(nend - s), s,
			   md->weights == WEIGHT_SHARE ? "50%" : "1");
	}
	if ((name >= 0 || first != last) && md->weights == WEIGHT_SHARE)
		return bad(ps, "%.*s: split gives each node its own share: name the nodes one by one",
			   n, s);
	if (name < 0) {
		for (node = first;; node++) {
			err = add_node(p, node, weight, s, n, ps);
			if (err || node == last)
				return err;
		}
	}
	/*
	 * a tier name: the nodes of the context's snapshot, in order.  Without
	 * a context, the rest of the string is still checked: what is wrong
	 * with it is said before that the name needs a topology.
	 */
	if (!ps->ctx) {
		if (!ps->name_item) {
			ps->name_item = s;
			ps->name_len = n;
		}
		return 0;
	}
	{
		unsigned int i, found = 0;

		for (i = 0; i < ps->ctx->nr_nodes; i++) {
			const struct tier_node *t = &ps->ctx->nodes[i];

			if (node_names[name].tier >= 0 &&
			    t->tier != (uint32_t)node_names[name].tier)
				continue;
			err = add_node(p, t->node, weight, s, n, ps);
			if (err)
				return err;
			found++;
		}
		if (!found)
			return bad(ps, "%.*s: this host has no %s node", n, s,
				   node_names[name].tier >= 0 ?
				   node_names[name].name : "memory");
	}
	return 0;
}

/* An item that is a name of node_names[] (with or without a weight). */
static int is_node_name(const char *s, const char *end)
{
	const char *eq = memchr(s, '=', (size_t)(end - s));

	return node_name_lookup(s, (size_t)((eq ? eq : end) - s)) >= 0;
}

static uint64_t weight_sum(const struct tier_policy *p)
{
	uint64_t sum = 0;
	uint32_t i;

	for (i = 0; i < p->nr_nodes; i++)
		sum += p->nodes[i].weight;
	return sum;
}

static int policy_parse(const char *s, struct tier_policy *p,
			struct parse_state *ps)
{
	const char *colon, *item;
	int err;

	memset(p, 0, sizeof(*p));
	colon = strchr(s, ':');
	if (!colon || mode_lookup(s, (size_t)(colon - s), &p->mode)) {
		err = colon ?
			bad(ps, "unknown mode \"%.*s\" (bind, preferred, interleave, weighted, split)",
			    (int)(colon - s), s) :
			bad(ps, "MODE:NODES expected (bind:0, interleave:0-3, weighted:dram=3,cxl=1)");
		goto fail;
	}
	ps->md = &modes[p->mode];

	for (item = colon + 1;; item++) {
		const char *end = strchr(item, ',');

		if (!end)
			end = item + strlen(item);
		if (end == item)
			err = bad(ps, "an empty item (two commas, or nothing after ':' or ',')");
		else if (is_alpha(*item) && !is_node_name(item, end))
			err = parse_option(item, end, p, ps);
		else
			err = parse_node_item(item, end, p, ps);
		if (err)
			goto fail;
		if (!*end)
			break;
		item = end;
	}
	if (ps->name_item) {
		err = bad(ps, "%.*s: a tier name needs this host's topology (tier_policy_parse_ctx())",
			  ps->name_len, ps->name_item);
		goto fail;
	}
	if (!p->nr_nodes) {
		err = bad(ps, "no node: give at least one");
		goto fail;
	}
	if (ps->percent > 0 && weight_sum(p) != 100) {
		err = bad(ps, "shares add up to %llu%%, not 100%%",
			  (unsigned long long)weight_sum(p));
		goto fail;
	}
	if (p->chunk_shift && p->page_shift && p->chunk_shift < p->page_shift) {
		err = bad(ps, "chunk= is smaller than page=");
		goto fail;
	}
	return 0;
fail:
	memset(p, 0, sizeof(*p));
	return err;
}

TIER_EXPORT int tier_policy_parse_ctx(const struct tier_ctx *ctx,
				     const char *s, struct tier_policy *p)
{
	struct parse_state ps = { .ctx = ctx };

	if (!s || !p)
		return -EINVAL;
	return policy_parse(s, p, &ps);
}

TIER_EXPORT int tier_policy_parse(const char *s, struct tier_policy *p)
{
	return tier_policy_parse_ctx(NULL, s, p);
}

TIER_EXPORT int tier_policy_explain_ctx(const struct tier_ctx *ctx,
					const char *s, char *why, size_t len)
{
	struct parse_state ps = { .ctx = ctx, .why = why, .why_len = len };
	struct tier_policy p;

	if (!s || (!why && len))
		return -EINVAL;
	if (why && len)
		why[0] = '\0';
	return policy_parse(s, &p, &ps);
}

TIER_EXPORT int tier_policy_explain(const char *s, char *why, size_t len)
{
	return tier_policy_explain_ctx(NULL, s, why, len);
}

/* Append to a bounded string; once it is full, only @pos keeps counting. */
static void __attribute__((format(printf, 4, 5)))
append(char *buf, size_t size, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + (*pos < size ? *pos : size),
		      *pos < size ? size - *pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n;
}

/* ",KEY=SIZE" with the largest unit that divides the size: 4K, 2M, 1G. */
static void append_size(char *buf, size_t size, size_t *pos, const char *key,
			uint32_t shift)
{
	static const char units[] = "\0KMG";
	unsigned int u = shift >= 30 ? 3 : shift / 10;

	append(buf, size, pos, ",%s=%llu%c", key,
	       1ULL << (shift - 10 * u), units[u]);
}

/* Whether tier_policy_parse() could have produced @p. */
static int policy_has_string(const struct tier_policy *p,
			     const struct mode_desc *md)
{
	uint32_t i, j;

	if (p->flags & ~TIER_KNOWN_FLAGS)
		return 0;
	if (p->__reserved[0] || p->__reserved[1] || p->__reserved[2])
		return 0;
	if (!p->nr_nodes || p->nr_nodes > TIER_MAX_POLICY_NODES)
		return 0;
	if (p->page_shift &&
	    (p->page_shift < PAGE_SHIFT_MIN || p->page_shift > PAGE_SHIFT_MAX))
		return 0;
	if (p->chunk_shift &&
	    (!md->chunked || p->chunk_shift < CHUNK_SHIFT_MIN ||
	     p->chunk_shift > CHUNK_SHIFT_MAX ||
	     (p->page_shift && p->chunk_shift < p->page_shift)))
		return 0;
	for (i = 0; i < p->nr_nodes; i++) {
		uint32_t w = p->nodes[i].weight;

		if (md->weights == WEIGHT_NONE ? w != 0 :
		    (w == 0 || w > CXLTIER_MAX_WEIGHT))
			return 0;
		for (j = 0; j < i; j++)
			if (p->nodes[j].node == p->nodes[i].node)
				return 0;
	}
	return 1;
}

TIER_EXPORT int tier_policy_format(const struct tier_policy *p, char *buf,
				   size_t len)
{
	const struct mode_desc *md;
	size_t pos = 0, i;
	int pct;

	if (!p || !buf)
		return -EINVAL;
	if (p->mode >= CXLTIER_NR_MODES)
		return -EINVAL;
	md = &modes[p->mode];
	if (!policy_has_string(p, md))
		return -EINVAL;
	pct = md->weights == WEIGHT_SHARE && weight_sum(p) == 100;

	if (len)
		buf[0] = '\0';
	append(buf, len, &pos, "%s:", mode_names[p->mode]);
	for (i = 0; i < p->nr_nodes; i++) {
		append(buf, len, &pos, "%s%u", i ? "," : "", p->nodes[i].node);
		if (md->weights != WEIGHT_NONE)
			append(buf, len, &pos, "=%u%s", p->nodes[i].weight,
			       pct ? "%" : "");
	}
	if (p->page_shift)
		append_size(buf, len, &pos, "page", p->page_shift);
	if (p->chunk_shift)
		append_size(buf, len, &pos, "chunk", p->chunk_shift);
	for (i = 0; i < ARRAY_SIZE(flag_opts); i++)
		if (p->flags & flag_opts[i].flag)
			append(buf, len, &pos, ",%s", flag_opts[i].name);
	if (pos >= len)
		return -ENOSPC;
	return (int)pos;
}

/* ------------------------------------------------------------------------ */
/* Layouts: the uapi's arithmetic (<linux/cxltier_layout.h>) on a policy      */

/* The weights sit in the policy's node list, every second __u32. */
_Static_assert(sizeof(struct tier_policy_node) == 2 * sizeof(uint32_t) &&
	       offsetof(struct tier_policy_node, weight) == sizeof(uint32_t),
	       "weight_stride 2 reads tier_policy_node.weight");

int tier_layout_init(struct tier_layout *l, const struct tier_policy *p,
		     uint64_t nr_units, unsigned int unit_shift)
{
	struct cxltier_layout *r = &l->rule;
	uint64_t prefix = 0;
	uint32_t i;

	memset(l, 0, sizeof(*l));
	l->nodes = p->nodes;
	r->mode = p->mode;
	r->nr_nodes = p->nr_nodes;
	r->chunk_units_shift = p->chunk_shift > unit_shift ?
			       p->chunk_shift - unit_shift : 0;
	r->weight_stride = 2;
	r->weights = &p->nodes[0].weight;
	r->weight_sum = weight_sum(p);
	r->nr_units = nr_units;
	if (p->mode != CXLTIER_MODE_SPLIT)
		return 0;

	l->split_end = calloc(p->nr_nodes, sizeof(*l->split_end));
	if (!l->split_end)
		return -ENOMEM;
	for (i = 0; i < p->nr_nodes; i++) {
		prefix += p->nodes[i].weight;
		l->split_end[i] = cxltier_layout_split_end(nr_units, prefix,
							   r->weight_sum);
	}
	r->split_end = l->split_end;
	return 0;
}

void tier_layout_free(struct tier_layout *l)
{
	free(l->split_end);
	l->split_end = NULL;
	l->rule.split_end = NULL;
}
