/* Regions: create/attach/unlink, key/magic/version checks, directory, names, file mode. */
#include "fp_shm.h"
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void basic(void)
{
	struct fp_region *r, *a;
	uint8_t key[FP_REGION_KEY_LEN], zero[FP_REGION_KEY_LEN] = {0};
	uint64_t off, off2, sz;
	uint32_t type;
	struct stat st;
	const char *name = test_name("basic");

	CHECK_EQ(fp_region_create(name, 1 << 20, FP_REGION_NO_HUGE, &r), 0);
	CHECK_EQ(fp_region_backing(r), FP_BACKING_SHM);
	CHECK(fp_region_size(r) >= (1 << 20) + FP_REGION_HEADER_SIZE);
	CHECK_EQ(fp_region_creator_pid(r), getpid());
	CHECK(strcmp(fp_region_name(r), name) == 0);
	CHECK(strstr(fp_region_path(r), "/dev/shm/fastpath-") != NULL);
	CHECK_EQ(stat(fp_region_path(r), &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0600);
	fp_region_key(r, key);
	CHECK(memcmp(key, zero, sizeof(key)) != 0);

	/* a second create of the same name is refused */
	{
		struct fp_region *dup = (void *)1;
		CHECK_EQ(fp_region_create(name, 4096, FP_REGION_NO_HUGE, &dup), FP_E_EXIST);
		CHECK(dup == NULL);
	}
	/* directory */
	CHECK_EQ(fp_region_alloc(r, "table", FP_OBJ_RAW, 1000, &off), 0);
	CHECK_EQ(off % 64, 0);
	CHECK(off >= FP_REGION_HEADER_SIZE);
	CHECK_EQ(fp_region_alloc(r, "table", FP_OBJ_RAW, 10, &off2), FP_E_EXIST);
	CHECK_EQ(fp_region_alloc(r, "big", FP_OBJ_RAW, 1ull << 30, &off2), FP_E_NOSPACE);
	CHECK_EQ(fp_region_alloc(r, "bad/name", FP_OBJ_RAW, 10, &off2), FP_E_INVAL);
	CHECK_EQ(fp_region_alloc(r, "x", 99, 10, &off2), FP_E_INVAL);
	CHECK_EQ(fp_region_lookup(r, "table", &type, &off2, &sz), 0);
	CHECK_EQ(type, FP_OBJ_RAW);
	CHECK_EQ(off2, off);
	CHECK_EQ(sz, 1000);
	CHECK_EQ(fp_region_lookup(r, "nosuch", NULL, NULL, NULL), FP_E_NOENT);
	CHECK(fp_region_ptr(r, off, 1000) != NULL);
	CHECK(fp_region_ptr(r, fp_region_size(r) - 8, 16) == NULL);
	CHECK(fp_region_ptr(r, UINT64_MAX, 1) == NULL);

	/* attach sees the same bytes */
	CHECK_EQ(fp_region_attach(name, key, &a), 0);
	CHECK_EQ(fp_region_lookup(a, "table", NULL, &off2, NULL), 0);
	CHECK_EQ(off2, off);
	memcpy(fp_region_ptr(r, off, 5), "hello", 5);
	CHECK(memcmp(fp_region_ptr(a, off, 5), "hello", 5) == 0);
	fp_region_detach(a);

	/* wrong key */
	key[3] ^= 1;
	a = (void *)1;
	CHECK_EQ(fp_region_attach(name, key, &a), FP_E_KEY);
	CHECK(a == NULL);
	key[3] ^= 1;

	/* other layout version */
	((uint32_t *)fp_region_base(r))[2] = FP_REGION_LAYOUT_VERSION + 1;
	CHECK_EQ(fp_region_attach(name, key, &a), FP_E_VERSION);
	((uint32_t *)fp_region_base(r))[2] = FP_REGION_LAYOUT_VERSION;
	CHECK_EQ(fp_region_attach(name, key, &a), 0);
	fp_region_detach(a);

	CHECK_EQ(fp_region_unlink(name), 0);
	CHECK_EQ(fp_region_unlink(name), FP_E_NOENT);
	CHECK_EQ(fp_region_attach(name, key, &a), FP_E_NOENT);
	fp_region_detach(r);
}

static void directory_full(void)
{
	struct fp_region *r;
	uint64_t off;
	char n[32];
	const char *name = test_name("dir");
	CHECK_EQ(fp_region_create(name, 1 << 20, FP_REGION_NO_HUGE, &r), 0);
	for (int i = 0; i < FP_REGION_DIR_MAX; i++) {
		snprintf(n, sizeof(n), "o%d", i);
		CHECK_EQ(fp_region_alloc(r, n, FP_OBJ_RAW, 64, &off), 0);
	}
	CHECK_EQ(fp_region_alloc(r, "one-more", FP_OBJ_RAW, 64, &off), FP_E_NOSPACE);
	fp_region_detach(r);
	CHECK_EQ(fp_region_unlink(name), 0);
}

static void not_a_region(void)
{
	char path[128];
	uint8_t key[FP_REGION_KEY_LEN] = {0};
	struct fp_region *r;
	const char *name = test_name("garbage");
	int fd;
	snprintf(path, sizeof(path), "/dev/shm/fastpath-%s", name);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, 8192), 0);
	close(fd);
	CHECK_EQ(fp_region_attach(name, key, &r), FP_E_MAGIC);
	CHECK_EQ(fp_region_unlink(name), 0);
	/* truncated below the header */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0);
	close(fd);
	CHECK_EQ(fp_region_attach(name, key, &r), FP_E_MAGIC);
	CHECK_EQ(fp_region_unlink(name), 0);
}

