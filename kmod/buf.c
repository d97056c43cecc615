// SPDX-License-Identifier: GPL-2.0
/*
 * cxltier: buffers, the top of the buffer layers: CXLTIER_IOC_CREATE (with
 * its reservation), the buffer's file and its release, BUF_STAT and the
 * snapshot netlink reports too.
 *
 * A buffer is a file on a private pseudo filesystem, so each buffer has an
 * inode and an address_space of its own: migration zaps exactly the user
 * PTEs of one buffer page with unmap_mapping_range(), and long-term GUP,
 * which reads mapping->host, never sees a NULL host.
 *
 * The registry.  Every buffer that has a file is in an xarray keyed by its
 * id (added at create, just before its fd is installed; removed at the end
 * of its free, from the file's release, once its pages are gone).  A lookup
 * (cxltier_buf_find(), for netlink) takes a reference on the buffer's file
 * under the xarray's lock, held for nothing else (but the OOM notifier's
 * walk, below) and never while anything sleeps: the file cannot have been
 * freed while the buffer is still in the xarray (release, which erases it,
 * runs before the file is freed), and a file whose count already dropped
 * to zero is skipped (cxltier_get_file_unless_released()).
 *
 * Below this file: map.c (mmap and faults), populate.c and migrate.c, all
 * over page.c, the page-slot store.
 */
#include "internal.h"

#include <linux/module.h>
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/oom.h>
#include <linux/sched/coredump.h>
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#define CXLTIER_FS_MAGIC 0x63786c74	/* "cxlt" */

static struct vfsmount *cxltier_mnt;
static atomic64_t cxltier_next_id = ATOMIC64_INIT(0);

/* live buffers by id; the xarray's lock protects the entries */
static DEFINE_XARRAY(cxltier_bufs);

/* ------------------------------------------------------------------------ */
/* Registry                                                                   */

static int cxltier_buf_register(struct cxltier_buf *buf, struct file *file)
{
	int ret;

	buf->file = file;
	ret = xa_insert(&cxltier_bufs, buf->id, buf, GFP_KERNEL);
	if (ret)
		buf->file = NULL;
	return ret;
}

static void cxltier_buf_unregister(struct cxltier_buf *buf)
{
	if (buf->file) {
		xa_erase(&cxltier_bufs, buf->id);
		buf->file = NULL;
	}
}

/* The id of the newest buffer so far (0: none yet); ids only grow. */
u64 cxltier_buf_last_id(void)
{
	return atomic64_read(&cxltier_next_id);
}

/*
 * The first live buffer with id >= *@id (with @exact: id *@id only), its
 * file referenced (fput() when done); *@id is its id.  NULL when there is
 * none.
 */
struct cxltier_buf *cxltier_buf_find(unsigned long *id, bool exact)
{
	struct cxltier_buf *buf;
	unsigned long start = *id;

	xa_lock(&cxltier_bufs);
	for (;;) {
		buf = xa_find(&cxltier_bufs, id, exact ? start : ULONG_MAX,
			      XA_PRESENT);
		if (!buf)
			break;
		/* a file already on its way to release: gone */
		if (cxltier_get_file_unless_released(&buf->file))
			break;
		if (exact || *id == ULONG_MAX) {
			buf = NULL;
			break;
		}
		(*id)++;
	}
	xa_unlock(&cxltier_bufs);
	return buf;
}

/* ------------------------------------------------------------------------ */
/* The OOM killer                                                             */

