// koffi binding of the system libbpf.so.1 (Debian libbpf 1.1). The raw functions stay private
// to this module; callers get typed wrappers that throw BpfError subclasses. libbpf's own print
// output is captured (vsnprintf of its va_list) so errors carry its diagnostics.
import { koffi } from '@fastpath/native';
import { BpfError, BpfPermissionError } from './errors.ts';

const LIBBPF = process.env.FASTPATH_LIBBPF ?? 'libbpf.so.1';

let lib: koffi.IKoffiLib;
let libc: koffi.IKoffiLib;
try {
  lib = koffi.load(LIBBPF);
  libc = koffi.load('libc.so.6');
} catch (err) {
  throw new Error(`fastpath: cannot load ${LIBBPF} (${(err as Error).message}); install Debian libbpf1 (libs/ebpf/apt-packages.txt)`, { cause: err });
}

// Opaque libbpf handles.
const ObjPtr = koffi.pointer(koffi.opaque('bpf_object'));
const ProgPtr = koffi.pointer(koffi.opaque('bpf_program'));
const MapPtr = koffi.pointer(koffi.opaque('bpf_map'));

/** struct bpf_object_open_opts (libbpf 1.1, x86_64/arm64 LP64 layout, 80 bytes). */
const OpenOpts = koffi.struct('bpf_object_open_opts', {
  sz: 'size_t',
  object_name: 'const char *',
  relaxed_maps: 'bool',
  pin_root_path: 'const char *',
  _removed_attach_prog_fd: 'uint32_t',
  kconfig: 'const char *',
  btf_custom_path: 'const char *',
  kernel_log_buf: 'void *',
  kernel_log_size: 'size_t',
  kernel_log_level: 'uint32_t',
});
/** struct bpf_tc_hook: sz, ifindex, attach_point, parent (24 bytes). */
const TcHook = koffi.struct('bpf_tc_hook', { sz: 'size_t', ifindex: 'int', attach_point: 'int', parent: 'uint32_t' });
/** struct bpf_tc_opts: sz, prog_fd, flags, prog_id, handle, priority (32 bytes). */
const TcOpts = koffi.struct('bpf_tc_opts', { sz: 'size_t', prog_fd: 'int', flags: 'uint32_t', prog_id: 'uint32_t', handle: 'uint32_t', priority: 'uint32_t' });
/** The leading fields of struct bpf_link_create_opts; libbpf accepts a shorter sz (older caller). */
const LinkOpts = koffi.struct('bpf_link_create_opts_head', { sz: 'size_t', flags: 'uint32_t', _pad: 'uint32_t' });

