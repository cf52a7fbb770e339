// Typed errors for everything that can fail in libbpf or the kernel, each saying what to do.

/** Any failure of a libbpf call or a BPF syscall. `errno` is positive (EPERM = 1, ...). */
export class BpfError extends Error {
  constructor(
    readonly op: string,
    readonly errno: number,
    detail?: string,
    /** The last messages libbpf printed while the call ran (its own diagnostics). */
    readonly libbpfLog: string[] = [],
  ) {
    super(`${op}: ${errnoName(errno)}${detail ? ` (${detail})` : ''}${libbpfLog.length ? `\nlibbpf: ${libbpfLog.join('\nlibbpf: ')}` : ''}`);
    this.name = 'BpfError';
  }
}

/** EPERM/EACCES outside a verifier rejection: the process lacks root/CAP_BPF/CAP_NET_ADMIN. */
export class BpfPermissionError extends BpfError {
  constructor(op: string, errno: number, libbpfLog: string[] = []) {
    super(op, errno, 'needs root, or CAP_BPF + CAP_NET_ADMIN (+ CAP_PERFMON for some maps); run as root or grant the capabilities', libbpfLog);
    this.name = 'BpfPermissionError';
  }
}

/** The kernel verifier rejected a program; `verifierLog` is its full log. */
export class BpfVerifierError extends BpfError {
  constructor(
    op: string,
    errno: number,
    readonly program: string | undefined,
    readonly verifierLog: string,
    libbpfLog: string[] = [],
  ) {
    super(op, errno, `the verifier rejected ${program ? `program '${program}'` : 'a program'}; its log follows`, libbpfLog);
    this.message += `\n--- verifier log ---\n${verifierLog.trim()}`;
    this.name = 'BpfVerifierError';
  }
}

/** A program, map, object file or interface that does not exist. */
export class BpfNotFoundError extends Error {
  constructor(what: string, hint?: string) {
    super(`${what} not found${hint ? `; ${hint}` : ''}`);
    this.name = 'BpfNotFoundError';
  }
}

/** Bad arguments caught before reaching the kernel (wrong key size, bad descriptor, ...). */
export class BpfUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BpfUsageError';
  }
}

const NAMES: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 7: 'E2BIG', 9: 'EBADF', 12: 'ENOMEM', 13: 'EACCES', 16: 'EBUSY',
  17: 'EEXIST', 19: 'ENODEV', 22: 'EINVAL', 24: 'EMFILE', 28: 'ENOSPC', 38: 'ENOSYS', 95: 'EOPNOTSUPP',
  524: 'ENOTSUPP',
};

export function errnoName(errno: number): string {
  return `${NAMES[errno] ?? 'errno'} (${errno})`;
}
