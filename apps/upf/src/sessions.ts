// PFCP association and session state, and its translation into data-path state
// (FAR/QER/URR slots + classifier rules). Transport-free: server.ts feeds it decoded messages.
import {
  ApplyAction, Cause, IeType, Interface, intToIpv4, ipv4ToInt, MeasurementMethod, MessageType as M, OuterHeaderCreationDesc, ReportingTrigger, ReportType, UsageReportTrigger,
  type CreateBar, type CreateFar, type CreatePdr, type CreateQer, type CreateUrr, type NodeId, type SessionDeletionResponse,
  type SessionEstablishmentRequest, type SessionEstablishmentResponse, type SessionModificationRequest, type SessionModificationResponse,
  type SessionReportRequest, type UsageReport, type CreatedPdr,
} from '@fastpath/pfcp';
import { Action, cookie, EventType, Iface, Trig, UpfDpError, type Datapath, type DpEvent, type Far, type Urr, type UrrCounts } from './datapath.ts';
import { pdrToRules, RuleError } from './translate.ts';

export interface Peer {
  address: string;
  port: number;
}

interface Session {
  upSeid: bigint;
  cpSeid: bigint;
  peer: Peer;
  nodeKey: string;
  teid: number;
  ueIp4: number;
  pdrs: Map<number, CreatePdr>;
  fars: Map<number, { slot: number; far: CreateFar }>;
  qers: Map<number, { slot: number; qer: CreateQer }>;
  urrs: Map<number, { slot: number; urr: CreateUrr; seqn: number; start: Date }>;
  bar?: CreateBar;
  installed: number[];
  rules: number;
}

export interface ControlOptions {
  nodeId: NodeId;
  n3Address: string;
  teidBase: number;
  /** Application ID -> flow descriptions (config `applications`). */
  applications?: ReadonlyMap<string, readonly string[]>;
}

const nodeKey = (n: NodeId) => `${n.type}:${n.value}`;

export class UpfControl {
  readonly associations = new Map<string, { nodeId: NodeId; peer: Peer; since: Date }>();
  private sessions = new Map<bigint, Session>();
  private teids = new Set<number>();
  private nextTeid: number;
  private nextSeid = 1n;

