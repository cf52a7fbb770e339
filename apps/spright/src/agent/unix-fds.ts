// The libc calls adoption needs and Node does not offer: SCM_RIGHTS (hand a registered SPROXY
// socket to a process the agent did not spawn), a blocking Unix connect/receive for the short
// handshake in that process, and pidfds (kill and watch the adopted process without pid reuse races).
import { koffi } from '@fastpath/native';

const libc = koffi.load('libc.so.6');
const iovec = koffi.struct('spright_iovec', { base: 'void *', len: 'size_t' });
koffi.struct('spright_msghdr', { name: 'void *', namelen: 'uint32_t', iov: koffi.pointer(iovec), iovlen: 'size_t', control: 'void *', controllen: 'size_t', flags: 'int' });
const fn = {
  sendmsg: libc.func('long sendmsg(int fd, const spright_msghdr *msg, int flags)'),
  recvmsg: libc.func('long recvmsg(int fd, _Inout_ spright_msghdr *msg, int flags)'),
  socket: libc.func('int socket(int domain, int type, int protocol)'),
  connect: libc.func('int connect(int fd, const void *addr, uint32_t len)'),
  poll: libc.func('int poll(_Inout_ uint8_t *fds, unsigned long n, int timeout)'),
  close: libc.func('int close(int fd)'),
  getsockopt: libc.func('int getsockopt(int fd, int level, int name, _Out_ uint8_t *val, _Inout_ uint32_t *len)'),
  syscall: libc.func('long syscall(long nr, ...)'),
};

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_NOSIGNAL = 0x4000;
const MSG_CMSG_CLOEXEC = 0x40000000;
const MSG_CTRUNC = 0x8;
const POLLIN = 1;
const SYS_pidfd_send_signal = 424; // unified syscall table (x86_64 and arm64)
const SYS_pidfd_open = 434;

export class UnixFdError extends Error {
  constructor(
    readonly op: string,
    readonly errno: number,
  ) {
    super(`${op} failed: errno ${errno}`);
    this.name = 'UnixFdError';
  }
}

function fail(op: string): never {
  throw new UnixFdError(op, koffi.errno());
}

function control(fds: number[]): Buffer {
  // struct cmsghdr { size_t len; int level; int type; int fds[]; } padded to 8 bytes.
  const len = 16 + 4 * fds.length;
  const buf = Buffer.alloc(Math.ceil(len / 8) * 8);
  buf.writeBigUInt64LE(BigInt(len), 0);
  buf.writeInt32LE(SOL_SOCKET, 8);
  buf.writeInt32LE(SCM_RIGHTS, 12);
  fds.forEach((f, i) => buf.writeInt32LE(f, 16 + 4 * i));
  return buf;
}

/** One sendmsg of `data` with `fds` attached; the socket must be able to take it whole. */
export function sendWithFds(fd: number, data: Buffer, fds: number[]): void {
  const ctl = fds.length ? control(fds) : null;
  const n = Number(fn.sendmsg(fd, { name: null, namelen: 0, iov: { base: data, len: data.length }, iovlen: 1, control: ctl, controllen: ctl?.length ?? 0, flags: 0 }, MSG_NOSIGNAL));
  if (n < 0) fail('sendmsg');
  if (n !== data.length) throw new UnixFdError(`sendmsg sent ${n} of ${data.length} bytes`, 0);
}

/** Waits up to `timeoutMs` for fd to be readable (true) or not (false). */
export function waitReadable(fd: number, timeoutMs: number): boolean {
  const pfd = Buffer.alloc(8); // struct pollfd { int fd; short events; short revents; }
  pfd.writeInt32LE(fd, 0);
  pfd.writeInt16LE(POLLIN, 4);
  const r = fn.poll(pfd, 1, Math.max(0, Math.round(timeoutMs))) as number;
  if (r < 0) fail('poll');
  return r > 0;
}

/** Blocking receive of up to `max` bytes and the fds that came with them (CLOEXEC). */
export function recvWithFds(fd: number, max: number, timeoutMs: number): { data: Buffer; fds: number[] } {
  if (!waitReadable(fd, timeoutMs)) throw new UnixFdError(`no answer within ${timeoutMs} ms`, 110);
  const data = Buffer.alloc(max);
  const ctl = Buffer.alloc(64);
  const msg = { name: null, namelen: 0, iov: { base: data, len: max }, iovlen: 1, control: ctl, controllen: ctl.length, flags: 0 };
  const n = Number(fn.recvmsg(fd, msg, MSG_CMSG_CLOEXEC));
  if (n < 0) fail('recvmsg');
  const fds: number[] = [];
  if (msg.controllen >= 16 && ctl.readInt32LE(8) === SOL_SOCKET && ctl.readInt32LE(12) === SCM_RIGHTS) {
    const len = Number(ctl.readBigUInt64LE(0));
    for (let off = 16; off + 4 <= len; off += 4) fds.push(ctl.readInt32LE(off));
  }
  if (msg.flags & MSG_CTRUNC) {
    for (const f of fds) fn.close(f);
    throw new UnixFdError('recvmsg: ancillary data truncated', 0);
  }
  return { data: data.subarray(0, n), fds };
}

/** A blocking connect to a Unix stream socket; returns the fd. */
export function unixConnect(path: string): number {
  const addr = Buffer.alloc(110); // struct sockaddr_un
  if (Buffer.byteLength(path) >= 108) throw new UnixFdError(`socket path too long: ${path}`, 36);
  addr.writeUInt16LE(AF_UNIX, 0);
  addr.write(path, 2);
  const fd = fn.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) as number;
  if (fd < 0) fail('socket');
  if ((fn.connect(fd, addr, 2 + Buffer.byteLength(path) + 1) as number) < 0) {
    const e = koffi.errno();
    fn.close(fd);
    throw new UnixFdError(`connect(${path})`, e);
  }
  return fd;
}

export function closeFd(fd: number): void {
  fn.close(fd);
}

/** A pidfd for `pid` (refers to that process even after its pid is reused). */
export function pidfdOpen(pid: number): number {
  const fd = Number(fn.syscall(SYS_pidfd_open, 'int', pid, 'unsigned int', 0));
  if (fd < 0) fail(`pidfd_open(${pid})`);
  return fd;
}

/** A pidfd becomes readable when its process exits. */
export function pidfdExited(pidfd: number): boolean {
  return waitReadable(pidfd, 0);
}

export function pidfdKill(pidfd: number, signal = 9): void {
  if (Number(fn.syscall(SYS_pidfd_send_signal, 'int', pidfd, 'int', signal, 'void *', null, 'unsigned int', 0)) < 0 && koffi.errno() !== 3) fail('pidfd_send_signal');
}

/** pid and uid of the process on the other end of a connected Unix socket (SO_PEERCRED). */
export function peerCredentials(fd: number): { pid: number; uid: number } {
  const cred = Buffer.alloc(12); // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
  if ((fn.getsockopt(fd, SOL_SOCKET, 17, cred, [12]) as number) < 0) fail('getsockopt(SO_PEERCRED)');
  return { pid: cred.readInt32LE(0), uid: cred.readUInt32LE(4) };
}