/*
 * The OOM killer counts a buffer in its creator's badness (page.c, "RSS"),
 * so it kills the creator, and then waits for the victim only until
 * exit_mmap() sets MMF_OOM_SKIP on its mm.  A buffer is freed later, when
 * the victim's files are closed (exit_files(), then __fput() in
 * exit_task_work()), or later still if another process holds its fd: an
 * allocation failing in that window ran the OOM killer again, and it took
 * a second process, a bystander, while the first victim's memory was on its
 * way back (seen in the OOM stress test, tests/stress/cxltier_oom.c).
 *
 * out_of_memory() asks its notifier chain, before it picks a victim, for
 * memory freed or about to be: a count that is not zero makes it return as
 * if it had killed, and the allocation retries.  This reports the pages of
 * buffers being freed now and of buffers whose creator's address space is
 * gone (MMF_OOM_SKIP: killed or exited), each buffer for at most
 * CXLTIER_OOM_GRACE after the chain first asked about it, and all of them
 * together for at most CXLTIER_OOM_GRACE in any CXLTIER_OOM_PERIOD.  The
 * bounds are what keep this sound: an allocation is never stalled for
 * good, whatever a free waits for (the process that must run to free a
 * buffer may need memory itself), and no workload can hold the killer off
 * by handing buffers on while their creators exit (MMF_OOM_SKIP is set by
 * every exit, not only a kill's): the kernel's own choice comes at most
 * CXLTIER_OOM_GRACE late, in at most a fifth of the time.  Never sleeps (it
 * runs under oom_lock); not called for a memory cgroup's OOM, whose killer
 * waits for its own victims.
 */
#define CXLTIER_OOM_GRACE	(2 * HZ)
#define CXLTIER_OOM_PERIOD	(10 * HZ)

/* when the last window of holding off began (jiffies64); under oom_lock */
static u64 cxltier_oom_window;
static bool cxltier_oom_window_used;

static int cxltier_oom_notify(struct notifier_block *nb, unsigned long unused,
			      void *arg)
{
	unsigned long *freed = arg, id;
	u64 now = get_jiffies_64();
	struct cxltier_buf *buf;
	long n = 0;

	/* under the lock: a listed buffer is not freed (cxltier_buf_free()) */
	xa_lock(&cxltier_bufs);
	xa_for_each(&cxltier_bufs, id, buf) {
		if (!READ_ONCE(buf->freeing) &&
		    (!buf->rss_mm || !test_bit(MMF_OOM_SKIP, &buf->rss_mm->flags)))
			continue;
		/* jiffies64 starts far from 0 and does not wrap: 0 is "not yet" */
		if (!buf->oom_seen)
			buf->oom_seen = now;
		if (time_before64(now, buf->oom_seen + CXLTIER_OOM_GRACE))
			n += atomic_long_read(&buf->nr_rss);
	}
	xa_unlock(&cxltier_bufs);
	if (n <= 0)
		return NOTIFY_OK;
	if (!cxltier_oom_window_used ||
	    time_after_eq64(now, cxltier_oom_window + CXLTIER_OOM_PERIOD)) {
		cxltier_oom_window = now;
		cxltier_oom_window_used = true;
	}
	if (time_before64(now, cxltier_oom_window + CXLTIER_OOM_GRACE))
		*freed += n;
	return NOTIFY_OK;
}

static struct notifier_block cxltier_oom_nb = {
	.notifier_call = cxltier_oom_notify,
};

/* ------------------------------------------------------------------------ */
/* Buffer files                                                               */

static void cxltier_buf_free(struct cxltier_buf *buf)
{
	/*
	 * No new netlink reference to the file from here: it is released.
	 * The buffer stays listed while its pages go, for the OOM notifier.
	 */
	WRITE_ONCE(buf->freeing, true);
	/* every mapping's ->close ran before its VMA let go of the file */
	WARN_ON_ONCE(!list_empty(&buf->maps));
	if (buf->slots)
		cxltier_page_free_all(buf);
	cxltier_buf_unregister(buf);
	cxltier_page_slots_free(buf);
	cxltier_page_rss_release(buf);
	cxltier_migrate_buf_free(buf);
	/* what the buffer reserved and never used */
	if (buf->resv) {
		cxltier_quota_unreserve(buf->policy, buf->resv,
					buf->nr_policy_nodes);
		kfree(buf->resv);
	}
	mem_cgroup_put(buf->memcg);
	put_pid(buf->owner_pid);
	kfree(buf->split_end);
	kfree(buf->policy);
	kfree(buf);
}

/* Last reference to the file: no fd and no mapping is left. */
static int cxltier_buf_release(struct inode *inode, struct file *file)
{
	cxltier_buf_free(file->private_data);
	return 0;
}

