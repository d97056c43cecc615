// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier: ioctl dispatch, after iommufd.  One table per kind of file:
 * /dev/cxltier's (GET_INFO, CREATE, the pools) and a buffer's (BUF_STAT,
 * MIGRATE).  Each entry names the handler and the sizes of its struct;
 * cxltier_ioctl_dispatch() checks and copies the struct in, the handler
 * answers with cxltier_ucmd_respond() (internal.h).
 */
#include "internal.h"

#include <linux/uaccess.h>

/*
 * Every cxltier ioctl carries its size in the struct, so the command number
 * itself is _IO(CXLTIER_TYPE, nr).  Look the number up in @ops (one table per
 * kind of file), check the size the user claims, and copy the struct in with
 * copy_struct_from_user(): a short size is -EINVAL, a longer one with a
 * non-zero tail -E2BIG.
 */
static long cxltier_ioctl_dispatch(struct file *file, unsigned int cmd,
				   unsigned long arg,
				   const struct cxltier_ioctl_op *ops)
{
	union {
		struct cxltier_info info;
		struct cxltier_create create;
		struct cxltier_buf_stat stat;
		struct cxltier_migrate migrate;
		struct cxltier_pool_add pool_add;
		struct cxltier_pool_remove pool_remove;
		struct cxltier_pool_list pool_list;
	} buf;
	const struct cxltier_ioctl_op *op;
	struct cxltier_ucmd ucmd = {};
	unsigned int nr = _IOC_NR(cmd);
	u32 user_size;
	int ret;

	if (cmd != _IO(CXLTIER_TYPE, nr) || nr < CXLTIER_CMD_BASE ||
	    nr >= CXLTIER_CMD_LAST)
		return -ENOTTY;
	op = &ops[nr - CXLTIER_CMD_BASE];
	if (!op->execute)
		return -ENOTTY;

	ucmd.file = file;
	ucmd.ubuffer = (void __user *)arg;
	if (get_user(user_size, (u32 __user *)ucmd.ubuffer))
		return -EFAULT;
	if (user_size < op->min_size)
		return -EINVAL;
	ucmd.user_size = user_size;
	ucmd.cmd = &buf;
	memset(&buf, 0, sizeof(buf));
	ret = copy_struct_from_user(ucmd.cmd, op->size, ucmd.ubuffer,
				    user_size);
	if (ret)
		return ret;
	return op->execute(&ucmd);
}

static const struct cxltier_ioctl_op cxltier_dev_ioctl_ops[CXLTIER_NR_CMDS] = {
	CXLTIER_IOCTL_OP(CXLTIER_CMD_GET_INFO, cxltier_get_info,
			 struct cxltier_info, nodes),
	CXLTIER_IOCTL_OP(CXLTIER_CMD_CREATE, cxltier_create,
			 struct cxltier_create, out_id),
	CXLTIER_IOCTL_OP(CXLTIER_CMD_POOL_ADD, cxltier_pool_add,
			 struct cxltier_pool_add, __reserved2),
	CXLTIER_IOCTL_OP(CXLTIER_CMD_POOL_REMOVE, cxltier_pool_remove,
			 struct cxltier_pool_remove, __reserved),
	CXLTIER_IOCTL_OP(CXLTIER_CMD_POOL_LIST, cxltier_pool_list,
			 struct cxltier_pool_list, pools),
};

static const struct cxltier_ioctl_op cxltier_buf_ioctl_ops[CXLTIER_NR_CMDS] = {
	CXLTIER_IOCTL_OP(CXLTIER_CMD_BUF_STAT, cxltier_buf_stat,
			 struct cxltier_buf_stat, resident_bytes),
	CXLTIER_IOCTL_OP(CXLTIER_CMD_MIGRATE, cxltier_migrate,
			 struct cxltier_migrate, rate_bytes),
};

/* /dev/cxltier's unlocked_ioctl (main.c) */
long cxltier_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return cxltier_ioctl_dispatch(file, cmd, arg, cxltier_dev_ioctl_ops);
}

/* a buffer file's unlocked_ioctl (buf.c) */
long cxltier_buf_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return cxltier_ioctl_dispatch(file, cmd, arg, cxltier_buf_ioctl_ops);
}
