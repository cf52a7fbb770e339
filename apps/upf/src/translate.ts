// PFCP PDR -> classifier rules. Which IE fills which dimension is documented in README.md
// ("PDR key layout"); this file is the single place that does it.
import { anyRule, Dim, type PdrRule } from '@fastpath/pdrcls';
import { Cause, IeType, Interface, ipv4ToInt, parseFlowDescription, SdfParseError, type CreatePdr, type Range, type SdfFilter } from '@fastpath/pfcp';

/** A PDR the UPF cannot install; answered with `cause` and `offendingIe`. */
export class RuleError extends Error {
  constructor(readonly pfcpCause: number, readonly offendingIe: number, reason: string) {
    super(reason);
    this.name = 'RuleError';
  }
}

/** Classifier ids: PFCP PDR ID (16 bits) << 8 | sub-rule (one per SDF filter x port range). */
export const SUBRULES = 256;
export const classifierId = (pdrId: number, sub: number) => pdrId * SUBRULES + sub;
export const pdrIdOf = (classifierId: number) => Math.floor(classifierId / SUBRULES);

export interface PdrContext {
  /** TEID the UPF allocated or accepted for this PDR's F-TEID (uplink). */
  teid?: number;
  /** UE IPv4 of the session (for "assigned" in SDF filters). */
  ueIp4?: number;
  cookie: bigint;
  /** Application ID -> its flow descriptions (config `applications`), written like SDF filters. */
  applications?: ReadonlyMap<string, readonly string[]>;
}

function set(r: PdrRule, d: number, [lo, hi]: Range) {
  r.lo[d] = lo;
  r.hi[d] = hi;
}

export function pdrToRules(pdr: CreatePdr, ctx: PdrContext): PdrRule[] {
  const pdi = pdr.pdi;
  const base = anyRule(0, pdr.precedence, ctx.cookie);
  set(base, Dim.SRC_IFACE, [pdi.sourceInterface, pdi.sourceInterface]);
  if (pdi.localFTeid) {
    if (ctx.teid === undefined) throw new RuleError(Cause.RuleCreationModificationFailure, IeType.FTEID, `PDR ${pdr.pdrId}: no TEID for its F-TEID`);
    set(base, Dim.TEID, [ctx.teid, ctx.teid]);
  }
  if (pdi.ueIpAddress?.ipv4) {
    const ue = ipv4ToInt(pdi.ueIpAddress.ipv4);
    set(base, Dim.UE_IP4, [ue, ue]);
  }
  // One rule per QFI: the QFI dimension holds a range, several QFIs are an OR.
  const qfiBases = (pdi.qfis?.length ? pdi.qfis : [undefined]).map((q) => {
    const r = { ...base, lo: [...base.lo], hi: [...base.hi] };
    if (q !== undefined) set(r, Dim.QFI, [q, q]);
    return r;
  });
  let rules = qfiBases.flatMap((b) => sdfRules(pdr, b, pdi.sdfFilters ?? [], ctx, IeType.SDFFilter));
  if (pdi.applicationId !== undefined) {
    const flows = ctx.applications?.get(pdi.applicationId);
    if (!flows)
      throw new RuleError(Cause.RuleCreationModificationFailure, IeType.ApplicationID, `PDR ${pdr.pdrId}: Application ID "${pdi.applicationId}" is not configured (config applications)`);
    // The PDI's IEs are ANDed: SDF filters x the application's filters, range by range.
    const app = sdfRules(pdr, anyRule(0, 0, 0n), flows.map((flowDescription) => ({ flowDescription })), ctx, IeType.ApplicationID);
    rules = rules.flatMap((r) => app.map((a) => intersect(r, a)).filter((x): x is PdrRule => x !== null));
    if (rules.length === 0) throw new RuleError(Cause.RuleCreationModificationFailure, IeType.ApplicationID, `PDR ${pdr.pdrId}: SDF filters and application "${pdi.applicationId}" never match together`);
  }
  if (rules.length > SUBRULES) throw new RuleError(Cause.RuleCreationModificationFailure, IeType.SDFFilter, `PDR ${pdr.pdrId}: expands to ${rules.length} rules (max ${SUBRULES})`);
  return rules.map((r, i) => ({ ...r, pdrId: classifierId(pdr.pdrId, i) }));
}

/** a AND b, or null when some dimension does not overlap. */
function intersect(a: PdrRule, b: PdrRule): PdrRule | null {
  const r = { ...a, lo: [...a.lo], hi: [...a.hi] };
  for (let d = 0; d < r.lo.length; d++) {
    r.lo[d] = Math.max(a.lo[d], b.lo[d]);
    r.hi[d] = Math.min(a.hi[d], b.hi[d]);
    if (r.lo[d] > r.hi[d]) return null;
  }
  return r;
}

/** base narrowed by each SDF filter (an OR): one rule per filter x source port x destination port. */
function sdfRules(pdr: CreatePdr, base: PdrRule, filters: readonly SdfFilter[], ctx: PdrContext, ie: number): PdrRule[] {
  if (filters.length === 0) return [base];
  const out: PdrRule[] = [];
  const uplink = pdr.pdi.sourceInterface === Interface.Access;
  for (const f of filters) {
    if (f.spi !== undefined || f.flowLabel !== undefined)
      throw new RuleError(Cause.RuleCreationModificationFailure, ie, `PDR ${pdr.pdrId}: SDF filters with SPI or flow label are not supported`);
    const r = { ...base, lo: [...base.lo], hi: [...base.hi] };
    if (f.tosTrafficClass !== undefined) {
      const tos = f.tosTrafficClass >> 8;
      const mask = f.tosTrafficClass & 0xff;
      const host = ~mask & 0xff;
      if (((host + 1) & host) !== 0) throw new RuleError(Cause.RuleCreationModificationFailure, ie, `PDR ${pdr.pdrId}: ToS mask 0x${mask.toString(16)} is not a prefix`);
      const lo = tos & mask;
      set(r, Dim.TOS, [lo, lo | host]);
    }
    if (f.flowDescription === undefined) {
      out.push(r);
      continue;
    }
    let fd;
    try {
      fd = parseFlowDescription(f.flowDescription);
    } catch (e) {
      if (e instanceof SdfParseError) throw new RuleError(Cause.RuleCreationModificationFailure, ie, `PDR ${pdr.pdrId}: ${e.message}`);
      throw e;
    }
    set(r, Dim.PROTO, fd.proto);
    const addr = (a: Range | 'assigned'): Range => {
      if (a !== 'assigned') return a;
      if (ctx.ueIp4 === undefined) throw new RuleError(Cause.RuleCreationModificationFailure, ie, `PDR ${pdr.pdrId}: "assigned" without a UE IP address`);
      return [ctx.ueIp4, ctx.ueIp4];
    };
    // Flow descriptions are written for downlink ("from" remote "to" UE); an uplink packet has them swapped (TS 29.244 5.2.1A.2A).
    const src = uplink ? fd.to : fd.from;
    const dst = uplink ? fd.from : fd.to;
    set(r, Dim.SRC_IP4, addr(src.addr));
    set(r, Dim.DST_IP4, addr(dst.addr));
    for (const sp of src.ports)
      for (const dp of dst.ports) {
        const x = { ...r, lo: [...r.lo], hi: [...r.hi] };
        set(x, Dim.SRC_PORT, sp);
        set(x, Dim.DST_PORT, dp);
        out.push(x);
      }
  }
  return out;
}
