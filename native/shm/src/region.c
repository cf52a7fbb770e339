/* Regions: create on hugetlbfs or /dev/shm, attach with key check, named-object directory. */
#include "shm_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#define HUGE_PAGE (2ull << 20)
#define SMALL_PAGE 4096ull

static int valid_name(const char *name, size_t max)
{
	size_t n;
	if (!name || !name[0] || name[0] == '.')
		return 0;
	n = strnlen(name, max);
	if (n >= max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int fp__valid_object_name(const char *name) { return valid_name(name, FP_OBJECT_NAME_MAX); }

static const char *shm_dir(void)
{
	const char *d = getenv("FASTPATH_SHM_DIR");
	return d && d[0] ? d : "/dev/shm";
}

const char *fp__shm_dir(void) { return shm_dir(); }

void fp__fifo_path(char *out, size_t len, const char *region, const char *ring)
{
	/* '@' is not allowed in region names, so the prefix "fastpath-<region>@" is unambiguous */
	snprintf(out, len, "%s/fastpath-%s@%s.wake", shm_dir(), region, ring);
}

/* First hugetlbfs mount with 2 MiB pages from /proc/mounts, or 0. */
static int huge_dir(char *out, size_t len)
{
	FILE *f = fopen("/proc/mounts", "r");
	char dev[256], dir[192], type[64], opts[512];
	int found = 0;
	if (!f)
		return 0;
	while (fscanf(f, "%255s %191s %63s %511s %*d %*d", dev, dir, type, opts) == 4) {
		if (strcmp(type, "hugetlbfs") != 0)
			continue;
		/* pagesize= is absent when it is the default (2M on x86-64) */
		if (strstr(opts, "pagesize=") && !strstr(opts, "pagesize=2M") && !strstr(opts, "pagesize=2048k"))
			continue;
		snprintf(out, len, "%s", dir);
		found = 1;
		break;
	}
	fclose(f);
	return found;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* 2 MiB pages that a new mapping can still reserve (free minus reserved-but-unfaulted). */
static long huge_available(void)
{
	long fr = read_long("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");
	long rs = read_long("/sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages");
	if (fr < 0)
		return 0;
	return fr - (rs > 0 ? rs : 0);
}

static void file_path(char *out, size_t len, const char *dir, const char *name)
{
	snprintf(out, len, "%s/fastpath-%s", dir, name);
}

static int sys_err(void) { return FP_E_SYS; }

/* Publishes tmp as final without replacing an existing file. */
static int publish(const char *tmp, const char *final)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EEXIST)
		return FP_E_EXIST;
	if (errno != EINVAL && errno != ENOSYS)
		return sys_err();
	/* filesystems without RENAME_NOREPLACE: link() also refuses to replace */
	if (link(tmp, final) != 0)
		return errno == EEXIST ? FP_E_EXIST : sys_err();
	unlink(tmp);
	return 0;
}

static int exists_anywhere(const char *name)
{
	char p[256], hd[200];
	file_path(p, sizeof(p), shm_dir(), name);
	if (access(p, F_OK) == 0)
		return 1;
	if (huge_dir(hd, sizeof(hd))) {
		file_path(p, sizeof(p), hd, name);
		if (access(p, F_OK) == 0)
			return 1;
	}
	return 0;
}

/* Creates, sizes, maps and initialises the file at dir; publishes it under its final name. */
static int create_in(const char *dir, int backing, const char *name, uint64_t size, struct fp_region **out)
{
	char tmp[300], final[256];
	uint64_t page = backing == FP_BACKING_HUGETLBFS ? HUGE_PAGE : SMALL_PAGE;
	uint64_t len = FP_ALIGN_UP(size + FP_REGION_HEADER_SIZE, page);
	struct fp_region *r;
	struct fp_region_hdr *h;
	pthread_mutexattr_t ma;
	void *base;
	int fd, rc, e;

	file_path(final, sizeof(final), dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", final, (int)getpid());
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return sys_err();
	fchmod(fd, 0600); /* umask cannot widen it, but be explicit */
	if (ftruncate(fd, (off_t)len) != 0)
		goto fail_sys;
	if (backing == FP_BACKING_SHM) {
		/* reserve tmpfs blocks now: a full /dev/shm is ENOSPC here, not SIGBUS later */
		e = posix_fallocate(fd, 0, (off_t)len);
		if (e) {
			errno = e;
			goto fail_sys;
		}
	}
	base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		return e == ENOMEM && backing == FP_BACKING_HUGETLBFS ? FP_E_NOHUGE : FP_E_SYS;
	}
	close(fd);
	h = base;
	memset(h, 0, FP_REGION_HEADER_SIZE);
	h->version = FP_REGION_LAYOUT_VERSION;
	h->header_size = FP_REGION_HEADER_SIZE;
	h->size = len;
	h->creator_pid = (int32_t)getpid();
	h->backing = (uint32_t)backing;
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->top = FP_REGION_HEADER_SIZE;
	if (getrandom(h->key, sizeof(h->key), 0) != (ssize_t)sizeof(h->key)) {
		e = errno;
		munmap(base, len);
		unlink(tmp);
		errno = e;
		return FP_E_SYS;
	}
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&h->dir_lock, &ma);
	pthread_mutexattr_destroy(&ma);
	/* magic last: an attacher never sees a half-initialised header */
	__atomic_store_n(&h->magic, FP_REGION_MAGIC, __ATOMIC_RELEASE);
	rc = publish(tmp, final);
	if (rc) {
		e = errno;
		munmap(base, len);
		unlink(tmp);
		errno = e;
		return rc;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		munmap(base, len);
		unlink(final);
		return FP_E_SYS;
	}
	r->hdr = h;
	r->size = len;
	r->backing = backing;
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->path, sizeof(r->path), "%s", final);
	*out = r;
	return 0;