const raw = {
  open_file: lib.func('bpf_object__open_file', ObjPtr, ['const char *', koffi.pointer(OpenOpts)]),
  obj_load: lib.func('int bpf_object__load(bpf_object *obj)'),
  obj_close: lib.func('void bpf_object__close(bpf_object *obj)'),
  obj_name: lib.func('const char *bpf_object__name(const bpf_object *obj)'),
  next_program: lib.func('bpf_object__next_program', ProgPtr, [ObjPtr, ProgPtr]),
  prog_name: lib.func('const char *bpf_program__name(const bpf_program *prog)'),
  prog_fd: lib.func('int bpf_program__fd(const bpf_program *prog)'),
  prog_type: lib.func('int bpf_program__type(const bpf_program *prog)'),
  prog_pin: lib.func('int bpf_program__pin(bpf_program *prog, const char *path)'),
  prog_unpin: lib.func('int bpf_program__unpin(bpf_program *prog, const char *path)'),
  next_map: lib.func('bpf_object__next_map', MapPtr, [ObjPtr, MapPtr]),
  map_name: lib.func('const char *bpf_map__name(const bpf_map *map)'),
  map_fd: lib.func('int bpf_map__fd(const bpf_map *map)'),
  map_type: lib.func('int bpf_map__type(const bpf_map *map)'),
  map_key_size: lib.func('uint32_t bpf_map__key_size(const bpf_map *map)'),
  map_value_size: lib.func('uint32_t bpf_map__value_size(const bpf_map *map)'),
  map_max_entries: lib.func('uint32_t bpf_map__max_entries(const bpf_map *map)'),
  map_pin: lib.func('int bpf_map__pin(bpf_map *map, const char *path)'),
  map_unpin: lib.func('int bpf_map__unpin(bpf_map *map, const char *path)'),
  lookup: lib.func('int bpf_map_lookup_elem(int fd, const void *key, void *value)'),
  update: lib.func('int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags)'),
  delete: lib.func('int bpf_map_delete_elem(int fd, const void *key)'),
  next_key: lib.func('int bpf_map_get_next_key(int fd, const void *key, void *next_key)'),
  num_cpus: lib.func('int libbpf_num_possible_cpus(void)'),
  prog_attach: lib.func('int bpf_prog_attach(int prog_fd, int attachable_fd, int type, unsigned int flags)'),
  prog_detach2: lib.func('int bpf_prog_detach2(int prog_fd, int attachable_fd, int type)'),
  link_create: lib.func('bpf_link_create', 'int', ['int', 'int', 'int', koffi.pointer(LinkOpts)]),
  xdp_attach: lib.func('int bpf_xdp_attach(int ifindex, int prog_fd, uint32_t flags, void *opts)'),
  xdp_detach: lib.func('int bpf_xdp_detach(int ifindex, uint32_t flags, void *opts)'),
  xdp_query_id: lib.func('int bpf_xdp_query_id(int ifindex, int flags, _Out_ uint32_t *prog_id)'),
  tc_hook_create: lib.func('bpf_tc_hook_create', 'int', [koffi.pointer(TcHook)]),
  tc_hook_destroy: lib.func('bpf_tc_hook_destroy', 'int', [koffi.pointer(TcHook)]),
  tc_attach: lib.func('bpf_tc_attach', 'int', [koffi.pointer(TcHook), koffi.inout(koffi.pointer(TcOpts))]),
  tc_detach: lib.func('bpf_tc_detach', 'int', [koffi.pointer(TcHook), koffi.pointer(TcOpts)]),
  obj_get: lib.func('int bpf_obj_get(const char *pathname)'),
  obj_info: lib.func('int bpf_obj_get_info_by_fd(int fd, _Out_ uint8_t *info, _Inout_ uint32_t *len)'),
  set_print: lib.func('void *libbpf_set_print(void *fn)'),
  close: libc.func('int close(int fd)'),
  vsnprintf: libc.func('int vsnprintf(_Out_ uint8_t *buf, size_t size, const char *fmt, void *ap)'),
};

// ---- libbpf's print callback: keep the last messages for error reports ----
const PrintFn = koffi.proto('int fastpath_libbpf_print(int level, const char *fmt, void *ap)');
const recent: string[] = [];
const printBuf = Buffer.alloc(4096);
const LEVELS = ['warn', 'info', 'debug'];
const echo = process.env.FASTPATH_LIBBPF_DEBUG === '1';
const printCb = koffi.register((level: number, fmt: string, ap: unknown) => {
  if (level === 2 && !echo) return 0; // debug chatter is only collected on request
  const n = raw.vsnprintf(printBuf, printBuf.length, fmt, ap) as number;
  const msg = printBuf.toString('utf8', 0, Math.max(0, Math.min(n, printBuf.length - 1))).trimEnd();
  if (echo) process.stderr.write(`libbpf[${LEVELS[level]}]: ${msg}\n`);
  recent.push(msg);
  if (recent.length > 40) recent.shift();
  return 0;
}, koffi.pointer(PrintFn));
raw.set_print(printCb);

/** Runs a libbpf call and returns the messages libbpf printed meanwhile. */
function withLog<T>(fn: () => T): [T, string[]] {
  recent.length = 0;
  const r = fn();
  return [r, recent.splice(0)];
}

const EPERM = 1;
const EACCES = 13;

/** Throws the right BpfError for a negative libbpf return (libbpf 1.x returns -errno). */
export function check(op: string, rc: number, log: string[] = []): number {
  if (rc >= 0) return rc;
  const errno = -rc;
  if (errno === EPERM || (errno === EACCES && !/verifier|invalid/i.test(log.join('\n')))) throw new BpfPermissionError(op, errno, log);
  throw new BpfError(op, errno, undefined, log);
}

function checkPtr<T>(op: string, p: T | null, log: string[]): T {
  if (p) return p;
  return check(op, -(koffi.errno() || 22), log) as never;
}

// ---- typed wrappers ----
export type ObjHandle = unknown;
export type ProgHandle = unknown;
export type MapHandle = unknown;

export interface OpenedObject {
  obj: ObjHandle;
  /** Native buffer libbpf writes verifier logs into during load; free with freeLogBuffer. */
  logBuf: unknown;
  logSize: number;
}

