// PFCP session lifecycle driven by a test SMF over real UDP, against a UPF whose data path runs
// socket-less (packets injected into the same C pipeline), plus bad PFCP input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApplyAction, Cause, encodeMessage, IeType, MeasurementMethod, MessageType as M, PfcpClient, PfcpTimeoutError, ReportingTrigger, ReportType, UsageReportTrigger,
  type AssociationSetupResponse, type SessionDeletionResponse, type SessionEstablishmentResponse, type SessionModificationResponse,
} from '@fastpath/pfcp';
import { decodeGtpu, encodeGtpu, GtpuType, udpPacket } from '@fastpath/gtpu';
import { parseConfig } from '../src/config.ts';
import { startUpf, type RunningUpf } from '../src/app.ts';
import { Iface } from '../src/datapath.ts';
import { downlinkPdr, establishment, forwardAccess, forwardCore, SMF_NODE, UE, uplinkPdr } from './smf.ts';

let upf: RunningUpf;
let smf: PfcpClient;

beforeAll(async () => {
  const cfg = parseConfig({ nodeId: '127.0.0.2', pfcp: { address: '127.0.0.1', port: 0 }, n3: { address: '192.168.3.1' }, n6: { interface: 'lo' }, metrics: { port: 0 }, maxRules: 256, applications: { dns: ['permit out 17 from any 53 to assigned'] } });
  upf = await startUpf(cfg, { dataPlane: false });
  smf = await PfcpClient.connect({ address: '127.0.0.1', port: upf.pfcp.port }, { address: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await smf?.close();
  await upf?.close();
});

const gpdu = (teid: number, dport: number) => encodeGtpu({ type: GtpuType.GPdu, teid, payload: udpPacket(UE, '192.168.6.2', 40000, dport, Buffer.alloc(40)) });
const downPkt = (i = 0) => udpPacket('192.168.6.2', UE, 5001, 40000, Buffer.alloc(40, i));

describe('PFCP session lifecycle (test SMF over UDP)', () => {
  let upSeid = 0n;
  let teid = 0;

  it('answers heartbeats and refuses sessions before association', async () => {
    const hb = await smf.request({ type: M.HeartbeatRequest, recoveryTimeStamp: new Date() });
    expect(hb.type).toBe(M.HeartbeatResponse);
    const r = await smf.request<SessionEstablishmentResponse>(establishment(1n, [uplinkPdr()], [forwardCore()]));
    expect(r.cause).toBe(Cause.NoEstablishedPfcpAssociation);
  });

  it('sets up an association', async () => {
    const r = await smf.request<AssociationSetupResponse>({ type: M.AssociationSetupRequest, nodeId: SMF_NODE, recoveryTimeStamp: new Date() });
    expect(r).toMatchObject({ type: M.AssociationSetupResponse, cause: Cause.RequestAccepted, nodeId: { type: 'ipv4', value: '127.0.0.2' } });
  });

  it('establishes a session: CHOOSE allocates a TEID, uplink and downlink forward through the C data path', async () => {
    const r = await smf.request<SessionEstablishmentResponse>(establishment(0xc0ffeen, [uplinkPdr(), downlinkPdr(2, 2, { urrIds: [1] })], [forwardCore(), forwardAccess(2, 0x77, '192.168.3.2')], {
      createUrrs: [{ urrId: 1, measurementMethod: MeasurementMethod.VOLUM, reportingTriggers: ReportingTrigger.VOLTH, volumeThreshold: { total: 1000n } }],
    }));
    expect(r.cause).toBe(Cause.RequestAccepted);
    expect(r.seid).toBe(0xc0ffeen);
    upSeid = r.upFSeid!.seid;
    teid = r.createdPdrs![0].localFTeid!.teid!;
    expect(r.createdPdrs![0]).toMatchObject({ pdrId: 1, localFTeid: { ipv4: '192.168.3.1' } });
    expect(teid).toBeGreaterThanOrEqual(0x1000);
    expect(upf.control.sessionCount).toBe(1);
    expect(upf.dp.inject(Iface.Access, [gpdu(teid, 5001)])).toBe(1);
    expect(upf.dp.inject(Iface.Access, [gpdu(teid + 1, 5001)])).toBe(0); // unknown TEID
    expect(upf.dp.inject(Iface.Core, [downPkt()])).toBe(1);
    const out = upf.dp.capture();
    expect(out.map((o) => o.iface)).toEqual([Iface.Core, Iface.Access]);
    expect(decodeGtpu(out[1].data)).toMatchObject({ teid: 0x77 });
  });

  it('modification adds a higher-priority PDR mid-flow (drop UDP port 9), visible at once', async () => {
    const r = await smf.request<SessionModificationResponse>({
      type: M.SessionModificationRequest, seid: upSeid,
      createFars: [{ farId: 9, applyAction: ApplyAction.DROP }],
      createPdrs: [uplinkPdr(3, 9, { precedence: 10, pdi: { sourceInterface: 0, localFTeid: { choose: { ipv4: true, chooseId: 1 } }, sdfFilters: [{ flowDescription: 'permit out 17 from any 9 to assigned' }] } })],
    });
    expect(r.cause).toBe(Cause.RequestAccepted);
    expect(upf.dp.inject(Iface.Access, [gpdu(teid, 9), gpdu(teid, 10)])).toBe(1);
    expect(upf.dp.capture()).toHaveLength(1);
  });

  it('two PDRs share one FAR; an Application ID PDR uses the configured filters; several QFIs; DUPL is refused with 73', async () => {
    const r = await smf.request<SessionModificationResponse>({
      type: M.SessionModificationRequest, seid: upSeid,
      createFars: [{ farId: 10, applyAction: ApplyAction.DROP }],
      createPdrs: [
        uplinkPdr(6, 10, { precedence: 11, pdi: { sourceInterface: 0, localFTeid: { choose: { ipv4: true, chooseId: 1 } }, applicationId: 'dns' } }),
        uplinkPdr(7, 10, { precedence: 12, pdi: { sourceInterface: 0, localFTeid: { choose: { ipv4: true, chooseId: 1 } }, qfis: [9, 5], sdfFilters: [{ flowDescription: 'permit out 17 from any 11 to assigned' }] } }),
      ],
    });
    expect(r.cause).toBe(Cause.RequestAccepted);
    const before = upf.dp.stats().drops['far-drop'];
    const withQfi = (qfi: number, dport: number) =>
      encodeGtpu({ type: GtpuType.GPdu, teid, extensions: [{ kind: 'pdu-session', direction: 'ul', qfi }], payload: udpPacket(UE, '192.168.6.2', 40000, dport, Buffer.alloc(40)) });
    // port 53 (the application) and port 11 with QFI 9 or 5 hit the shared drop FAR; port 11 with QFI 1 and port 12 do not
    expect(upf.dp.inject(Iface.Access, [gpdu(teid, 53), withQfi(9, 11), withQfi(5, 11), withQfi(1, 11), gpdu(teid, 12)])).toBe(2);
    expect(upf.dp.stats().drops['far-drop']).toBe(before + 3);
    upf.dp.capture();
    const unknownApp = await smf.request<SessionModificationResponse>({
      type: M.SessionModificationRequest, seid: upSeid,
      createPdrs: [uplinkPdr(8, 10, { pdi: { sourceInterface: 0, localFTeid: { choose: { ipv4: true, chooseId: 1 } }, applicationId: 'video' } })],
    });
    expect(unknownApp).toMatchObject({ cause: Cause.RuleCreationModificationFailure, offendingIe: IeType.ApplicationID });
    const dupl = await smf.request<SessionModificationResponse>({ type: M.SessionModificationRequest, seid: upSeid, updateFars: [{ farId: 10, applyAction: ApplyAction.FORW | ApplyAction.DUPL }] });
    expect(dupl).toMatchObject({ cause: Cause.RuleCreationModificationFailure, offendingIe: IeType.ApplyAction });
    expect(upf.dp.inject(Iface.Access, [gpdu(teid, 53)])).toBe(0); // unchanged: still dropped
    const gone = await smf.request<SessionModificationResponse>({ type: M.SessionModificationRequest, seid: upSeid, removePdrs: [{ pdrId: 6 }, { pdrId: 7 }], removeFars: [{ farId: 10 }] });
    expect(gone.cause).toBe(Cause.RequestAccepted);
  });

  it('a modification referencing a missing FAR is refused with Rule creation failure and changes nothing', async () => {
    const r = await smf.request<SessionModificationResponse>({ type: M.SessionModificationRequest, seid: upSeid, createPdrs: [downlinkPdr(4, 99)] });
    expect(r).toMatchObject({ cause: Cause.RuleCreationModificationFailure, offendingIe: IeType.FARID });
    expect(upf.dp.inject(Iface.Access, [gpdu(teid, 9), gpdu(teid, 10)])).toBe(1);
    upf.dp.capture();
  });

  it('buffers downlink for an idle UE and sends a Downlink Data Report; forwarding again releases the packets', async () => {
    const idle = await smf.request<SessionModificationResponse>({ type: M.SessionModificationRequest, seid: upSeid, updateFars: [{ farId: 2, applyAction: ApplyAction.BUFF | ApplyAction.NOCP }] });
    expect(idle.cause).toBe(Cause.RequestAccepted);
    expect(upf.dp.inject(Iface.Core, [downPkt(1), downPkt(2)])).toBe(0);
    const rep = await smf.nextReport();
    expect(rep).toMatchObject({ type: M.SessionReportRequest, seid: 0xc0ffeen, reportType: ReportType.DLDR, downlinkDataReport: { pdrIds: [2] } });
    const wake = await smf.request<SessionModificationResponse>({
      type: M.SessionModificationRequest, seid: upSeid,
      updateFars: [{ farId: 2, applyAction: ApplyAction.FORW, updateForwardingParameters: { outerHeaderCreation: { description: 0x0100, teid: 0x88, ipv4: '192.168.3.2' } } }],
    });
    expect(wake.cause).toBe(Cause.RequestAccepted);
    expect(upf.dp.flush()).toBe(2);
    const out = upf.dp.capture().map((c) => decodeGtpu(c.data) as { teid: number; payload: Buffer });
    expect(out.map((g) => g.teid)).toEqual([0x88, 0x88]);
    expect(out.map((g) => g.payload[28])).toEqual([1, 2]);
  });

  it('reports usage when the URR volume threshold is reached', async () => {
    expect(upf.dp.inject(Iface.Core, Array.from({ length: 15 }, () => downPkt()))).toBe(15);
    upf.dp.capture();
    const rep = await smf.nextReport();
    expect(rep.reportType).toBe(ReportType.USAR);
    expect(rep.usageReports![0]).toMatchObject({ urrId: 1, volumeMeasurement: { downlink: expect.any(BigInt) } });
    expect(rep.usageReports![0].volumeMeasurement!.total).toBeGreaterThanOrEqual(1000n);
  });

  it('measures duration on the data-path clock: time threshold, then time quota stops the traffic', async () => {
    const t0 = 5_000n * 1_000_000_000n;
    const sec = (n: number) => t0 + BigInt(n) * 1_000_000_000n;
    upf.dp.setClock(t0);
    expect(upf.dp.clock()).toBe(t0);
    try {
      const r = await smf.request<SessionModificationResponse>({
        type: M.SessionModificationRequest, seid: upSeid,
        createUrrs: [{ urrId: 2, measurementMethod: MeasurementMethod.DURAT | MeasurementMethod.VOLUM, reportingTriggers: ReportingTrigger.TIMTH | ReportingTrigger.TIMQU, timeThreshold: 10, timeQuota: 25, inactivityDetectionTime: 30 }],
        createPdrs: [uplinkPdr(5, 1, { precedence: 5, urrIds: [2], pdi: { sourceInterface: 0, localFTeid: { choose: { ipv4: true, chooseId: 1 } }, sdfFilters: [{ flowDescription: 'permit out 17 from any 7000 to assigned' }] } })],
      });
      expect(r.cause).toBe(Cause.RequestAccepted);
      expect(upf.dp.urrTick()).toBe(0); // no packet yet: nothing measured
      expect(upf.dp.inject(Iface.Access, [gpdu(teid, 7000)])).toBe(1); // starts the measurement at t0
      upf.dp.setClock(sec(6));
      expect(upf.dp.inject(Iface.Access, [gpdu(teid, 7000)])).toBe(1);
      upf.dp.setClock(sec(11)); // 11 s measured: the server's periodic tick reports TIMTH
      const th = await smf.nextReport();
      expect(th).toMatchObject({ reportType: ReportType.USAR, usageReports: [{ urrId: 2, usageReportTrigger: UsageReportTrigger.TIMTH, durationMeasurement: 11 }] });
      expect(th.usageReports![0].volumeMeasurement).toMatchObject({ uplinkPackets: 2n });
      upf.dp.setClock(sec(26)); // 26 s >= the 25 s quota: TIMQU, then the URR's packets are dropped
      const q = await smf.nextReport();
      expect(q.usageReports![0].usageReportTrigger & UsageReportTrigger.TIMQU).toBeTruthy();
      expect(q.usageReports![0].durationMeasurement).toBe(15);
      const before = upf.dp.stats().drops.quota;
      expect(upf.dp.inject(Iface.Access, [gpdu(teid, 7000)])).toBe(0);
      expect(upf.dp.stats().drops.quota).toBe(before + 1);
      expect(upf.dp.inject(Iface.Access, [gpdu(teid, 5001)])).toBe(1); // other PDRs unaffected
      upf.dp.capture();
    } finally {
      upf.dp.setClock(0n);
    }
  });

  it('deletes the session with a final usage report; the data path forgets it', async () => {
    const r = await smf.request<SessionDeletionResponse>({ type: M.SessionDeletionRequest, seid: upSeid });
    expect(r.cause).toBe(Cause.RequestAccepted);
    expect(r.usageReports?.[0]).toMatchObject({ urrId: 1 });
    expect(upf.control.sessionCount).toBe(0);
    expect(upf.dp.sessionCount()).toBe(0);
    expect(upf.dp.inject(Iface.Access, [gpdu(teid, 5001)])).toBe(0);
    const again = await smf.request<SessionDeletionResponse>({ type: M.SessionDeletionRequest, seid: upSeid });
    expect(again.cause).toBe(Cause.SessionContextNotFound);
  });

  it('serves Prometheus metrics with packets, drops by reason, sessions and PFCP messages', async () => {
    const text = await (await fetch(upf.metricsUrl!)).text();
    expect(text).toMatch(/fastpath_upf_packets_total\{interface="n3",direction="rx"\} [1-9]/);
    expect(text).toMatch(/fastpath_upf_drops_total\{reason="no-session"\} [1-9]/);
    expect(text).toMatch(/fastpath_upf_sessions 0/);
    expect(text).toMatch(/fastpath_upf_classifier_lookups_total [1-9]/);
    expect(text).toMatch(/fastpath_upf_pdrs \d/);
    expect(text).toMatch(/fastpath_upf_classifier_probes_total\{classifier="ps"\} [1-9]/);
    expect(text).toMatch(/fastpath_upf_pfcp_messages_total\{type="50",result="ok"\} 1/);
    expect(text).toMatch(/fastpath_upf_pfcp_reports_total\{report_type="dldr"\} 1/);
  });
});

describe('bad PFCP input', () => {
  const good = () => encodeMessage({ ...establishment(5n, [uplinkPdr()], [forwardCore()]), sequence: 900 } as any);

  it('wrong version -> Version Not Supported Response', async () => {
    const b = good();
    b[0] = (2 << 5) | (b[0] & 0x1f);
    expect((await smf.raw(b, 900)).type).toBe(M.VersionNotSupportedResponse);
  });

  it('IE length overrunning the message -> Cause Invalid length with the Offending IE', async () => {
    const b = good();
    b.writeUInt16BE(0xfff0, 18);
    const r = (await smf.raw(b, 900)) as SessionEstablishmentResponse;
    expect(r).toMatchObject({ type: M.SessionEstablishmentResponse, cause: Cause.InvalidLength, offendingIe: IeType.NodeID, seid: 0n });
  });

  it('missing mandatory IE -> Cause Mandatory IE missing naming it', async () => {
    const b = good();
    // Drop the F-SEID (second IE) and fix the length.
    const fseidAt = 16 + 4 + b.readUInt16BE(18);
    expect(b.readUInt16BE(fseidAt)).toBe(IeType.FSEID);
    const cut = Buffer.concat([b.subarray(0, fseidAt), b.subarray(fseidAt + 4 + b.readUInt16BE(fseidAt + 2))]);
    cut.writeUInt16BE(cut.length - 4, 2);
    const r = (await smf.raw(cut, 900)) as SessionEstablishmentResponse;
    expect(r).toMatchObject({ cause: Cause.MandatoryIeMissing, offendingIe: IeType.FSEID });
  });

  it('truncated, bad header length and unknown message type are discarded without an answer; the server stays up', async () => {
    const b = good();
    await expect(smf.raw(b.subarray(0, 10), 900, 300)).rejects.toThrow(PfcpTimeoutError);
    const longLen = Buffer.from(b);
    longLen.writeUInt16BE(b.length + 10, 2);
    await expect(smf.raw(longLen, 900, 300)).rejects.toThrow(PfcpTimeoutError);
    const unknown = Buffer.from(b);
    unknown[1] = 99;
    await expect(smf.raw(unknown, 900, 300)).rejects.toThrow(PfcpTimeoutError);
    await expect(smf.raw(Buffer.alloc(0), 900, 300)).rejects.toThrow(PfcpTimeoutError);
    expect((await smf.request({ type: M.HeartbeatRequest, recoveryTimeStamp: new Date() })).type).toBe(M.HeartbeatResponse);
  });

  it('modification of an unknown SEID -> Session context not found', async () => {
    const r = await smf.request<SessionModificationResponse>({ type: M.SessionModificationRequest, seid: 12345n });
    expect(r.cause).toBe(Cause.SessionContextNotFound);
  });

  it('association release removes its sessions', async () => {
    const e = await smf.request<SessionEstablishmentResponse>(establishment(6n, [uplinkPdr()], [forwardCore()]));
    expect(e.cause).toBe(Cause.RequestAccepted);
    expect(upf.control.sessionCount).toBe(1);
    const r = await smf.request({ type: M.AssociationReleaseRequest, nodeId: SMF_NODE });
    expect((r as any).cause).toBe(Cause.RequestAccepted);
    expect(upf.control.sessionCount).toBe(0);
    expect(upf.dp.sessionCount()).toBe(0);
  });
});
