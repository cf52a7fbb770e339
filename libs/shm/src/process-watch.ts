// Exit notifications for any process (not only our children), through native/shm's pidfd
// watcher thread: it writes each exited pid to a pipe that a net.Socket reads here.
import { Socket } from 'node:net';
import { shmBinding, type Ptr } from './binding.ts';
import { ShmCode } from './errors.ts';
import { check } from './region.ts';

type ExitCallback = (pid: number) => void;

let watcher: { w: Ptr; sock: Socket; callbacks: Map<number, Set<ExitCallback>> } | undefined;

function start() {
  const b = shmBinding();
  const out: Ptr[] = [null];
  check(b.pidwatchStart(out), undefined, 'start the process watcher');
  const callbacks = new Map<number, Set<ExitCallback>>();
  const sock = new Socket({ fd: b.pidwatchFd(out[0]), readable: true, writable: false });
  let rest = Buffer.alloc(0);
  sock.on('data', (chunk: Buffer) => {
    const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    const whole = buf.length - (buf.length % 4);
    for (let o = 0; o < whole; o += 4) fire(callbacks, buf.readInt32LE(o));
    rest = Buffer.from(buf.subarray(whole));
  });
  // an idle watcher must not keep the process alive
  sock.unref();
  return { w: out[0], sock, callbacks };
}

function fire(callbacks: Map<number, Set<ExitCallback>>, pid: number): void {
  const cbs = callbacks.get(pid);
  callbacks.delete(pid);
  for (const cb of cbs ?? []) cb(pid);
}

/**
 * Calls `onExit(pid)` once when process `pid` exits, however it dies and whoever its parent is
 * (pidfd, Linux >= 5.3). A pid that is already gone is reported on the next event-loop turn.
 * Returns a function that cancels the callback.
 */
export function watchProcessExit(pid: number, onExit: ExitCallback): () => void {
  if (!Number.isInteger(pid) || pid <= 0) throw new RangeError(`fastpath/shm: watchProcessExit needs a positive pid, got ${pid}`);
  watcher ??= start();
  const { callbacks } = watcher;
  let set = callbacks.get(pid);
  if (!set) {
    const rc = shmBinding().pidwatchAdd(watcher.w, pid);
    if (rc === ShmCode.NOENT) {
      let cancelled = false;
      setImmediate(() => cancelled || onExit(pid));
      return () => (cancelled = true);
    }
    check(rc, undefined, `watch pid ${pid}`);
    set = new Set();
    callbacks.set(pid, set);
  }
  set.add(onExit);
  return () => set.delete(onExit);
}

/** Stops the watcher thread (tests; a later watchProcessExit starts a new one). */
export function stopProcessWatcher(): void {
  if (!watcher) return;
  watcher.sock.destroy();
  shmBinding().pidwatchStop(watcher.w);
  watcher = undefined;
}