static void bad_args(void)
{
	struct fp_region *r;
	uint8_t key[FP_REGION_KEY_LEN] = {0};
	CHECK_EQ(fp_region_create("", 4096, 0, &r), FP_E_INVAL);
	CHECK_EQ(fp_region_create(".hidden", 4096, 0, &r), FP_E_INVAL);
	CHECK_EQ(fp_region_create("../etc/passwd", 4096, 0, &r), FP_E_INVAL);
	CHECK_EQ(fp_region_create("a-name-that-is-far-too-long-for-a-fastpath-region-name", 4096, 0, &r), FP_E_INVAL);
	CHECK_EQ(fp_region_create(test_name("z"), 0, 0, &r), FP_E_INVAL);
	CHECK_EQ(fp_region_create(test_name("z"), 4096, 0x80, &r), FP_E_INVAL);
	CHECK_EQ(fp_region_create(test_name("z"), 4096, FP_REGION_NO_HUGE | FP_REGION_REQUIRE_HUGE, &r), FP_E_INVAL);
	CHECK_EQ(fp_region_create(test_name("z"), 4096, 0, NULL), FP_E_INVAL);
	CHECK_EQ(fp_region_attach(test_name("z"), NULL, &r), FP_E_INVAL);
	CHECK_EQ(fp_region_attach("a/b", key, &r), FP_E_INVAL);
	CHECK_EQ(fp_region_unlink("a/b"), FP_E_INVAL);
	fp_region_detach(NULL);
	CHECK(strstr(fp_shm_strerror(FP_E_KEY), "FP_E_KEY") != NULL);
	CHECK(strstr(fp_shm_strerror(12345), "unknown") != NULL);
	CHECK_EQ(fp_shm_abi_version(), FP_SHM_ABI_VERSION);
	CHECK_EQ(fp_shm_nop(42), 42);
	{
		struct fp_descriptor d;
		CHECK_EQ(fp_desc_pack(&d, 7, 3, FP_DESC_FLAG_ROUTE, 0xfff, (1ull << 40) - 1, 0xffffff), 0);
		CHECK_EQ(d.instance, 7);
		CHECK_EQ(fp_desc_topic(d.flags), 0xfff);
		CHECK_EQ(fp_desc_offset(d.object), (1ull << 40) - 1);
		CHECK_EQ(fp_desc_generation(d.object), 0xffffff);
		CHECK_EQ(fp_desc_pack(&d, 0, 0, 0x10, 0, 0, 0), FP_E_INVAL);
		CHECK_EQ(fp_desc_pack(&d, 0, 0, 0, 0x1000, 0, 0), FP_E_INVAL);
		CHECK_EQ(fp_desc_pack(&d, 0, 0, 0, 0, 1ull << 40, 0), FP_E_INVAL);
		CHECK_EQ(fp_desc_pack(&d, 0, 0, 0, 0, 0, 1u << 24), FP_E_INVAL);
		CHECK_EQ(fp_desc_pack(NULL, 0, 0, 0, 0, 0, 0), FP_E_INVAL);
	}
}