fail_sys:
	e = errno;
	close(fd);
	unlink(tmp);
	errno = e;
	return FP_E_SYS;
}

int fp_region_create(const char *name, uint64_t size, unsigned flags, struct fp_region **out)
{
	const char *env = getenv("FASTPATH_SHM_NO_HUGEPAGES");
	int no_huge = (flags & FP_REGION_NO_HUGE) || (env && env[0] == '1');
	char hd[200];
	int rc;

	if (!out || !valid_name(name, FP_REGION_NAME_MAX) || size == 0 || size > (1ull << 40) ||
	    (flags & ~(FP_REGION_NO_HUGE | FP_REGION_REQUIRE_HUGE)) ||
	    ((flags & FP_REGION_NO_HUGE) && (flags & FP_REGION_REQUIRE_HUGE)))
		return FP_E_INVAL;
	*out = NULL;
	if (exists_anywhere(name))
		return FP_E_EXIST;
	if (!no_huge || (flags & FP_REGION_REQUIRE_HUGE)) {
		uint64_t pages = FP_ALIGN_UP(size + FP_REGION_HEADER_SIZE, HUGE_PAGE) / HUGE_PAGE;
		if (huge_dir(hd, sizeof(hd)) && huge_available() >= (long)pages) {
			rc = create_in(hd, FP_BACKING_HUGETLBFS, name, size, out);
			if (rc != FP_E_NOHUGE && !(rc == FP_E_SYS && errno == ENOSPC))
				return rc;
		}
		if (flags & FP_REGION_REQUIRE_HUGE)
			return FP_E_NOHUGE;
	}
	return create_in(shm_dir(), FP_BACKING_SHM, name, size, out);
}

static int open_existing(const char *name, char *path, size_t len, int *backing)
{
	char hd[200];
	int fd;
	if (huge_dir(hd, sizeof(hd))) {
		file_path(path, len, hd, name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			*backing = FP_BACKING_HUGETLBFS;
			return fd;
		}
	}
	file_path(path, len, shm_dir(), name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	*backing = FP_BACKING_SHM;
	return fd;
}

int fp_region_attach(const char *name, const uint8_t key[FP_REGION_KEY_LEN], struct fp_region **out)
{
	struct fp_region *r;
	struct fp_region_hdr *h;
	struct stat st;
	char path[256];
	uint8_t diff = 0;
	void *base;
	int fd, backing, e;

	if (!out || !key || !valid_name(name, FP_REGION_NAME_MAX))
		return FP_E_INVAL;
	*out = NULL;
	fd = open_existing(name, path, sizeof(path), &backing);
	if (fd < 0)
		return errno == ENOENT ? FP_E_NOENT : FP_E_SYS;
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		errno = e;
		return FP_E_SYS;
	}
	if ((uint64_t)st.st_size < FP_REGION_HEADER_SIZE) {
		close(fd);
		return FP_E_MAGIC;
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	e = errno;
	close(fd);
	if (base == MAP_FAILED) {
		errno = e;
		return FP_E_SYS;
	}
	h = base;
	if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != FP_REGION_MAGIC || h->size != (uint64_t)st.st_size) {
		munmap(base, (size_t)st.st_size);
		return FP_E_MAGIC;
	}
	if (h->version != FP_REGION_LAYOUT_VERSION || h->header_size != FP_REGION_HEADER_SIZE) {
		munmap(base, (size_t)st.st_size);
		return FP_E_VERSION;
	}
	for (int i = 0; i < FP_REGION_KEY_LEN; i++) /* constant time */
		diff |= (uint8_t)(h->key[i] ^ key[i]);
	if (diff) {
		munmap(base, (size_t)st.st_size);
		return FP_E_KEY;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		munmap(base, (size_t)st.st_size);
		return FP_E_SYS;
	}
	r->hdr = h;
	r->size = (uint64_t)st.st_size;
	r->backing = backing;
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->path, sizeof(r->path), "%s", path);
	*out = r;
	return 0;
}