  constructor(readonly dp: Datapath, readonly opts: ControlOptions) {
    this.nextTeid = opts.teidBase;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }
  get pdrCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.pdrs.size;
    return n;
  }
  get ruleCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.rules;
    return n;
  }
  session(upSeid: bigint): Readonly<Session> | undefined {
    return this.sessions.get(upSeid);
  }

  associate(nodeId: NodeId, peer: Peer): void {
    this.associations.set(nodeKey(nodeId), { nodeId, peer, since: new Date() });
  }

  /** Removes the association and every session it established. */
  release(nodeId: NodeId): boolean {
    const key = nodeKey(nodeId);
    for (const s of [...this.sessions.values()]) if (s.nodeKey === key) this.teardown(s);
    return this.associations.delete(key);
  }

  establish(req: SessionEstablishmentRequest, peer: Peer): SessionEstablishmentResponse {
    const base = { type: M.SessionEstablishmentResponse, seid: req.cpFSeid.seid, sequence: req.sequence, nodeId: this.opts.nodeId } as const;
    const key = nodeKey(req.nodeId);
    if (!this.associations.has(key)) return { ...base, cause: Cause.NoEstablishedPfcpAssociation };
    const s: Session = {
      upSeid: this.nextSeid++, cpSeid: req.cpFSeid.seid, peer, nodeKey: key, teid: 0, ueIp4: 0,
      pdrs: new Map(), fars: new Map(), qers: new Map(), urrs: new Map(), bar: req.createBar, installed: [], rules: 0,
    };
    try {
      const created = this.addRules(s, req.createPdrs, req.createFars, req.createQers ?? [], req.createUrrs ?? [], true);
      this.sessions.set(s.upSeid, s);
      return { ...base, cause: Cause.RequestAccepted, upFSeid: { seid: s.upSeid, ipv4: this.n4Address() }, createdPdrs: created };
    } catch (e) {
      this.teardown(s);
      return { ...base, ...this.failure(e) };
    }
  }

  modify(req: SessionModificationRequest): SessionModificationResponse {
    const s = this.sessions.get(req.seid);
    if (!s) return { type: M.SessionModificationResponse, seid: 0n, sequence: req.sequence, cause: Cause.SessionContextNotFound };
    const base = { type: M.SessionModificationResponse, seid: s.cpSeid, sequence: req.sequence } as const;
    if (req.cpFSeid) s.cpSeid = req.cpFSeid.seid;
    // Validate removals first so a bad request changes nothing.
    for (const [list, map, ie] of [
      [req.removePdrs?.map((x) => x.pdrId), s.pdrs, IeType.PDRID], [req.removeFars?.map((x) => x.farId), s.fars, IeType.FARID],
      [req.removeQers?.map((x) => x.qerId), s.qers, IeType.QERID], [req.removeUrrs?.map((x) => x.urrId), s.urrs, IeType.URRID],
    ] as const) {
      for (const id of list ?? []) if (!map.has(id)) return { ...base, cause: Cause.RuleCreationModificationFailure, offendingIe: ie };
    }
    const snapshot = { pdrs: new Map(s.pdrs), fars: new Map(s.fars), qers: new Map(s.qers), urrs: new Map(s.urrs), bar: s.bar };
    try {
      if (req.createBar) s.bar = req.createBar;
      if (req.updateBar) s.bar = { ...s.bar, ...req.updateBar };
      if (req.removeBar) s.bar = undefined;
      for (const id of req.removePdrs ?? []) s.pdrs.delete(id.pdrId);
      for (const u of req.updatePdrs ?? []) {
        const old = s.pdrs.get(u.pdrId);
        if (!old) throw new RuleError(Cause.RuleCreationModificationFailure, IeType.PDRID, `Update PDR ${u.pdrId}: no such PDR`);
        s.pdrs.set(u.pdrId, { ...old, ...strip(u) } as CreatePdr);
      }
      for (const u of req.updateFars ?? []) {
        const old = s.fars.get(u.farId);
        if (!old) throw new RuleError(Cause.RuleCreationModificationFailure, IeType.FARID, `Update FAR ${u.farId}: no such FAR`);
        const far: CreateFar = { ...old.far };
        if (u.applyAction !== undefined) far.applyAction = u.applyAction;
        if (u.barId !== undefined) far.barId = u.barId;
        if (u.updateForwardingParameters) far.forwardingParameters = { ...far.forwardingParameters, ...strip(u.updateForwardingParameters) } as CreateFar['forwardingParameters'];
        s.fars.set(u.farId, { slot: old.slot, far });
      }
      for (const u of req.updateQers ?? []) {
        const old = s.qers.get(u.qerId);
        if (!old) throw new RuleError(Cause.RuleCreationModificationFailure, IeType.QERID, `Update QER ${u.qerId}: no such QER`);
        s.qers.set(u.qerId, { slot: old.slot, qer: { ...old.qer, ...strip(u) } as CreateQer });
      }
      for (const u of req.updateUrrs ?? []) {
        const old = s.urrs.get(u.urrId);
        if (!old) throw new RuleError(Cause.RuleCreationModificationFailure, IeType.URRID, `Update URR ${u.urrId}: no such URR`);
        s.urrs.set(u.urrId, { ...old, urr: { ...old.urr, ...strip(u) } as CreateUrr });
      }
      const removedFars = (req.removeFars ?? []).map((x) => s.fars.get(x.farId)!);
      const removedQers = (req.removeQers ?? []).map((x) => s.qers.get(x.qerId)!);
      const removedUrrs = (req.removeUrrs ?? []).map((x) => s.urrs.get(x.urrId)!);
      for (const x of req.removeFars ?? []) s.fars.delete(x.farId);
      for (const x of req.removeQers ?? []) s.qers.delete(x.qerId);
      for (const x of req.removeUrrs ?? []) s.urrs.delete(x.urrId);
      const created = this.addRules(s, req.createPdrs ?? [], req.createFars ?? [], req.createQers ?? [], req.createUrrs ?? [], false);
      // The new rules no longer point at removed slots: free them.
      for (const f of removedFars) this.dp.farDel(f.slot);
      for (const q of removedQers) this.dp.qerDel(q.slot);
      const usageReports = removedUrrs.map((u) => this.finalUsage(u));
      for (const u of removedUrrs) this.dp.urrDel(u.slot);
      return { ...base, cause: Cause.RequestAccepted, ...(created.length ? { createdPdrs: created } : {}), ...(usageReports.length ? { usageReports } : {}) };
    } catch (e) {
      // Slots created by this request are freed by addRules; restore the maps and re-sync.
      Object.assign(s, snapshot);
      try {
        this.sync(s);
      } catch {
        /* the previous state was installed before; keep what is there */
      }
      return { ...base, ...this.failure(e) };
    }
  }

  delete(upSeid: bigint, sequence: number): SessionDeletionResponse {
    const s = this.sessions.get(upSeid);
    if (!s) return { type: M.SessionDeletionResponse, seid: 0n, sequence, cause: Cause.SessionContextNotFound };
    const usageReports = [...s.urrs.values()].map((u) => this.finalUsage(u));
    this.teardown(s);
    return { type: M.SessionDeletionResponse, seid: s.cpSeid, sequence, cause: Cause.RequestAccepted, ...(usageReports.length ? { usageReports } : {}) };
  }

  /** Turns data-path events into Session Report Requests (sequence filled in by the sender). */
  reports(events: DpEvent[]): { peer: Peer; msg: Omit<SessionReportRequest, 'sequence'> }[] {
    const out: { peer: Peer; msg: Omit<SessionReportRequest, 'sequence'> }[] = [];
    for (const ev of events) {
      const s = this.sessions.get(ev.seid);
      if (!s) continue;
      if (ev.type === EventType.DlData) {
        out.push({ peer: s.peer, msg: { type: M.SessionReportRequest, seid: s.cpSeid, reportType: ReportType.DLDR, downlinkDataReport: { pdrIds: [ev.id] } } });
      } else {
        const u = s.urrs.get(ev.id);
        if (!u) continue;
        const ur = usage(u, ev.counts, reportTrigger(ev.counts.trigger));
        out.push({ peer: s.peer, msg: { type: M.SessionReportRequest, seid: s.cpSeid, reportType: ReportType.USAR, usageReports: [ur] } });
      }
    }
    return out;
  }

  private n4Address(): string {
    return this.opts.nodeId.type === 'ipv4' ? this.opts.nodeId.value : this.opts.n3Address;
  }

  private failure(e: unknown): { cause: number; offendingIe?: number } {
    if (e instanceof RuleError) return { cause: e.pfcpCause, offendingIe: e.offendingIe };
    if (e instanceof UpfDpError) return { cause: e.code === 'ENOSPC' || e.code === 'ENOMEM' ? Cause.NoResourcesAvailable : Cause.RuleCreationModificationFailure };
    throw e;
  }

  private allocTeid(): number {
    while (this.teids.has(this.nextTeid) || this.nextTeid === 0) this.nextTeid = (this.nextTeid + 1) >>> 0;
    const t = this.nextTeid;
    this.teids.add(t);
    this.nextTeid = (t + 1) >>> 0;
    return t;
  }

  /** Adds PDRs/FARs/QERs/URRs to a session and installs the full rule set atomically. */
  private addRules(s: Session, pdrs: CreatePdr[], fars: CreateFar[], qers: CreateQer[], urrs: CreateUrr[], first: boolean): CreatedPdr[] {
    const newSlots: { kind: 'far' | 'qer' | 'urr'; slot: number }[] = [];
    const created: CreatedPdr[] = [];
    let addedSession = false;
    let newTeid: number | undefined;
    try {
      for (const [ids, map, ie] of [[pdrs.map((p) => p.pdrId), s.pdrs, IeType.PDRID], [fars.map((f) => f.farId), s.fars, IeType.FARID],
        [qers.map((q) => q.qerId), s.qers, IeType.QERID], [urrs.map((u) => u.urrId), s.urrs, IeType.URRID]] as const) {
        const seen = new Set<number>();
        for (const id of ids) {
          if (map.has(id) || seen.has(id)) throw new RuleError(Cause.RuleCreationModificationFailure, ie, `rule id ${id} already exists`);
          seen.add(id);
        }
      }
      for (const q of qers) {
        const slot = this.dp.qerSet(-1, qerConfig(q));
        newSlots.push({ kind: 'qer', slot });
        s.qers.set(q.qerId, { slot, qer: q });
      }
      for (const u of urrs) {
        const slot = this.dp.urrSet(-1, urrConfig(s.upSeid, u));
        newSlots.push({ kind: 'urr', slot });
        s.urrs.set(u.urrId, { slot, urr: u, seqn: 0, start: new Date() });
      }
      for (const f of fars) {
        const slot = this.dp.farSet(-1, { seid: s.upSeid, farId: f.farId, action: Action.DROP, dstIface: Iface.Core });
        newSlots.push({ kind: 'far', slot });
        s.fars.set(f.farId, { slot, far: f });
      }
      for (const p of pdrs) {
        const fteid = p.pdi.localFTeid;
        if (fteid) {
          if (p.pdi.sourceInterface !== Interface.Access) throw new RuleError(Cause.RuleCreationModificationFailure, IeType.FTEID, `PDR ${p.pdrId}: F-TEID on a non-access PDR`);
          const teid = fteid.choose ? (s.teid || newTeid || (newTeid = this.allocTeid())) : fteid.teid!;
          if ((s.teid || newTeid) && teid !== (s.teid || newTeid))
            throw new RuleError(Cause.RuleCreationModificationFailure, IeType.FTEID, `PDR ${p.pdrId}: one uplink TEID per session is supported`);
          if (!s.teid && !newTeid) {
            if (this.teids.has(teid)) throw new RuleError(Cause.RuleCreationModificationFailure, IeType.FTEID, `TEID ${teid} in use`);
            this.teids.add(teid);
            newTeid = teid;
          }
          if (fteid.choose) created.push({ pdrId: p.pdrId, localFTeid: { teid, ipv4: this.opts.n3Address } });
        }
        const ue = p.pdi.ueIpAddress?.ipv4 ? ipv4ToInt(p.pdi.ueIpAddress.ipv4) : 0;
        if (ue && s.ueIp4 && ue !== s.ueIp4) throw new RuleError(Cause.RuleCreationModificationFailure, IeType.UEIPAddress, `PDR ${p.pdrId}: a second UE IP address`);
        if (ue && !s.ueIp4 && !first) throw new RuleError(Cause.RuleCreationModificationFailure, IeType.UEIPAddress, 'the UE IP address is fixed at establishment');
        if (ue) s.ueIp4 = ue;
        s.pdrs.set(p.pdrId, p);
      }
      if (newTeid !== undefined && !first) throw new RuleError(Cause.RuleCreationModificationFailure, IeType.FTEID, 'the uplink TEID is fixed at establishment');
      if (first) {
        s.teid = newTeid ?? 0;
        this.dp.sessionAdd(s.upSeid, s.teid, s.ueIp4);
        addedSession = true;
      }
      this.sync(s);
      return created;
    } catch (e) {
      for (const p of pdrs) s.pdrs.delete(p.pdrId);
      for (const x of newSlots) {
        if (x.kind === 'far') this.dp.farDel(x.slot);
        else if (x.kind === 'qer') this.dp.qerDel(x.slot);
        else this.dp.urrDel(x.slot);
      }
      for (const f of fars) s.fars.delete(f.farId);
      for (const q of qers) s.qers.delete(q.qerId);
      for (const u of urrs) s.urrs.delete(u.urrId);
      if (newTeid !== undefined) this.teids.delete(newTeid);
      if (addedSession) {
        this.dp.sessionRemove(s.upSeid);
        s.teid = 0;
      }
      throw e;
    }
  }

  /** Writes every FAR/QER/URR of the session to its slot and swaps in the full rule set. */
  private sync(s: Session): void {
    for (const { slot, qer } of s.qers.values()) this.dp.qerSet(slot, qerConfig(qer));
    for (const { slot, urr } of s.urrs.values()) this.dp.urrSet(slot, urrConfig(s.upSeid, urr));
    for (const [farId, { slot, far }] of s.fars) this.dp.farSet(slot, this.farConfig(s, farId, far));
    const rules = [];
    for (const p of s.pdrs.values()) {
      if (p.farId === undefined) throw new RuleError(Cause.MandatoryIeMissing, IeType.FARID, `PDR ${p.pdrId}: no FAR ID`);
      const far = s.fars.get(p.farId);
      if (!far) throw new RuleError(Cause.RuleCreationModificationFailure, IeType.FARID, `PDR ${p.pdrId}: FAR ${p.farId} does not exist`);
      const qer = p.qerIds?.length ? s.qers.get(p.qerIds[0]) : undefined;
      if (p.qerIds?.length && !qer) throw new RuleError(Cause.RuleCreationModificationFailure, IeType.QERID, `PDR ${p.pdrId}: QER ${p.qerIds[0]} does not exist`);
      const urr = p.urrIds?.length ? s.urrs.get(p.urrIds[0]) : undefined;
      if (p.urrIds?.length && !urr) throw new RuleError(Cause.RuleCreationModificationFailure, IeType.URRID, `PDR ${p.pdrId}: URR ${p.urrIds[0]} does not exist`);
      const c = cookie(far.slot, qer?.slot ?? -1, urr?.slot ?? -1, p.outerHeaderRemoval !== undefined);
      rules.push(...pdrToRules(p, { teid: s.teid || undefined, ueIp4: s.ueIp4 || undefined, cookie: c, applications: this.opts.applications }));
    }
    this.dp.rulesApply(s.upSeid, rules, s.installed);
    s.installed = rules.map((r) => r.pdrId);
    s.rules = rules.length;
  }

  private farConfig(s: Session, farId: number, f: CreateFar): Far {
    const fp = f.forwardingParameters;
    const users = [...s.pdrs.values()].filter((p) => p.farId === farId);
    const dlPdr = users.find((p) => p.pdi.sourceInterface === Interface.Core) ?? users[0];
    const qfi = users.map((p) => (p.qerIds?.length ? s.qers.get(p.qerIds[0])?.qer.qfi : undefined)).find((q) => q !== undefined);
    const ohc = fp?.outerHeaderCreation;
    // Duplication exists for lawful interception (TS 29.244 5.2.1, Duplicating Parameters);
    // this UPF hosts no LI function and does not advertise it, so it refuses instead of ignoring the bit.
    if (f.applyAction & ApplyAction.DUPL)
      throw new RuleError(Cause.RuleCreationModificationFailure, IeType.ApplyAction, `FAR ${farId}: DUPL (duplication for lawful interception) is not supported`);
    if (ohc && !(ohc.description & OuterHeaderCreationDesc.GtpuUdpIpv4))
      throw new RuleError(Cause.RuleCreationModificationFailure, IeType.OuterHeaderCreation, `FAR ${farId}: only GTP-U/UDP/IPv4 outer headers are supported`);
    const bar = f.barId !== undefined && s.bar?.barId === f.barId ? s.bar : undefined;
    return {
      seid: s.upSeid, farId, action: f.applyAction & (ApplyAction.DROP | ApplyAction.FORW | ApplyAction.BUFF | ApplyAction.NOCP),
      dstIface: fp?.destinationInterface === Interface.Access ? Iface.Access : Iface.Core,
      ohcGtpu: !!ohc, teid: ohc?.teid, peerIp4: ohc?.ipv4 ? ipv4ToInt(ohc.ipv4) : undefined, qfi,
      bufferMax: bar?.suggestedBufferingPacketsCount, pdrId: dlPdr?.pdrId,
    };
  }

  private finalUsage(u: { slot: number; urr: CreateUrr; seqn: number; start: Date }): UsageReport {
    return { ...usage(u, this.dp.urrRead(u.slot), UsageReportTrigger.TERMR), endTime: new Date() };
  }

  private teardown(s: Session): void {
    if (s.teid) {
      try {
        this.dp.sessionRemove(s.upSeid);
      } catch {
        /* never added */
      }
      this.teids.delete(s.teid);
    } else if (this.sessions.has(s.upSeid)) {
      this.dp.sessionRemove(s.upSeid);
    }
    for (const { slot } of s.fars.values()) this.dp.farDel(slot);
    for (const { slot } of s.qers.values()) this.dp.qerDel(slot);
    for (const { slot } of s.urrs.values()) this.dp.urrDel(slot);
    s.fars.clear();
    s.qers.clear();
    s.urrs.clear();
    this.sessions.delete(s.upSeid);
  }
}

