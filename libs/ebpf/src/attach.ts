// Attaching programs: SK_MSG verdict to a sockmap/sockhash, XDP on an interface, tc on an
// interface. Every attachment is Disposable and registered with its object, so disposing the
// object detaches it. Link-based attachments (XDP links, tcx) also vanish when the process dies;
// netlink-based ones (clsact filters, legacy XDP) are detached by an exit/SIGINT/SIGTERM hook.
import { readFileSync } from 'node:fs';
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

function makeAttachment(kind: Attachment['kind'], owner: BpfObject, undo: () => void, netlink: boolean): Attachment {
  let detached = false;
  const a: Attachment = {
    kind,
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
  if (netlink) trackNetlink(a);
  owner.onDispose(() => a.detach());
  return a;
}

/** Attaches an SK_MSG program as the verdict program of a sockmap/sockhash. */
export function attachSkMsg(owner: BpfObject, prog: BpfProgram, map: BpfMap): Attachment {
  if (map.type !== MapType.SOCKMAP && map.type !== MapType.SOCKHASH) throw new BpfUsageError(`map ${map.name} is not a sockmap/sockhash`);
  const progFd = prog.fd;
  const mapFd = map.fd;
  bpf.progAttach(progFd, mapFd, BPF_SK_MSG_VERDICT);
  return makeAttachment('sk_msg', owner, () => bpf.progDetach(progFd, mapFd, BPF_SK_MSG_VERDICT), false);
}

export interface XdpOptions {
  /** native (driver) or generic (skb) mode; default native. */
  mode?: 'native' | 'generic';
  /** link (default): a BPF link, gone when the process dies. netlink: bpf_xdp_attach. */
  via?: 'link' | 'netlink';
}

export function attachXdp(owner: BpfObject, prog: BpfProgram, ifindex: number, opts: XdpOptions = {}): Attachment {
  const flags = opts.mode === 'generic' ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
  if (opts.via === 'netlink') {
    bpf.xdpAttach(ifindex, prog.fd, flags);
    return makeAttachment('xdp', owner, () => bpf.xdpDetach(ifindex, flags), true);
  }
  const link = bpf.linkCreate(prog.fd, ifindex, BPF_XDP, flags);
  return makeAttachment('xdp', owner, () => bpf.closeFd(link), false);
}

/** The XDP program id attached to an interface in the given mode (0 = none). */
export function xdpProgramId(ifindex: number, mode: 'native' | 'generic' = 'native'): number {
  return bpf.xdpQueryId(ifindex, mode === 'generic' ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);
}

export interface TcOptions {
  direction: 'ingress' | 'egress';
  /** clsact (default): bpf_tc_hook_create + bpf_tc_attach (netlink, direct-action filter).
   *  tcx: a tcx BPF link (kernel >= 6.6), gone when the process dies. */
  via?: 'clsact' | 'tcx';
  /** clsact filter priority/handle (default 1/1). */
  priority?: number;
  handle?: number;
}

// clsact qdiscs this process created, with how many of its attachments still use each: the
// qdisc goes when the last one detaches (never one that existed before us).
const ownedClsact = new Map<number, number>();

export function attachTc(owner: BpfObject, prog: BpfProgram, ifindex: number, opts: TcOptions): Attachment {
  if (opts.via === 'tcx') {
    const link = bpf.linkCreate(prog.fd, ifindex, opts.direction === 'ingress' ? BPF_TCX_INGRESS : BPF_TCX_EGRESS, 0);
    return makeAttachment('tc', owner, () => bpf.closeFd(link), false);
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
  return makeAttachment('tc', owner, () => {
    bpf.tcDetach(hook, filter);
    release();
  }, true);
}
