// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Policy strings, see tier_policy_parse() in libtier.h:
 *
 *   policy  := MODE ':' item { ',' item }
 *   item    := NODE [ '=' WEIGHT [ '%' ] ] | KEY '=' VALUE
 *
 * Adding a mode later means: a CXLTIER_MODE_* in the uapi, ".supported = 1"
 * and its weight rule in the table below, and its checks in the backends.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "libtier-private.h"

enum weight_rule {
	WEIGHT_NONE,		/* "N" only */
	WEIGHT_PLAIN,		/* "N=W" */
	WEIGHT_PERCENT,		/* "N=P%" */
};

struct mode_desc {
	const char *name;
	uint32_t mode;		/* CXLTIER_MODE_*, when supported */
	int supported;
	enum weight_rule weights;
};

static const struct mode_desc modes[] = {
	{ "bind",	CXLTIER_MODE_BIND, 1, WEIGHT_NONE },
	/* Known names, reserved for later API versions: -EOPNOTSUPP. */
	{ "weighted",	0, 0, WEIGHT_PLAIN },
	{ "split",	0, 0, WEIGHT_PERCENT },
	{ "interleave",	0, 0, WEIGHT_NONE },
	{ "preferred",	0, 0, WEIGHT_NONE },
};

/* Page sizes a policy string may name: 4 KiB .. 1 TiB. */
#define PAGE_SHIFT_MIN	12
#define PAGE_SHIFT_MAX	40

static const struct mode_desc *mode_by_name(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(modes); i++)
		if (strlen(modes[i].name) == len && !strncmp(modes[i].name, s, len))
			return &modes[i];
	return NULL;
}

static const struct mode_desc *mode_by_value(uint32_t mode)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(modes); i++)
		if (modes[i].supported && modes[i].mode == mode)
			return &modes[i];
	return NULL;
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

/* "4096", "4K", "2M", "1G": a power of two within the page-size range. */
static int parse_page_size(const char *s, const char *end, uint32_t *shift)
{
	unsigned int unit = 0;
	uint32_t v, sh;

	if (end > s) {
		switch (end[-1]) {
		case 'K': unit = 10; end--; break;
		case 'M': unit = 20; end--; break;
		case 'G': unit = 30; end--; break;
		}
	}
	if (parse_u32(s, end, &v) || !v || (v & (v - 1)))
		return -EINVAL;
	for (sh = 0; (1U << sh) != v; sh++)
		;
	sh += unit;
	if (sh < PAGE_SHIFT_MIN || sh > PAGE_SHIFT_MAX)
		return -EINVAL;
	*shift = sh;
	return 0;
}

static int parse_option(const char *s, const char *end, struct tier_policy *p,
			int *seen_page)
{
	const char *eq = memchr(s, '=', (size_t)(end - s));

	if (!eq)
		return -EINVAL;
	if (eq - s == 4 && !strncmp(s, "page", 4)) {
		if (*seen_page)
			return -EINVAL;
		*seen_page = 1;
		return parse_page_size(eq + 1, end, &p->page_shift);
	}
	return -EINVAL;
}

static int parse_node_item(const char *s, const char *end,
			   const struct mode_desc *md, struct tier_policy *p)
{
	const char *eq = memchr(s, '=', (size_t)(end - s));
	uint32_t node, weight = 0, i;
	int err;

	err = parse_u32(s, eq ? eq : end, &node);
	if (err)
		return err;
	if (eq) {
		const char *wend = end;

		if (md->weights == WEIGHT_NONE)
			return -EINVAL;
		if (md->weights == WEIGHT_PERCENT) {
			if (wend == eq + 1 || wend[-1] != '%')
				return -EINVAL;
			wend--;
		}
		err = parse_u32(eq + 1, wend, &weight);
		if (err)
			return err;
		if (!weight)
			return -EINVAL;
	} else if (md->weights != WEIGHT_NONE) {
		return -EINVAL;
	}
	if (p->nr_nodes >= TIER_MAX_POLICY_NODES)
		return -EINVAL;
	for (i = 0; i < p->nr_nodes; i++)
		if (p->nodes[i].node == node)
			return -EINVAL;
	p->nodes[p->nr_nodes].node = node;
	p->nodes[p->nr_nodes].weight = weight;
	p->nr_nodes++;
	return 0;
}

TIER_EXPORT int tier_policy_parse(const char *s, struct tier_policy *p)
{
	const struct mode_desc *md;
	const char *colon, *item;
	int err, seen_page = 0;

	if (!s || !p)
		return -EINVAL;
	memset(p, 0, sizeof(*p));

	colon = strchr(s, ':');
	if (!colon)
		return -EINVAL;
	md = mode_by_name(s, (size_t)(colon - s));
	if (!md)
		return -EINVAL;
	if (!md->supported)
		return -EOPNOTSUPP;
	p->mode = md->mode;

	for (item = colon + 1;; item++) {
		const char *end = strchr(item, ',');

		if (!end)
			end = item + strlen(item);
		if (end == item)
			err = -EINVAL;		/* empty item */
		else if (is_alpha(*item))
			err = parse_option(item, end, p, &seen_page);
		else
			err = parse_node_item(item, end, md, p);
		if (err)
			goto fail;
		if (!*end)
			break;
		item = end;
	}
	if (!p->nr_nodes) {
		err = -EINVAL;
		goto fail;
	}
	return 0;
fail:
	memset(p, 0, sizeof(*p));
	return err;
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

TIER_EXPORT int tier_policy_format(const struct tier_policy *p, char *buf,
				   size_t len)
{
	static const char units[] = "\0KMG";
	const struct mode_desc *md;
	size_t pos = 0;
	uint32_t i, j;

	if (!p || !buf)
		return -EINVAL;
	md = mode_by_value(p->mode);
	if (!md || p->flags || !p->nr_nodes ||
	    p->nr_nodes > TIER_MAX_POLICY_NODES)
		return -EINVAL;
	if (p->page_shift &&
	    (p->page_shift < PAGE_SHIFT_MIN || p->page_shift > PAGE_SHIFT_MAX))
		return -EINVAL;
	for (i = 0; i < p->nr_nodes; i++) {
		if ((md->weights == WEIGHT_NONE) != (p->nodes[i].weight == 0))
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (p->nodes[j].node == p->nodes[i].node)
				return -EINVAL;
	}

	if (len)
		buf[0] = '\0';
	append(buf, len, &pos, "%s:", md->name);
	for (i = 0; i < p->nr_nodes; i++) {
		append(buf, len, &pos, "%s%u", i ? "," : "", p->nodes[i].node);
		if (md->weights != WEIGHT_NONE)
			append(buf, len, &pos, "=%u%s", p->nodes[i].weight,
			       md->weights == WEIGHT_PERCENT ? "%" : "");
	}
	if (p->page_shift) {
		/* the largest unit that divides the page size: 4K, 2M, 1G */
		unsigned int u = p->page_shift >= 30 ? 3 : p->page_shift / 10;

		append(buf, len, &pos, ",page=%llu%c",
		       1ULL << (p->page_shift - 10 * u), units[u]);
	}
	if (pos >= len)
		return -ENOSPC;
	return (int)pos;
}