/*
 * What CXLTIER_IOC_BUF_STAT and the netlink BUF_GET report, taken once for
 * both (one function, so the two can never disagree): @s->st gets every
 * out field but the two capacities, @s->per_node the pages on each node
 * (nr_node_ids entries), @s->pol a copy of the policy (@s->st.nr_policy_
 * nodes entries) and @s->nr_res the number of nodes holding pages.
 * Sleeps; free with cxltier_buf_snapshot_free().
 */
int cxltier_buf_snapshot(struct cxltier_buf *buf, struct cxltier_buf_snap *s)
{
	unsigned long i;
	int nid, ret;

	memset(s, 0, sizeof(*s));
	s->per_node = kcalloc(nr_node_ids, sizeof(*s->per_node), GFP_KERNEL);
	s->pol = kmalloc_array(CXLTIER_MAX_POLICY_NODES, sizeof(*s->pol),
			       GFP_KERNEL);
	if (!s->per_node || !s->pol) {
		cxltier_buf_snapshot_free(s);
		return -ENOMEM;
	}

	/*
	 * A snapshot: pages may migrate while we count.  Batches are whole
	 * units (1024 pages, two 2 MiB units), so a unit is judged whole
	 * or split under one hold of the lock.
	 */
	for (i = 0; i < buf->nr_pages; i++) {
		unsigned long end = min(buf->nr_pages, i + 1024);

		/* the lock keeps each slot's page alive while we look at it */
		spin_lock(&buf->lock);
		for (; i < end; i++) {
			struct page *page = cxltier_slot(buf, i);

			if (!page)
				continue;
			s->per_node[cxltier_page_nid(page)]++;
			if (buf->unit_order &&
			    !(i & ((1UL << buf->unit_order) - 1)) &&
			    !cxltier_unit_is_block(buf, i))
				s->st.split_units++;
		}
		spin_unlock(&buf->lock);
		i--;
		cond_resched();
	}
	for (nid = 0; nid < nr_node_ids; nid++) {
		if (!s->per_node[nid])
			continue;
		s->st.resident_bytes += (u64)s->per_node[nid] << PAGE_SHIFT;
		s->nr_res++;
	}

	/* MIGRATE may replace the policy: copy it under policy_sem */
	down_read(&buf->policy_sem);
	memcpy(s->pol, buf->policy, buf->nr_policy_nodes * sizeof(*s->pol));
	s->st.id = buf->id;
	s->st.length = buf->length;
	s->st.mode = buf->mode;
	s->st.page_shift = buf->page_shift;
	s->st.create_flags = buf->create_flags;
	s->st.nr_policy_nodes = buf->nr_policy_nodes;
	s->st.nr_resident = s->nr_res;
	s->st.spilled_bytes =
		(u64)atomic_long_read(&buf->nr_spilled) << PAGE_SHIFT;
	s->st.chunk_shift = buf->chunk_shift;
	s->st.pmd_map_faults = atomic_long_read(&buf->nr_pmd_map_faults);
	s->st.pte_map_faults = atomic_long_read(&buf->nr_pte_map_faults);
	up_read(&buf->policy_sem);
	cxltier_migrate_stat(buf, &s->st);
	ret = cxltier_map_count_pmd_units(buf, &s->st.pmd_mapped_units);
	if (ret)
		cxltier_buf_snapshot_free(s);
	return ret;
}

void cxltier_buf_snapshot_free(struct cxltier_buf_snap *s)
{
	kfree(s->pol);
	kfree(s->per_node);
	s->pol = NULL;
	s->per_node = NULL;
}

