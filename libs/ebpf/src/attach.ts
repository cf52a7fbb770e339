// Attaching programs: SK_MSG verdict to a sockmap/sockhash, XDP on an interface, tc on an
// interface. Every attachment is Disposable and registered with its object, so disposing the
// object detaches it. XDP and tc attach through BPF links by default (XDP link, tcx): the link
// fd owns the attachment, so it vanishes when the process dies, even by SIGKILL. The netlink
// ways (legacy XDP, clsact filters) stay available on request and as the fallback on kernels
// without links; they outlive the process, so an exit/SIGINT/SIGTERM hook detaches them.
import { readFileSync } from 'node:fs';
import { release as osRelease } from 'node:os';
import * as bpf from './libbpf.ts';
import { BpfNotFoundError, BpfUsageError } from './errors.ts';
import type { BpfMap } from './map.ts';
import { MapType } from './map.ts';
import type { BpfObject, BpfProgram } from './object.ts';

const BPF_SK_MSG_VERDICT = 7;
const BPF_XDP = 37;
const BPF_TCX_INGRESS = 46;
const BPF_TCX_EGRESS = 47;
const XDP_FLAGS_SKB_MODE = 1 << 1;
const XDP_FLAGS_DRV_MODE = 1 << 2;
const BPF_TC_INGRESS = 1;
const BPF_TC_EGRESS = 2;

export interface Attachment extends Disposable {
  readonly kind: 'sk_msg' | 'xdp' | 'tc';
  /** How it is attached: 'link' (XDP link), 'tcx' (tcx link), 'netlink' (legacy XDP),
   *  'clsact' (tc filter) or 'prog' (sockmap verdict). Only links die with the process. */
  readonly via: 'link' | 'tcx' | 'netlink' | 'clsact' | 'prog';
  readonly detached: boolean;
  detach(): void;
}

/** Interface index of `name` in this process's network namespace. */
export function ifindex(name: string): number {
  if (!/^[\w.@:-]{1,15}$/.test(name)) throw new BpfUsageError(`'${name}' is not an interface name`);
  try {
    return Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8'));
  } catch {
    throw new BpfNotFoundError(`interface ${name}`, 'in this network namespace');
  }
}

// ---- exit hook for netlink attachments ----
const liveNetlink = new Set<Attachment>();
let hooked = false;
function detachAllOnExit(): void {
  for (const a of [...liveNetlink]) {
    try {
      a.detach();
    } catch {
      /* best effort while exiting */
    }
  }
}
function onSignal(sig: NodeJS.Signals): void {
  detachAllOnExit();
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  // Only re-raise when nobody else handles the signal (keeps default exit semantics).
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}
function trackNetlink(a: Attachment): void {
  liveNetlink.add(a);
  if (!hooked) {
    hooked = true;
    process.on('exit', detachAllOnExit);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
}

function makeAttachment(kind: Attachment['kind'], via: Attachment['via'], owner: BpfObject, undo: () => void): Attachment {
  let detached = false;
  const a: Attachment = {
    kind,
    via,
    get detached() {
      return detached;
    },
    detach() {
      if (detached) return;
      detached = true;
      liveNetlink.delete(a);
      undo();
    },
    [Symbol.dispose]() {
      a.detach();
    },
  };
  if (via === 'netlink' || via === 'clsact') trackNetlink(a);
  owner.onDispose(() => a.detach());
  return a;
}

/** Attaches an SK_MSG program as the verdict program of a sockmap/sockhash. */
export function attachSkMsg(owner: BpfObject, prog: BpfProgram, map: BpfMap): Attachment {
  if (map.type !== MapType.SOCKMAP && map.type !== MapType.SOCKHASH) throw new BpfUsageError(`map ${map.name} is not a sockmap/sockhash`);
  const progFd = prog.fd;
  const mapFd = map.fd;
  bpf.progAttach(progFd, mapFd, BPF_SK_MSG_VERDICT);
  return makeAttachment('sk_msg', 'prog', owner, () => bpf.progDetach(progFd, mapFd, BPF_SK_MSG_VERDICT));
}

export interface XdpOptions {
  /** native (driver) or generic (skb) mode; default native. */
  mode?: 'native' | 'generic';
  /** link (default): a BPF link, gone when the process dies; falls back to netlink on a
   *  kernel without XDP links (< 5.9). netlink: bpf_xdp_attach, outlives a SIGKILL. */
  via?: 'link' | 'netlink';
}

// Link types by kernel release: XDP links since 5.9, tcx since 6.6. Asking the kernel by trial
// would be ambiguous (EINVAL/EOPNOTSUPP also mean "this device has no native XDP").
function kernelAtLeast(major: number, minor: number, release = osRelease()): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return true; // unknown format: assume a current kernel, the attach reports the truth
  const [ma, mi] = [Number(m[1]), Number(m[2])];
  return ma > major || (ma === major && mi >= minor);
}
/** Whether this kernel offers XDP links and tcx links (the default attachments). */
export const linkSupport = (release?: string): { xdpLink: boolean; tcx: boolean } => ({
  xdpLink: kernelAtLeast(5, 9, release),
  tcx: kernelAtLeast(6, 6, release),
});