function qerConfig(q: CreateQer) {
  return { qerId: q.qerId, gateUlClosed: q.gateStatus?.ul === 'closed', gateDlClosed: q.gateStatus?.dl === 'closed', mbrUlKbps: q.mbr?.ulKbps, mbrDlKbps: q.mbr?.dlKbps };
}

const SEC = 1_000_000_000n;

/**
 * URR -> data-path measurement (TS 29.244 5.2.2): volume threshold/quota with VOLUM, time
 * threshold/quota and inactivity with DURAT; a threshold only with its Reporting Trigger (VOLTH,
 * TIMTH), a quota with VOLQU/TIMQU (a quota without its trigger still stops traffic, so it is
 * applied whenever the IE is present). Volumes use the Total Volume.
 */
export function urrConfig(seid: bigint, u: CreateUrr): Urr {
  const vol = (u.measurementMethod & MeasurementMethod.VOLUM) !== 0;
  const dur = (u.measurementMethod & MeasurementMethod.DURAT) !== 0;
  const t = u.reportingTriggers;
  const secs = (x: number | undefined) => (x ? BigInt(x) * SEC : undefined);
  return {
    seid, urrId: u.urrId,
    volumeThreshold: vol && t & ReportingTrigger.VOLTH ? u.volumeThreshold?.total : undefined,
    volumeQuota: vol ? u.volumeQuota?.total : undefined,
    timeThresholdNs: dur && t & ReportingTrigger.TIMTH ? secs(u.timeThreshold) : undefined,
    timeQuotaNs: dur ? secs(u.timeQuota) : undefined,
    inactivityNs: dur ? secs(u.inactivityDetectionTime) : undefined,
  };
}