export function openObject(path: string, logSize: number): OpenedObject {
  const logBuf = koffi.alloc('char', logSize);
  const opts = { sz: koffi.sizeof(OpenOpts), object_name: null, relaxed_maps: false, pin_root_path: null, _removed_attach_prog_fd: 0, kconfig: null, btf_custom_path: null, kernel_log_buf: logBuf, kernel_log_size: logSize, kernel_log_level: 0 };
  const [obj, log] = withLog(() => raw.open_file(path, opts));
  if (!obj) {
    koffi.free(logBuf);
    checkPtr(`bpf_object__open_file(${path})`, null, log);
  }
  return { obj, logBuf, logSize };
}

export function readLogBuffer(o: OpenedObject): string {
  const bytes = koffi.decode(o.logBuf, 'uint8_t', o.logSize) as number[] | Uint8Array;
  const b = Buffer.from(bytes as Uint8Array);
  const nul = b.indexOf(0);
  return b.toString('utf8', 0, nul < 0 ? b.length : nul);
}

export function freeLogBuffer(o: OpenedObject): void {
  if (o.logBuf) koffi.free(o.logBuf);
  o.logBuf = null;
}

/** Loads the object; returns [rc, libbpf messages] so the caller can build a verifier error. */
export function loadObject(obj: ObjHandle): [number, string[]] {
  return withLog(() => raw.obj_load(obj) as number);
}

export const closeObject = (obj: ObjHandle): void => void raw.obj_close(obj);
export const objectName = (obj: ObjHandle): string => raw.obj_name(obj) as string;

export function programs(obj: ObjHandle): ProgHandle[] {
  const out: ProgHandle[] = [];
  for (let p = raw.next_program(obj, null); p; p = raw.next_program(obj, p)) out.push(p);
  return out;
}
export const programName = (p: ProgHandle): string => raw.prog_name(p) as string;
export const programFd = (p: ProgHandle): number => raw.prog_fd(p) as number;
export const programType = (p: ProgHandle): number => raw.prog_type(p) as number;
export function pinProgram(p: ProgHandle, path: string): void {
  const [rc, log] = withLog(() => raw.prog_pin(p, path) as number);
  check(`bpf_program__pin(${path})`, rc, log);
}
export function unpinProgram(p: ProgHandle, path: string): void {
  const [rc, log] = withLog(() => raw.prog_unpin(p, path) as number);
  check(`bpf_program__unpin(${path})`, rc, log);
}

export function maps(obj: ObjHandle): MapHandle[] {
  const out: MapHandle[] = [];
  for (let m = raw.next_map(obj, null); m; m = raw.next_map(obj, m)) out.push(m);
  return out;
}
export interface MapInfo { name: string; fd: number; type: number; keySize: number; valueSize: number; maxEntries: number }
export function mapInfo(m: MapHandle): MapInfo {
  return {
    name: raw.map_name(m) as string,
    fd: raw.map_fd(m) as number,
    type: raw.map_type(m) as number,
    keySize: raw.map_key_size(m) as number,
    valueSize: raw.map_value_size(m) as number,
    maxEntries: raw.map_max_entries(m) as number,
  };
}
export function pinMap(m: MapHandle, path: string): void {
  const [rc, log] = withLog(() => raw.map_pin(m, path) as number);
  check(`bpf_map__pin(${path})`, rc, log);
}
export function unpinMap(m: MapHandle, path: string): void {
  const [rc, log] = withLog(() => raw.map_unpin(m, path) as number);
  check(`bpf_map__unpin(${path})`, rc, log);
}

/** false when the key is absent (ENOENT); throws on anything else. */
export function mapLookup(fd: number, key: Buffer, value: Buffer): boolean {
  const rc = raw.lookup(fd, key, value) as number;
  if (rc === -2) return false;
  check('bpf_map_lookup_elem', rc);
  return true;
}
export function mapUpdate(fd: number, key: Buffer, value: Buffer, flags: bigint): void {
  check('bpf_map_update_elem', raw.update(fd, key, value, flags) as number);
}
export function mapDelete(fd: number, key: Buffer): boolean {
  const rc = raw.delete(fd, key) as number;
  if (rc === -2) return false;
  check('bpf_map_delete_elem', rc);
  return true;
}
/** Next key after `key` (null: first); false at the end. */
export function mapNextKey(fd: number, key: Buffer | null, next: Buffer): boolean {
  const rc = raw.next_key(fd, key, next) as number;
  if (rc === -2) return false;
  check('bpf_map_get_next_key', rc);
  return true;
}
export const possibleCpus = (): number => check('libbpf_num_possible_cpus', raw.num_cpus() as number);