int cxltier_buf_stat(struct cxltier_ucmd *ucmd)
{
	struct cxltier_buf *buf = ucmd->file->private_data;
	struct cxltier_buf_stat *st = ucmd->cmd;
	struct cxltier_node_weight __user *upol =
		u64_to_user_ptr(st->policy_nodes);
	struct cxltier_node_bytes __user *ures = u64_to_user_ptr(st->resident);
	u32 pol_cap = st->nr_policy_nodes, res_cap = st->nr_resident;
	u32 nr_res = 0, pol_n;
	struct cxltier_buf_snap s;
	int nid, ret = 0;

	if (st->flags || st->__reserved || st->__reserved2)
		return -EINVAL;

	ret = cxltier_buf_snapshot(buf, &s);
	if (ret)
		return ret;

	for (nid = 0; nid < nr_node_ids; nid++) {
		struct cxltier_node_bytes nb = {};

		if (!s.per_node[nid])
			continue;
		nb.node = nid;
		nb.bytes = (u64)s.per_node[nid] << PAGE_SHIFT;
		if (nr_res < res_cap &&
		    copy_to_user(&ures[nr_res], &nb, sizeof(nb))) {
			ret = -EFAULT;
			goto out;
		}
		nr_res++;
	}

	/*
	 * The policy goes out from the snapshot's copy, not under
	 * policy_sem: the user's array may be a mapping of this very buffer,
	 * whose fault takes policy_sem again, which a waiting MIGRATE would
	 * turn into a deadlock.
	 */
	pol_n = s.st.nr_policy_nodes;
	if (pol_cap &&
	    copy_to_user(upol, s.pol, min(pol_cap, pol_n) * sizeof(*s.pol))) {
		ret = -EFAULT;
		goto out;
	}
	/* the out fields; the pointers the user gave stay as they were */
	s.st.size = st->size;
	s.st.policy_nodes = st->policy_nodes;
	s.st.resident = st->resident;
	*st = s.st;
	ret = cxltier_ucmd_respond(ucmd, sizeof(*st));
	if (!ret && ((nr_res > res_cap && (res_cap || ures)) ||
		     (pol_n > pol_cap && (pol_cap || upol))))
		ret = -EMSGSIZE;
out:
	cxltier_buf_snapshot_free(&s);
	return ret;
}