export function attachXdp(owner: BpfObject, prog: BpfProgram, ifindex: number, opts: XdpOptions = {}): Attachment {
  const flags = opts.mode === 'generic' ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
  if (opts.via === 'link' || (opts.via === undefined && linkSupport().xdpLink)) {
    const link = bpf.linkCreate(prog.fd, ifindex, BPF_XDP, flags);
    return makeAttachment('xdp', 'link', owner, () => bpf.closeFd(link));
  }
  bpf.xdpAttach(ifindex, prog.fd, flags);
  return makeAttachment('xdp', 'netlink', owner, () => bpf.xdpDetach(ifindex, flags));
}

/** The XDP program id attached to an interface in the given mode (0 = none). */
export function xdpProgramId(ifindex: number, mode: 'native' | 'generic' = 'native'): number {
  return bpf.xdpQueryId(ifindex, mode === 'generic' ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);
}

export interface TcOptions {
  direction: 'ingress' | 'egress';
  /** tcx (default): a tcx BPF link (kernel >= 6.6), gone when the process dies; falls back to
   *  clsact on older kernels. clsact: bpf_tc_hook_create + bpf_tc_attach (netlink,
   *  direct-action filter), outlives a SIGKILL. */
  via?: 'clsact' | 'tcx';
  /** clsact filter priority/handle (default 1/1). */
  priority?: number;
  handle?: number;
}

// clsact qdiscs this process created, with how many of its attachments still use each: the
// qdisc goes when the last one detaches (never one that existed before us).
const ownedClsact = new Map<number, number>();

export function attachTc(owner: BpfObject, prog: BpfProgram, ifindex: number, opts: TcOptions): Attachment {
  if (opts.via === 'tcx' || (opts.via === undefined && linkSupport().tcx)) {
    const link = bpf.linkCreate(prog.fd, ifindex, opts.direction === 'ingress' ? BPF_TCX_INGRESS : BPF_TCX_EGRESS, 0);
    return makeAttachment('tc', 'tcx', owner, () => bpf.closeFd(link));
  }
  const hook = { ifindex, attachPoint: opts.direction === 'ingress' ? BPF_TC_INGRESS : BPF_TC_EGRESS };
  if (bpf.tcHookCreate(hook)) ownedClsact.set(ifindex, 0);
  const owned = ownedClsact.has(ifindex);
  if (owned) ownedClsact.set(ifindex, ownedClsact.get(ifindex)! + 1);
  const release = () => {
    if (!owned) return;
    const left = ownedClsact.get(ifindex)! - 1;
    if (left > 0) ownedClsact.set(ifindex, left);
    else {
      ownedClsact.delete(ifindex);
      bpf.tcHookDestroy({ ifindex, attachPoint: BPF_TC_INGRESS | BPF_TC_EGRESS });
    }
  };
  let filter: bpf.TcFilter;
  try {
    filter = bpf.tcAttach(hook, prog.fd, opts.handle ?? 1, opts.priority ?? 1);
  } catch (e) {
    release();
    throw e;
  }
  return makeAttachment('tc', 'clsact', owner, () => {
    bpf.tcDetach(hook, filter);
    release();
  });
}
