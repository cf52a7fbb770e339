/* Process exit watcher: a thread polls one pidfd per watched process (any process, not only our
 * children) and reports each exited pid through a pipe an event loop watches. */
#include "shm_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

struct entry { int32_t pid; int fd; };

struct fp_pidwatch {
	pthread_t thread;
	pthread_mutex_t lock; /* guards entries/n/cap */
	struct entry *entries;
	size_t n, cap;
	int ctl;              /* eventfd: entries changed or stop */
	int rfd, wfd;
	int rfd_taken;
	_Atomic int stop;
};

static void *watch_main(void *arg)
{
	struct fp_pidwatch *w = arg;
	struct pollfd *pfds = NULL;
	int32_t *pids = NULL;
	size_t cap = 0;
	while (!atomic_load(&w->stop)) {
		size_t n;
		int timeout = -1, rc;
		pthread_mutex_lock(&w->lock);
		n = w->n;
		if (n + 1 > cap) {
			size_t c = (n + 1) * 2;
			struct pollfd *p2 = realloc(pfds, c * sizeof(*p2));
			int32_t *q2 = p2 ? realloc(pids, c * sizeof(*q2)) : NULL;
			if (p2)
				pfds = p2;
			if (q2)
				pids = q2;
			if (!p2 || !q2) {
				pthread_mutex_unlock(&w->lock);
				break; /* out of memory: stop watching (stop() still joins) */
			}
			cap = c;
		}
		pfds[0] = (struct pollfd){.fd = w->ctl, .events = POLLIN};
		for (size_t i = 0; i < n; i++) {
			pfds[i + 1] = (struct pollfd){.fd = w->entries[i].fd, .events = POLLIN};
			pids[i + 1] = w->entries[i].pid;
		}
		pthread_mutex_unlock(&w->lock);
		rc = poll(pfds, n + 1, timeout);
		if (rc < 0)
			continue; /* EINTR */
		if (pfds[0].revents & POLLIN) {
			uint64_t v;
			while (read(w->ctl, &v, sizeof(v)) < 0 && errno == EINTR)
				;
		}
		for (size_t i = 1; i <= n; i++) {
			if (!(pfds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			/* report first; drop the entry only once the report is written (a full pipe is
			 * retried: the pidfd stays readable) */
			if (write(w->wfd, &pids[i], sizeof(pids[i])) != (ssize_t)sizeof(pids[i])) {
				struct timespec ts = {0, 10000000};
				nanosleep(&ts, NULL);
				continue;
			}
			pthread_mutex_lock(&w->lock);
			for (size_t j = 0; j < w->n; j++)
				if (w->entries[j].fd == pfds[i].fd) {
					close(w->entries[j].fd);
					w->entries[j] = w->entries[--w->n];
					break;
				}
			pthread_mutex_unlock(&w->lock);
		}
	}
	free(pfds);
	free(pids);
	return NULL;
}

int fp_pidwatch_start(struct fp_pidwatch **out)
{
	struct fp_pidwatch *w;
	int fds[2];
	if (!out)
		return FP_E_INVAL;
	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return FP_E_SYS;
	w->ctl = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->ctl < 0 || pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
		if (w->ctl >= 0)
			close(w->ctl);
		free(w);
		return FP_E_SYS;
	}
	w->rfd = fds[0];
	w->wfd = fds[1];
	pthread_mutex_init(&w->lock, NULL);
	if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
		close(w->ctl);
		close(fds[0]);
		close(fds[1]);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return FP_E_SYS;
	}
	*out = w;
	return 0;
}

int fp_pidwatch_fd(struct fp_pidwatch *w)
{
	if (!w)
		return FP_E_INVAL;
	w->rfd_taken = 1;
	return w->rfd;
}

static void poke(struct fp_pidwatch *w)
{
	uint64_t one = 1;
	while (write(w->ctl, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

int fp_pidwatch_add(struct fp_pidwatch *w, int32_t pid)
{
	int fd;
	if (!w || pid <= 0)
		return FP_E_INVAL;
	fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (fd < 0)
		return errno == ESRCH ? FP_E_NOENT : FP_E_SYS;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	pthread_mutex_lock(&w->lock);
	if (w->n == w->cap) {
		size_t c = w->cap ? w->cap * 2 : 8;
		struct entry *e = realloc(w->entries, c * sizeof(*e));
		if (!e) {
			pthread_mutex_unlock(&w->lock);
			close(fd);
			return FP_E_SYS;
		}
		w->entries = e;
		w->cap = c;
	}
	w->entries[w->n++] = (struct entry){pid, fd};
	pthread_mutex_unlock(&w->lock);
	poke(w);
	return 0;
}

void fp_pidwatch_stop(struct fp_pidwatch *w)
{
	if (!w)
		return;
	atomic_store(&w->stop, 1);
	poke(w);
	pthread_join(w->thread, NULL);
	for (size_t i = 0; i < w->n; i++)
		close(w->entries[i].fd);
	free(w->entries);
	close(w->ctl);
	close(w->wfd);
	if (!w->rfd_taken)
		close(w->rfd);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