/* With FP_REGION_REQUIRE_HUGE: a hugetlbfs region when pages are free, else FP_E_NOHUGE. */
static void hugepages(void)
{
	struct fp_region *r = NULL;
	const char *name = test_name("huge");
	int rc = fp_region_create(name, 1 << 20, FP_REGION_REQUIRE_HUGE, &r);
	if (rc == 0) {
		CHECK_EQ(fp_region_backing(r), FP_BACKING_HUGETLBFS);
		CHECK_EQ(fp_region_size(r) % (2u << 20), 0);
		fp_region_detach(r);
		CHECK_EQ(fp_region_unlink(name), 0);
		puts("region_test: hugetlbfs region created");
	} else {
		CHECK_EQ(rc, FP_E_NOHUGE);
		puts("region_test: no free hugepages; FP_E_NOHUGE as expected");
	}
	/* auto mode always succeeds (falls back) */
	CHECK_EQ(fp_region_create(name, 1 << 20, 0, &r), 0);
	fp_region_detach(r);
	CHECK_EQ(fp_region_unlink(name), 0);
}

/* fp_region_sweep removes regions (and their FIFOs) whose creator died, keeps live ones and
 * never touches files without the magic. */
static void sweep(void)
{
	char prefix[24], dead[40], live[40], other[40], path[300], fifo[300];
	struct fp_region *r, *l;
	struct fp_ring *ring;
	struct stat st;
	pid_t p;
	int fd;
	snprintf(prefix, sizeof(prefix), "fpt-%d-sw", (int)getpid());
	snprintf(dead, sizeof(dead), "%s-dead", prefix);
	snprintf(live, sizeof(live), "%s-live", prefix);
	snprintf(other, sizeof(other), "%s-other", prefix);
	p = fork();
	CHECK(p >= 0);
	if (p == 0) { /* creates a region and a ring, then dies without cleaning up */
		if (fp_region_create(dead, 1 << 20, FP_REGION_NO_HUGE, &r) || fp_ring_create(r, "q", FP_RING_SPSC, 8, &ring))
			_exit(1);
		_exit(0);
	}
	waitpid(p, &fd, 0);
	CHECK(WIFEXITED(fd) && WEXITSTATUS(fd) == 0);
	CHECK_EQ(fp_region_create(live, 1 << 20, FP_REGION_NO_HUGE, &l), 0);
	snprintf(path, sizeof(path), "/dev/shm/fastpath-%s", other);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "not a region, not ours to delete", 32), 32);
	close(fd);
	snprintf(fifo, sizeof(fifo), "/dev/shm/fastpath-%s@q.wake", dead);
	CHECK_EQ(stat(fifo, &st), 0);
	CHECK_EQ(fp_region_sweep(""), FP_E_INVAL);
	CHECK_EQ(fp_region_sweep(NULL), FP_E_INVAL);
	CHECK_EQ(fp_region_sweep("a/b"), FP_E_INVAL);
	CHECK_EQ(fp_region_sweep(prefix), 1);
	CHECK(stat(fifo, &st) != 0);                   /* its FIFO went with it */
	CHECK_EQ(fp_region_unlink(dead), FP_E_NOENT); /* gone */
	CHECK_EQ(stat(path, &st), 0);                  /* foreign file kept */
	CHECK_EQ(fp_region_sweep(prefix), 0);          /* live region kept */
	fp_region_detach(l);
	CHECK_EQ(fp_region_unlink(live), 0);
	unlink(path);
	puts("region_test: sweep ok");
}

int main(void)
{
	sweep();
	basic();
	directory_full();
	not_a_region();
	bad_args();
	hugepages();
	puts("region_test: ok");
	return 0;
}