export function progAttach(progFd: number, targetFd: number, type: number): void {
  check('bpf_prog_attach', raw.prog_attach(progFd, targetFd, type, 0) as number);
}
export function progDetach(progFd: number, targetFd: number, type: number): void {
  check('bpf_prog_detach2', raw.prog_detach2(progFd, targetFd, type) as number);
}
/** bpf_link_create; returns the link fd (closing it detaches). */
export function linkCreate(progFd: number, target: number, attachType: number, flags: number): number {
  const [rc, log] = withLog(() => raw.link_create(progFd, target, attachType, { sz: koffi.sizeof(LinkOpts), flags, _pad: 0 }) as number);
  return check(`bpf_link_create(type ${attachType}, target ${target})`, rc, log);
}
export function xdpAttach(ifindex: number, progFd: number, flags: number): void {
  const [rc, log] = withLog(() => raw.xdp_attach(ifindex, progFd, flags, null) as number);
  check(`bpf_xdp_attach(ifindex ${ifindex})`, rc, log);
}
export function xdpDetach(ifindex: number, flags: number): void {
  const [rc, log] = withLog(() => raw.xdp_detach(ifindex, flags, null) as number);
  check(`bpf_xdp_detach(ifindex ${ifindex})`, rc, log);
}
/** The id of the XDP program attached in the given mode flags (0 = none). */
export function xdpQueryId(ifindex: number, flags: number): number {
  const id = [0];
  check(`bpf_xdp_query_id(ifindex ${ifindex})`, raw.xdp_query_id(ifindex, flags, id) as number);
  return id[0];
}

export interface TcHookSpec { ifindex: number; attachPoint: number }
const hook = (h: TcHookSpec) => ({ sz: koffi.sizeof(TcHook), ifindex: h.ifindex, attach_point: h.attachPoint, parent: 0 });
/** Creates the clsact qdisc; false when it already existed. */
export function tcHookCreate(h: TcHookSpec): boolean {
  const [rc, log] = withLog(() => raw.tc_hook_create(hook(h)) as number);
  if (rc === -17) return false;
  check(`bpf_tc_hook_create(ifindex ${h.ifindex})`, rc, log);
  return true;
}
export function tcHookDestroy(h: TcHookSpec): void {
  const [rc, log] = withLog(() => raw.tc_hook_destroy(hook(h)) as number);
  if (rc === -2 || rc === -22) return; // already gone with its device, or never created
  check(`bpf_tc_hook_destroy(ifindex ${h.ifindex})`, rc, log);
}
export interface TcFilter { handle: number; priority: number; progId: number }
export function tcAttach(h: TcHookSpec, progFd: number, handle: number, priority: number): TcFilter {
  const opts = { sz: koffi.sizeof(TcOpts), prog_fd: progFd, flags: 0, prog_id: 0, handle, priority };
  const [rc, log] = withLog(() => raw.tc_attach(hook(h), opts) as number);
  check(`bpf_tc_attach(ifindex ${h.ifindex})`, rc, log);
  return { handle: opts.handle, priority: opts.priority, progId: opts.prog_id };
}
export function tcDetach(h: TcHookSpec, f: TcFilter): void {
  const [rc, log] = withLog(() => raw.tc_detach(hook(h), { sz: koffi.sizeof(TcOpts), prog_fd: 0, flags: 0, prog_id: 0, handle: f.handle, priority: f.priority }) as number);
  if (rc === -2 || rc === -19) return; // the device (and its filters) is already gone
  check(`bpf_tc_detach(ifindex ${h.ifindex})`, rc, log);
}
export function objGet(path: string): number {
  const [rc, log] = withLog(() => raw.obj_get(path) as number);
  return check(`bpf_obj_get(${path})`, rc, log);
}
/** Kernel id of a program or map fd (bpf_prog_info / bpf_map_info: type, then id). */
export function objectId(fd: number): number {
  const info = Buffer.alloc(8);
  check('bpf_obj_get_info_by_fd', raw.obj_info(fd, info, [8]) as number);
  return info.readUInt32LE(4);
}
export function closeFd(fd: number): void {
  raw.close(fd);
}
