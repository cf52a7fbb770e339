// The few libc calls the proxy manager needs that Node does not offer: raw TCP sockets (so no
// Node stream ever reads a function's socket in the manager) and pidfd_getfd (to take a socket
// from a function process in another network namespace).
import { koffi } from '@fastpath/native';
import { BpfError, BpfPermissionError } from './errors.ts';

const libc = koffi.load('libc.so.6');
const fn = {
  socket: libc.func('int socket(int domain, int type, int protocol)'),
  connect: libc.func('int connect(int fd, const void *addr, uint32_t len)'),
  getsockname: libc.func('int getsockname(int fd, _Out_ uint8_t *addr, _Inout_ uint32_t *len)'),
  getsockopt: libc.func('int getsockopt(int fd, int level, int name, _Out_ uint8_t *val, _Inout_ uint32_t *len)'),
  close: libc.func('int close(int fd)'),
  syscall2: libc.func('long syscall(long nr, ...)'),
};

const AF_INET = 2;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const SYS_pidfd_open = 434; // same number on x86_64 and arm64 (unified table)
const SYS_pidfd_getfd = 438;

function fail(op: string): never {
  const errno = koffi.errno();
  if (errno === 1 || errno === 13) throw new BpfPermissionError(op, errno);
  throw new BpfError(op, errno);
}

/** A blocking connect of a new TCP socket to 127.0.0.1:port; returns the raw fd. */
export function connectLoopback(port: number): number {
  const fd = fn.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) as number;
  if (fd < 0) fail('socket');
  const sa = Buffer.alloc(16);
  sa.writeUInt16LE(AF_INET, 0);
  sa.writeUInt16BE(port, 2);
  sa.writeUInt32BE(0x7f000001, 4);
  if ((fn.connect(fd, sa, 16) as number) < 0) {
    const e = koffi.errno();
    fn.close(fd);
    koffi.errno(e);
    fail(`connect(127.0.0.1:${port})`);
  }
  return fd;
}

/** Local port of a bound IPv4/IPv6 socket. */
export function localPort(fd: number): number {
  const sa = Buffer.alloc(28);
  const len = [28];
  if ((fn.getsockname(fd, sa, len) as number) < 0) fail('getsockname');
  return sa.readUInt16BE(2);
}

const SOL_SOCKET = 1;
const SO_TYPE = 3;
const SO_DOMAIN = 39;
/** [domain, type] of a socket fd, e.g. [2, 1] for an IPv4 TCP socket. */
export function socketKind(fd: number): [number, number] {
  const read = (opt: number) => {
    const v = Buffer.alloc(4);
    const len = [4];
    if ((fn.getsockopt(fd, SOL_SOCKET, opt, v, len) as number) < 0) fail('getsockopt');
    return v.readInt32LE(0);
  };
  return [read(SO_DOMAIN), read(SO_TYPE)];
}

export function closeFd(fd: number): void {
  fn.close(fd);
}

/** Duplicates file descriptor `targetFd` of process `pid` into this process (needs ptrace rights). */
export function pidfdGetfd(pid: number, targetFd: number): number {
  const pidfd = Number(fn.syscall2(SYS_pidfd_open, 'int', pid, 'unsigned int', 0));
  if (pidfd < 0) fail(`pidfd_open(${pid})`);
  try {
    const fd = Number(fn.syscall2(SYS_pidfd_getfd, 'int', pidfd, 'int', targetFd, 'unsigned int', 0));
    if (fd < 0) fail(`pidfd_getfd(pid ${pid}, fd ${targetFd})`);
    return fd;
  } finally {
    fn.close(pidfd);
  }
}

const SO_PEERCRED = 17;
/** The pid of the process on the other end of a connected Unix socket (SO_PEERCRED). */
export function peerPid(fd: number): number {
  const cred = Buffer.alloc(12); // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
  const len = [12];
  if ((fn.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, len) as number) < 0) fail('getsockopt(SO_PEERCRED)');
  return cred.readInt32LE(0);
}
