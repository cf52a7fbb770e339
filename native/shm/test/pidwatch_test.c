/* pidfd process watcher: reports the exit of processes that are not our children (a
 * grandchild here), ignores live ones, rejects gone pids. */
#include "fp_shm.h"
#include "check.h"

#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

static int32_t next_pid(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int32_t pid;
	if (poll(&p, 1, timeout_ms) != 1)
		return 0;
	return read(fd, &pid, sizeof(pid)) == (ssize_t)sizeof(pid) ? pid : -1;
}

int main(void)
{
	struct fp_pidwatch *w;
	int fd, pipefd[2], lifefd[2];
	pid_t mid, grandchild, live;
	CHECK_EQ(fp_pidwatch_start(NULL), FP_E_INVAL);
	CHECK_EQ(fp_pidwatch_start(&w), 0);
	fd = fp_pidwatch_fd(w);
	CHECK(fd >= 0);
	CHECK_EQ(fp_pidwatch_add(w, 0), FP_E_INVAL);
	CHECK_EQ(fp_pidwatch_add(NULL, 1), FP_E_INVAL);
	CHECK_EQ(fp_pidwatch_fd(NULL), FP_E_INVAL);
	/* a grandchild: its parent (our child) exits at once, so it is not ours to wait for */
	/* two pipes: the grandchild reads its lifetime pipe, so it can never eat a byte of the pid */
	CHECK_EQ(pipe(pipefd), 0);
	CHECK_EQ(pipe(lifefd), 0);
	mid = fork();
	CHECK(mid >= 0);
	if (mid == 0) {
		pid_t g = fork();
		if (g == 0) {
			close(lifefd[1]);
			close(pipefd[0]);
			close(pipefd[1]);
			char b;
			(void)!read(lifefd[0], &b, 1); /* lives until we close the lifetime pipe */
			_exit(0);
		}
		(void)!write(pipefd[1], &g, sizeof(g));
		_exit(0);
	}
	CHECK_EQ(read(pipefd[0], &grandchild, sizeof(grandchild)), (ssize_t)sizeof(grandchild));
	close(pipefd[0]);
	close(pipefd[1]);
	waitpid(mid, NULL, 0);
	live = fork();
	if (live == 0) {
		close(lifefd[0]);
		close(lifefd[1]); /* or the grandchild never sees EOF */
		pause();
		_exit(0);
	}
	CHECK_EQ(fp_pidwatch_add(w, grandchild), 0);
	CHECK_EQ(fp_pidwatch_add(w, live), 0);
	CHECK_EQ(next_pid(fd, 200), 0); /* both alive: nothing */
	close(lifefd[1]);
	close(lifefd[0]);
	CHECK_EQ(next_pid(fd, 10000), grandchild);
	CHECK_EQ(fp_pidwatch_add(w, mid), FP_E_NOENT); /* reaped: gone */
	kill(live, SIGKILL);
	CHECK_EQ(next_pid(fd, 10000), live);
	waitpid(live, NULL, 0);
	fp_pidwatch_stop(w);
	close(fd);
	/* stop with watched processes still alive, without taking the fd */
	CHECK_EQ(fp_pidwatch_start(&w), 0);
	CHECK_EQ(fp_pidwatch_add(w, getpid()), 0);
	fp_pidwatch_stop(w);
	fp_pidwatch_stop(NULL);
	puts("pidwatch_test: ok");
	return 0;
}
