/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Physical memory as a test program sees it: the page frame behind an
 * address (/proc/self/pagemap; frame numbers need CAP_SYS_ADMIN) and the
 * size of the memory blocks that memory hotplug onlines and offlines.
 * Included through tests/lib/cxlt_common.h, or on its own by a program
 * that does not use the rest (tests/faultinj).
 */
#ifndef CXLT_PAGEMAP_H
#define CXLT_PAGEMAP_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

/* PFN of the page mapped at @p per /proc/self/pagemap, 0 if none. */
static inline uint64_t pfn_of(const void *p)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e),
		  (off_t)((uintptr_t)p / page * sizeof(e))) != sizeof(e))
		e = 0;
	close(fd);
	if (!(e & (1ULL << 63)))	/* not present */
		return 0;
	return e & ((1ULL << 55) - 1);
}

/* Bytes per memory block (/sys/devices/system/memory), or 0. */
static inline uint64_t memory_block_size(void)
{
	static uint64_t size;
	unsigned long long v;
	FILE *f;

	if (size)
		return size;
	f = fopen("/sys/devices/system/memory/block_size_bytes", "re");
	if (!f)
		return 0;
	if (fscanf(f, "%llx", &v) == 1)
		size = v;
	fclose(f);
	return size;
}

#endif /* CXLT_PAGEMAP_H */
