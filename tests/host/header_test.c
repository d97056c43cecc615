/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libtier.h, tier_plan.h and tier_optim.h must stand alone and compile as C99 and as C++11 with
 * -Wall -Wextra -Werror -pedantic; linking this file as C++ proves the
 * extern "C" block (mangled names would not resolve).
 */
#include <libtier.h>
#include <libtier.h>	/* include guard */
#include <tier_plan.h>
#include <tier_plan.h>	/* include guard */
#include <tier_optim.h>
#include <tier_optim.h>	/* include guard */

#include <errno.h>
#include <string.h>

int main(void)
{
	struct tier_policy p;
	struct tier_buf_stat st;
	struct tier_node n;
	struct tier_info info;
	char s[TIER_POLICY_STRLEN];

	memset(&st, 0, sizeof(st));
	memset(&n, 0, sizeof(n));
	memset(&info, 0, sizeof(info));
	if (tier_policy_parse("bind:0", &p) != 0 || p.mode != CXLTIER_MODE_BIND)
		return 1;
	if (tier_policy_format(&p, s, sizeof(s)) != 6 || strcmp(s, "bind:0"))
		return 1;
	if (tier_open(NULL, 0) != -EINVAL || !tier_version()[0])
		return 1;
	if (!tier_plan_name(TIER_PLAN_CXLTIER) || tier_plan_name(TIER_PLAN_NR))
		return 1;
	if (tier_optim_create(NULL, NULL) != -EINVAL ||
	    !tier_optim_simd_name(TIER_SIMD_SCALAR))
		return 1;
	return (int)(n.node + st.nr_resident + info.api_version);
}