/** Data-path trigger bits -> Usage Report Trigger (24-bit form used by @fastpath/pfcp). */
export function reportTrigger(bits: number): number {
  return (bits & Trig.VOLTH ? UsageReportTrigger.VOLTH : 0) | (bits & Trig.TIMTH ? UsageReportTrigger.TIMTH : 0)
    | (bits & Trig.VOLQU ? UsageReportTrigger.VOLQU : 0) | (bits & Trig.TIMQU ? UsageReportTrigger.TIMQU : 0);
}

function usage(u: { urr: CreateUrr; seqn: number; start: Date }, c: UrrCounts, trigger: number): UsageReport {
  const dur = (u.urr.measurementMethod & MeasurementMethod.DURAT) !== 0;
  return {
    urrId: u.urr.urrId, urSeqn: u.seqn++, usageReportTrigger: trigger, startTime: u.start,
    volumeMeasurement: { total: c.ulBytes + c.dlBytes, uplink: c.ulBytes, downlink: c.dlBytes, totalPackets: c.ulPkts + c.dlPkts, uplinkPackets: c.ulPkts, downlinkPackets: c.dlPkts },
    // Duration Measurement is whole seconds (8.2.40); rounded to nearest
    ...(dur ? { durationMeasurement: Number((c.durationNs + SEC / 2n) / SEC) } : {}),
  };
}

/** Drops undefined fields so a spread only overrides what an Update IE carries. */
function strip<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export { intToIpv4 };