void fp_region_detach(struct fp_region *r)
{
	if (!r)
		return;
	munmap(r->hdr, r->size);
	free(r);
}

/* Removes the wake FIFOs of region `name` ("fastpath-<name>@*.wake" in the shm dir). */
static void unlink_fifos(const char *name)
{
	char prefix[FP_REGION_NAME_MAX + 16], p[512];
	struct dirent *e;
	DIR *d = opendir(shm_dir());
	size_t n;
	if (!d)
		return;
	n = (size_t)snprintf(prefix, sizeof(prefix), "fastpath-%s@", name);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, n) != 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", shm_dir(), e->d_name);
		unlink(p);
	}
	closedir(d);
}

int fp_region_unlink(const char *name)
{
	char p[256], hd[200];
	int found = 0;
	if (!valid_name(name, FP_REGION_NAME_MAX))
		return FP_E_INVAL;
	if (huge_dir(hd, sizeof(hd))) {
		file_path(p, sizeof(p), hd, name);
		if (unlink(p) == 0)
			found = 1;
	}
	file_path(p, sizeof(p), shm_dir(), name);
	if (unlink(p) == 0)
		found = 1;
	unlink_fifos(name);
	return found ? 0 : FP_E_NOENT;
}

static int pid_dead(long pid)
{
	return pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Sweeps one directory; returns regions removed. */
static int sweep_dir(const char *dir, const char *prefix)
{
	char want[FP_REGION_NAME_MAX + 16], p[512];
	struct dirent *e;
	int removed = 0;
	size_t n;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	n = (size_t)snprintf(want, sizeof(want), "fastpath-%s", prefix);
	while ((e = readdir(d)) != NULL) {
		const char *base = e->d_name, *tmp, *at;
		if (strncmp(base, want, n) != 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, base);
		at = strchr(base, '@');
		tmp = strstr(base, ".tmp-");
		if (at) {
			/* a FIFO whose region is gone everywhere */
			char region[FP_REGION_NAME_MAX];
			size_t len = (size_t)(at - base) - strlen("fastpath-");
			if (len >= sizeof(region))
				continue;
			memcpy(region, base + strlen("fastpath-"), len);
			region[len] = 0;
			if (!exists_anywhere(region))
				unlink(p);
		} else if (tmp) {
			if (pid_dead(strtol(tmp + 5, NULL, 10)))
				unlink(p);
		} else {
			struct fp_region_hdr h;
			int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			ssize_t got;
			if (fd < 0)
				continue;
			{
				/* mapped, not read: on hugetlbfs a mapping covers whole 2 MiB pages */
				struct stat st;
				size_t len = 0;
				void *m = MAP_FAILED;
				got = -1;
				if (fstat(fd, &st) == 0 && (uint64_t)st.st_size >= FP_REGION_HEADER_SIZE) {
					len = (uint64_t)st.st_size >= HUGE_PAGE ? HUGE_PAGE : FP_REGION_HEADER_SIZE;
					m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
				}
				if (m != MAP_FAILED) {
					memcpy(&h, m, sizeof(h));
					munmap(m, len);
					got = (ssize_t)sizeof(h);
				}
			}
			close(fd);
			if (got != (ssize_t)sizeof(h) || h.magic != FP_REGION_MAGIC || !pid_dead(h.creator_pid))
				continue;
			if (unlink(p) == 0) {
				unlink_fifos(base + strlen("fastpath-"));
				removed++;
			}
		}
	}
	closedir(d);
	return removed;
}

int fp_region_sweep(const char *prefix)
{
	char hd[200];
	int removed = 0;
	if (!prefix || !prefix[0] || strchr(prefix, '/') || strnlen(prefix, FP_REGION_NAME_MAX) >= FP_REGION_NAME_MAX)
		return FP_E_INVAL;
	if (huge_dir(hd, sizeof(hd)))
		removed += sweep_dir(hd, prefix);
	removed += sweep_dir(shm_dir(), prefix);
	/* FIFOs of regions removed from the hugetlbfs dir live in the shm dir: a second pass there */
	sweep_dir(shm_dir(), prefix);
	return removed;
}

void *fp_region_base(const struct fp_region *r) { return r ? r->hdr : NULL; }
uint64_t fp_region_size(const struct fp_region *r) { return r ? r->size : 0; }
int fp_region_backing(const struct fp_region *r) { return r ? r->backing : 0; }
const char *fp_region_name(const struct fp_region *r) { return r ? r->name : ""; }
const char *fp_region_path(const struct fp_region *r) { return r ? r->path : ""; }
int32_t fp_region_creator_pid(const struct fp_region *r) { return r ? r->hdr->creator_pid : 0; }

void fp_region_key(const struct fp_region *r, uint8_t out[FP_REGION_KEY_LEN])
{
	if (r && out)
		memcpy(out, r->hdr->key, FP_REGION_KEY_LEN);
}

void *fp_region_ptr(const struct fp_region *r, uint64_t offset, uint64_t len)
{
	if (!r || offset > r->size || len > r->size - offset)
		return NULL;
	return (uint8_t *)r->hdr + offset;
}

static int lock_dir(struct fp_region_hdr *h)
{
	int rc = pthread_mutex_lock(&h->dir_lock);
	if (rc == EOWNERDEAD) /* holder died; the directory is only written before ndir++ */
		rc = pthread_mutex_consistent(&h->dir_lock);
	return rc;
}

int fp__region_find(const struct fp_region *r, const char *name, uint32_t type, uint64_t *offset, uint64_t *size)
{
	const struct fp_region_hdr *h = r->hdr;
	uint32_t n = __atomic_load_n(&h->ndir, __ATOMIC_ACQUIRE);
	if (n > FP_REGION_DIR_MAX)
		return FP_E_MAGIC;
	for (uint32_t i = 0; i < n; i++) {
		const struct fp_region_dirent *d = &h->dir[i];
		if (strncmp(d->name, name, FP_OBJECT_NAME_MAX) != 0)
			continue;
		if (type && d->type != type)
			return FP_E_TYPE;
		if (d->offset + d->size > r->size)
			return FP_E_MAGIC;
		if (offset)
			*offset = d->offset;
		if (size)
			*size = d->size;
		return (int)d->type;
	}
	return FP_E_NOENT;
}

int fp_region_alloc(struct fp_region *r, const char *name, uint32_t type, uint64_t size, uint64_t *offset)
{
	struct fp_region_hdr *h;
	uint64_t off;
	int rc;
	if (!r || !offset || !fp__valid_object_name(name) || type < FP_OBJ_MEMPOOL || type > FP_OBJ_RAW || size == 0)
		return FP_E_INVAL;
	h = r->hdr;
	if (lock_dir(h) != 0)
		return FP_E_SYS;
	rc = fp__region_find(r, name, 0, NULL, NULL);
	if (rc >= 0 || rc == FP_E_TYPE) {
		rc = FP_E_EXIST;
		goto out;
	}
	off = FP_ALIGN_UP(h->top, FP_CACHELINE);
	if (h->ndir >= FP_REGION_DIR_MAX || size > r->size || off > r->size - size) {
		rc = FP_E_NOSPACE;
		goto out;
	}
	{
		struct fp_region_dirent *d = &h->dir[h->ndir];
		memset(d, 0, sizeof(*d));
		snprintf(d->name, sizeof(d->name), "%s", name);
		d->type = type;
		d->offset = off;
		d->size = size;
	}
	h->top = off + size;
	/* publish after the entry is complete: lock-free readers load ndir with acquire */
	__atomic_store_n(&h->ndir, h->ndir + 1, __ATOMIC_RELEASE);
	*offset = off;
	rc = 0;
out:
	pthread_mutex_unlock(&h->dir_lock);
	return rc;
}

int fp_region_lookup(const struct fp_region *r, const char *name, uint32_t *type, uint64_t *offset, uint64_t *size)
{
	int rc;
	if (!r || !fp__valid_object_name(name))
		return FP_E_INVAL;
	rc = fp__region_find(r, name, 0, offset, size);
	if (rc < 0)
		return rc;
	if (type)
		*type = (uint32_t)rc;
	return 0;
}