static const struct file_operations cxltier_buf_fops = {
	.owner = THIS_MODULE,
	.release = cxltier_buf_release,
	.mmap = cxltier_mmap,
	.get_unmapped_area = cxltier_get_unmapped_area,
	.poll = cxltier_migrate_poll,
	.unlocked_ioctl = cxltier_buf_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/* ------------------------------------------------------------------------ */
/* CXLTIER_IOC_CREATE                                                         */

static int cxltier_dname_len(char *buffer, int buflen, const char *s)
{
	int len = strlen(s) + 1;

	if (len > buflen)
		return -ENAMETOOLONG;
	memcpy(buffer + buflen - len, s, len);
	return buflen - len;
}

static char *cxltier_fs_dname(struct dentry *dentry, char *buffer, int buflen)
{
	char name[40];
	int off;

	snprintf(name, sizeof(name), "cxltier:[%lu]",
		 d_inode(dentry)->i_ino);
	off = cxltier_dname_len(buffer, buflen, name);
	return off < 0 ? ERR_PTR(off) : buffer + off;
}

static const struct dentry_operations cxltier_fs_dops = {
	.d_dname = cxltier_fs_dname,
};

static int cxltier_fs_init_fs_context(struct fs_context *fc)
{
	struct pseudo_fs_context *ctx = init_pseudo(fc, CXLTIER_FS_MAGIC);

	if (!ctx)
		return -ENOMEM;
	ctx->dops = &cxltier_fs_dops;
	return 0;
}

static struct file_system_type cxltier_fs_type = {
	.name = "cxltierfs",
	.init_fs_context = cxltier_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

/* The pseudo filesystem every buffer's file lives on. */
int cxltier_buf_init(void)
{
	int ret;

	cxltier_mnt = kern_mount(&cxltier_fs_type);
	if (IS_ERR(cxltier_mnt))
		return PTR_ERR(cxltier_mnt);
	ret = register_oom_notifier(&cxltier_oom_nb);
	if (ret)
		kern_unmount(cxltier_mnt);
	return ret;
}

/* Every buffer held a module reference: none is left. */
void cxltier_buf_exit(void)
{
	unregister_oom_notifier(&cxltier_oom_nb);
	kern_unmount(cxltier_mnt);
	WARN_ON_ONCE(!xa_empty(&cxltier_bufs));
}

/*
 * CXLTIER_CREATE_RESERVE: reserve the buffer's pages against the quotas of
 * the nodes its policy will use (uapi/linux/cxltier.h says how, per mode).
 * On -ENOSPC buf->resv holds what was reserved, which cxltier_buf_free()
 * gives back.
 */
static int cxltier_buf_reserve(struct cxltier_buf *buf, int *refused_nid,
			       unsigned long *refused_pages)
{
	u32 n = buf->nr_policy_nodes, j;
	unsigned long unit_pages = 1UL << buf->unit_order, left, cap;

	buf->resv = kcalloc(n, sizeof(*buf->resv),
			    GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL);
	if (!buf->resv)
		return -ENOMEM;

	if (buf->mode == CXLTIER_MODE_PREFERRED) {
		/* in list order, never more than a node could ever hold */
		left = buf->nr_pages;
		for (j = 0; j < n && left; j++) {
			cap = min_t(u64, left, cxltier_node_capacity_pages(
				buf->policy[j].node, buf->pinnable));
			buf->resv[j] = cxltier_quota_reserve_upto(
				buf->policy[j].node, cap, unit_pages);
			left -= buf->resv[j];
			/* the first node whose quota cut the reservation */
			if (buf->resv[j] < cap && *refused_nid == NUMA_NO_NODE)
				*refused_nid = buf->policy[j].node;
		}
		*refused_pages = left;	/* no quota in the way: no event */
		return left ? -ENOSPC : 0;
	}

	cxltier_policy_home_units(buf, buf->resv);
	for (j = 0; j < n; j++) {
		buf->resv[j] <<= buf->unit_order;
		if (buf->resv[j] &&
		    cxltier_quota_charge(buf->policy[j].node, buf->resv[j],
					 true)) {
			*refused_nid = buf->policy[j].node;
			*refused_pages = buf->resv[j];
			/* keep only what was reserved, for the caller to free */
			memset(&buf->resv[j], 0, (n - j) * sizeof(*buf->resv));
			return -ENOSPC;
		}
	}
	return 0;
}

static struct file *cxltier_buf_file(struct cxltier_buf *buf)
{
	struct inode *inode;
	struct file *file;

	/* __fput() drops a module reference that alloc_file does not take */
	if (!try_module_get(THIS_MODULE))
		return ERR_PTR(-ENOENT);
	inode = alloc_anon_inode(cxltier_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		module_put(THIS_MODULE);
		return ERR_CAST(inode);
	}
	inode->i_size = (loff_t)buf->nr_pages << PAGE_SHIFT;
	inode->i_flags |= S_NOCMTIME;
	inode->i_private = buf;

	file = alloc_file_pseudo(inode, cxltier_mnt, "cxltier",
				 O_RDWR, &cxltier_buf_fops);
	if (IS_ERR(file)) {
		iput(inode);
		module_put(THIS_MODULE);
		return file;
	}
	file->private_data = buf;
	buf->inode = inode;
	return file;
}

int cxltier_create(struct cxltier_ucmd *ucmd)
{
	struct cxltier_create *c = ucmd->cmd;
	struct cxltier_node_weight *dflt = NULL;
	u32 dflt_mode = 0, dflt_nr = 0, dflt_chunk = 0;
	struct cxltier_buf *buf;
	struct file *file;
	u32 page_shift = c->page_shift ?: cxltier_default_page_shift();
	int refused_nid = NUMA_NO_NODE;
	unsigned long refused_pages = 0;
	int fd, ret;

	/* out_fd and out_id are outputs: whatever they hold is ignored */
	if ((c->flags & ~CXLTIER_CREATE_FLAGS) || c->__reserved2)
		return -EINVAL;
	if (!c->length)
		return -EINVAL;
	/* the default policy, or one given here: not both */
	if ((c->flags & CXLTIER_CREATE_DEFAULT_POLICY) &&
	    (c->mode || c->nr_nodes || c->nodes || c->chunk_shift))
		return -EINVAL;
	if (page_shift != PAGE_SHIFT && page_shift != CXLTIER_HUGE_PAGE_SHIFT)
		return -EINVAL;

	/*
	 * The buffer's metadata is charged to the creator's memory cgroup
	 * too; at its limit the create fails with -ENOMEM (RETRY_MAYFAIL:
	 * no OOM kill).
	 */
	buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL);
	if (!buf)
		return -ENOMEM;
	spin_lock_init(&buf->lock);
	init_rwsem(&buf->policy_sem);
	mutex_init(&buf->maps_lock);
	INIT_LIST_HEAD(&buf->maps);
	atomic_long_set(&buf->nr_resident, 0);
	atomic_long_set(&buf->nr_spilled, 0);

	buf->length = c->length;
	buf->page_shift = page_shift;
	buf->unit_order = page_shift - PAGE_SHIFT;
	/* round up without overflowing near 2^64 */
	buf->nr_units = (c->length >> page_shift) +
			!!(c->length & ((1ULL << page_shift) - 1));
	buf->nr_pages = buf->nr_units << buf->unit_order;
	buf->create_flags = c->flags;
	buf->pinnable = c->flags & CXLTIER_CREATE_PINNABLE;
	buf->gfp = (buf->pinnable ? GFP_HIGHUSER : GFP_HIGHUSER_MOVABLE) |
		   __GFP_THISNODE | __GFP_ZERO | __GFP_NOWARN | __GFP_ACCOUNT;
	/* the memory cgroup every page is charged to (NULL: memcg is off) */
	buf->memcg = get_mem_cgroup_from_mm(current->mm);
	cxltier_page_rss_init(buf);	/* after ->pinnable */
	/* the owner netlink reports, and whose buffers a user may list */
	buf->owner_pid = get_task_pid(current, PIDTYPE_TGID);
	buf->owner_uid = current_euid();

	if (c->flags & CXLTIER_CREATE_DEFAULT_POLICY) {
		/* a copy, taken now: a later change does not move the buffer */
		ret = cxltier_default_policy_get(&dflt_mode, &dflt, &dflt_nr,
						 &dflt_chunk);
		if (ret)	/* -ENOENT: none set */
			goto err_free;
		/*
		 * the create-time checks (-ENODEV, -EFBIG; -EINVAL for a
		 * chunk below the page size); frees dflt
		 */
		ret = cxltier_policy_load_nodes(dflt_mode, dflt, dflt_nr,
						dflt_chunk, buf);
	} else {
		ret = cxltier_policy_load(c, buf);	/* -EFBIG: too large */
	}
	if (ret)
		goto err_free;
	ret = cxltier_migrate_buf_init(buf);
	if (ret)
		goto err_free;

	if (c->flags & (CXLTIER_CREATE_RESERVE | CXLTIER_CREATE_POPULATE)) {
		ret = cxltier_buf_reserve(buf, &refused_nid,
					  &refused_pages);	/* -ENOSPC */
		if (ret)
			goto err_free;
	}

	ret = cxltier_page_slots_alloc(buf);
	if (ret)
		goto err_free;
	buf->id = atomic64_inc_return(&cxltier_next_id);

	/*
	 * The file (and its inode) before any page: a populated page is
	 * movable at once, and migrating it zaps through buf->inode.
	 */
	file = cxltier_buf_file(buf);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_free;
	}
	/* From here the file owns the buffer: fput() frees it. */

	if (c->flags & CXLTIER_CREATE_POPULATE) {
		ret = cxltier_populate(buf);
		if (ret)
			goto err_file;
	}

	/* listed (netlink BUF_GET) from here until its release */
	ret = cxltier_buf_register(buf, file);
	if (ret)
		goto err_file;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_file;
	}
	c->out_fd = fd;
	c->out_id = buf->id;
	ret = cxltier_ucmd_respond(ucmd, sizeof(*c));
	if (ret) {
		put_unused_fd(fd);
		goto err_file;
	}
	fd_install(fd, file);
	return 0;

err_file:
	fput(file);
	return ret;
err_free:
	cxltier_buf_free(buf);
	if (ret == -ENOSPC && refused_nid != NUMA_NO_NODE)
		cxltier_nl_quota_refused(NULL, refused_nid, refused_pages);
	return ret;
}

