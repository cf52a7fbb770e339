// PFCP messages (TS 29.244 clause 7): header plus a field list per message type, and the typed objects.
import { Reader, Writer } from './bytes.ts';
import { IeType as T, MessageType as M, PFCP_VERSION } from './constants.ts';
import { PfcpDecodeError, PfcpEncodeError, PfcpUnknownMessageError, PfcpVersionError } from './errors.ts';
import * as G from './grouped.ts';
import { Leaf, type FSeid, type NodeId } from './ies.ts';
import { decodeIes, encodeIes, grouped, leaf, type Field } from './tlv.ts';

interface Base {
  sequence: number;
  /** Message priority 0..15 (only in session messages, sets the MP flag). */
  priority?: number;
}
interface SessionBase extends Base {
  /** SEID of the receiver; 0 in an Establishment Request (the UP function has none yet). */
  seid: bigint;
}

export interface HeartbeatRequest extends Base { type: typeof M.HeartbeatRequest; recoveryTimeStamp: Date }
export interface HeartbeatResponse extends Base { type: typeof M.HeartbeatResponse; recoveryTimeStamp: Date }
export interface AssociationSetupRequest extends Base {
  type: typeof M.AssociationSetupRequest; nodeId: NodeId; recoveryTimeStamp: Date; upFunctionFeatures?: Buffer; cpFunctionFeatures?: number;
}
export interface AssociationSetupResponse extends Base {
  type: typeof M.AssociationSetupResponse; nodeId: NodeId; cause: number; recoveryTimeStamp: Date; upFunctionFeatures?: Buffer; cpFunctionFeatures?: number; offendingIe?: number;
}
export interface AssociationUpdateRequest extends Base {
  type: typeof M.AssociationUpdateRequest; nodeId: NodeId; upFunctionFeatures?: Buffer; cpFunctionFeatures?: number;
  releaseRequest?: { sarr: boolean }; gracefulReleasePeriod?: number;
}
export interface AssociationUpdateResponse extends Base { type: typeof M.AssociationUpdateResponse; nodeId: NodeId; cause: number; offendingIe?: number }
export interface AssociationReleaseRequest extends Base { type: typeof M.AssociationReleaseRequest; nodeId: NodeId }
export interface AssociationReleaseResponse extends Base { type: typeof M.AssociationReleaseResponse; nodeId: NodeId; cause: number; offendingIe?: number }
export interface VersionNotSupportedResponse extends Base { type: typeof M.VersionNotSupportedResponse }

export interface SessionEstablishmentRequest extends SessionBase {
  type: typeof M.SessionEstablishmentRequest; nodeId: NodeId; cpFSeid: FSeid;
  createPdrs: G.CreatePdr[]; createFars: G.CreateFar[]; createUrrs?: G.CreateUrr[]; createQers?: G.CreateQer[]; createBar?: G.CreateBar;
}
export interface SessionEstablishmentResponse extends SessionBase {
  type: typeof M.SessionEstablishmentResponse; nodeId: NodeId; cause: number; offendingIe?: number; upFSeid?: FSeid; createdPdrs?: G.CreatedPdr[];
}
export interface SessionModificationRequest extends SessionBase {
  type: typeof M.SessionModificationRequest; cpFSeid?: FSeid;
  removePdrs?: { pdrId: number }[]; removeFars?: { farId: number }[]; removeUrrs?: { urrId: number }[]; removeQers?: { qerId: number }[];
  createPdrs?: G.CreatePdr[]; createFars?: G.CreateFar[]; createUrrs?: G.CreateUrr[]; createQers?: G.CreateQer[];
  updatePdrs?: G.UpdatePdr[]; updateFars?: G.UpdateFar[]; updateUrrs?: G.UpdateUrr[]; updateQers?: G.UpdateQer[];
  createBar?: G.CreateBar; updateBar?: G.UpdateBar; removeBar?: { barId: number };
}
export interface SessionModificationResponse extends SessionBase {
  type: typeof M.SessionModificationResponse; cause: number; offendingIe?: number; createdPdrs?: G.CreatedPdr[]; usageReports?: G.UsageReport[];
}
export interface SessionDeletionRequest extends SessionBase { type: typeof M.SessionDeletionRequest }
export interface SessionDeletionResponse extends SessionBase {
  type: typeof M.SessionDeletionResponse; cause: number; offendingIe?: number; usageReports?: G.UsageReport[];
}
export interface SessionReportRequest extends SessionBase {
  type: typeof M.SessionReportRequest; reportType: number; downlinkDataReport?: G.DownlinkDataReport; usageReports?: G.UsageReport[];
}
export interface SessionReportResponse extends SessionBase {
  type: typeof M.SessionReportResponse; cause: number; offendingIe?: number; updateBar?: G.UpdateBar;
}

export type NodeMessage =
  | HeartbeatRequest | HeartbeatResponse | AssociationSetupRequest | AssociationSetupResponse | AssociationUpdateRequest
  | AssociationUpdateResponse | AssociationReleaseRequest | AssociationReleaseResponse | VersionNotSupportedResponse;
export type SessionMessage =
  | SessionEstablishmentRequest | SessionEstablishmentResponse | SessionModificationRequest | SessionModificationResponse
  | SessionDeletionRequest | SessionDeletionResponse | SessionReportRequest | SessionReportResponse;
export type PfcpMessage = NodeMessage | SessionMessage;

/** Messages whose header carries a SEID (S flag set). */
export function isSessionMessage(type: number): boolean {
  return type >= 50 && type <= 57;
}

const recovery = (mandatory = true) => leaf('recoveryTimeStamp', T.RecoveryTimeStamp, 'Recovery Time Stamp', Leaf.ntpTime, { mandatory });
const node = () => leaf('nodeId', T.NodeID, 'Node ID', Leaf.nodeId, { mandatory: true });
const cause = () => leaf('cause', T.Cause, 'Cause', Leaf.u8, { mandatory: true });
const offending = () => leaf('offendingIe', T.OffendingIE, 'Offending IE', Leaf.u16);
const upFeat = () => leaf('upFunctionFeatures', T.UPFunctionFeatures, 'UP Function Features', Leaf.octets);
const cpFeat = () => leaf('cpFunctionFeatures', T.CPFunctionFeatures, 'CP Function Features', Leaf.u8);
const usage = (ie: number) => grouped('usageReports', ie, 'Usage Report', G.usageReportFields, { multi: true });
const createdPdr = () => grouped('createdPdrs', T.CreatedPDR, 'Created PDR', G.createdPdrFields, { multi: true });
const creates = (mandatory: boolean): Field[] => [
  grouped('createPdrs', T.CreatePDR, 'Create PDR', G.createPdrFields, { multi: true, mandatory }),
  grouped('createFars', T.CreateFAR, 'Create FAR', G.createFarFields, { multi: true, mandatory }),
  grouped('createUrrs', T.CreateURR, 'Create URR', G.createUrrFields, { multi: true }),
  grouped('createQers', T.CreateQER, 'Create QER', G.createQerFields, { multi: true }),
  grouped('createBar', T.CreateBAR, 'Create BAR', G.createBarFields),
];

/** Field list of every message type this codec implements. */
export const messageFields: Record<number, { name: string; fields: Field[] }> = {
  [M.HeartbeatRequest]: { name: 'Heartbeat Request', fields: [recovery()] },
  [M.HeartbeatResponse]: { name: 'Heartbeat Response', fields: [recovery()] },
  [M.AssociationSetupRequest]: { name: 'Association Setup Request', fields: [node(), recovery(), upFeat(), cpFeat()] },
  [M.AssociationSetupResponse]: { name: 'Association Setup Response', fields: [node(), cause(), offending(), recovery(), upFeat(), cpFeat()] },
  [M.AssociationUpdateRequest]: {
    name: 'Association Update Request',
    fields: [
      node(), upFeat(), cpFeat(),
      leaf('releaseRequest', T.AssociationReleaseRequestFlags, 'PFCP Association Release Request', Leaf.arrFlags),
      leaf('gracefulReleasePeriod', T.GracefulReleasePeriod, 'Graceful Release Period', Leaf.u8),
    ],
  },
  [M.AssociationUpdateResponse]: { name: 'Association Update Response', fields: [node(), cause(), offending()] },
  [M.AssociationReleaseRequest]: { name: 'Association Release Request', fields: [node()] },
  [M.AssociationReleaseResponse]: { name: 'Association Release Response', fields: [node(), cause(), offending()] },
  [M.VersionNotSupportedResponse]: { name: 'Version Not Supported Response', fields: [] },
  [M.SessionEstablishmentRequest]: {
    name: 'Session Establishment Request',
    fields: [node(), leaf('cpFSeid', T.FSEID, 'F-SEID', Leaf.fseid, { mandatory: true }), ...creates(true)],
  },
  [M.SessionEstablishmentResponse]: {
    name: 'Session Establishment Response',
    fields: [node(), cause(), offending(), leaf('upFSeid', T.FSEID, 'F-SEID', Leaf.fseid), createdPdr()],
  },
  [M.SessionModificationRequest]: {
    name: 'Session Modification Request',
    fields: [
      leaf('cpFSeid', T.FSEID, 'F-SEID', Leaf.fseid),
      grouped('removePdrs', T.RemovePDR, 'Remove PDR', G.removeFields('pdrId', T.PDRID, 'PDR ID', Leaf.u16), { multi: true }),
      grouped('removeFars', T.RemoveFAR, 'Remove FAR', G.removeFields('farId', T.FARID, 'FAR ID'), { multi: true }),
      grouped('removeUrrs', T.RemoveURR, 'Remove URR', G.removeFields('urrId', T.URRID, 'URR ID'), { multi: true }),
      grouped('removeQers', T.RemoveQER, 'Remove QER', G.removeFields('qerId', T.QERID, 'QER ID'), { multi: true }),
      ...creates(false),
      grouped('updatePdrs', T.UpdatePDR, 'Update PDR', G.updatePdrFields, { multi: true }),
      grouped('updateFars', T.UpdateFAR, 'Update FAR', G.updateFarFields, { multi: true }),
      grouped('updateUrrs', T.UpdateURR, 'Update URR', G.updateUrrFields, { multi: true }),
      grouped('updateQers', T.UpdateQER, 'Update QER', G.updateQerFields, { multi: true }),
      grouped('updateBar', T.UpdateBARModification, 'Update BAR', G.updateBarFields),
      grouped('removeBar', T.RemoveBAR, 'Remove BAR', G.removeFields('barId', T.BARID, 'BAR ID', Leaf.u8)),
    ],
  },
  [M.SessionModificationResponse]: {
    name: 'Session Modification Response',
    fields: [cause(), offending(), createdPdr(), usage(T.UsageReportModification)],
  },
  [M.SessionDeletionRequest]: { name: 'Session Deletion Request', fields: [] },
  [M.SessionDeletionResponse]: { name: 'Session Deletion Response', fields: [cause(), offending(), usage(T.UsageReportDeletion)] },
  [M.SessionReportRequest]: {
    name: 'Session Report Request',
    fields: [
      leaf('reportType', T.ReportType, 'Report Type', Leaf.u8, { mandatory: true }),
      grouped('downlinkDataReport', T.DownlinkDataReport, 'Downlink Data Report', G.downlinkDataReportFields),
      usage(T.UsageReportReport),
    ],
  },
  [M.SessionReportResponse]: {
    name: 'Session Report Response',
    fields: [cause(), offending(), grouped('updateBar', T.UpdateBARReportResponse, 'Update BAR', G.updateBarFields)],
  },
};

export interface PfcpHeader {
  version: number;
  type: number;
  /** Value of the length field: bytes after the first 4. */
  length: number;
  seid?: bigint;
  sequence: number;
  priority?: number;
  /** Bytes the header occupies (8 without SEID, 16 with). */
  headerLength: number;
}

/** Reads the header and checks the length field against the datagram. */
export function decodeHeader(buf: Buffer): PfcpHeader {
  if (buf.length < 4) throw Object.assign(new PfcpDecodeError(`datagram of ${buf.length} bytes is shorter than a PFCP header`, 0), { kind: 'header' as const });
  const flags = buf[0];
  const version = flags >> 5;
  const s = (flags & 0x01) !== 0;
  const mp = (flags & 0x02) !== 0;
  const headerLength = s ? 16 : 8;
  const sequence = buf.length >= headerLength ? buf.readUIntBE(s ? 12 : 4, 3) : undefined;
  if (version !== PFCP_VERSION) throw new PfcpVersionError(version, sequence);
  const length = buf.readUInt16BE(2);
  if (length + 4 > buf.length) throw Object.assign(new PfcpDecodeError(`length field ${length} exceeds the ${buf.length - 4} bytes received`, 2), { kind: 'header' as const });
  if (length + 4 < headerLength || sequence === undefined) throw Object.assign(new PfcpDecodeError(`length field ${length} is shorter than the ${headerLength}-byte header`, 2), { kind: 'header' as const });
  const h: PfcpHeader = { version, type: buf[1], length, sequence, headerLength };
  if (s) h.seid = buf.readBigUInt64BE(4);
  if (mp) h.priority = buf[s ? 15 : 7] >> 4;
  return h;
}

/** Decodes one PFCP message. Trailing bytes after `length` are ignored (they belong to no message). */
export function decodeMessage(buf: Buffer): PfcpMessage {
  const h = decodeHeader(buf);
  const spec = messageFields[h.type];
  if (!spec) throw new PfcpUnknownMessageError(h.type);
  if (isSessionMessage(h.type) !== (h.seid !== undefined))
    throw Object.assign(new PfcpDecodeError(`${spec.name} ${h.seid === undefined ? 'needs' : 'must not carry'} a SEID (S flag)`, 0), { kind: 'header' as const });
  const body = new Reader(buf.subarray(h.headerLength, h.length + 4), h.headerLength);
  const ies = decodeIes(spec.fields, body, '');
  const msg: Record<string, any> = { type: h.type, sequence: h.sequence, ...ies };
  if (h.seid !== undefined) msg.seid = h.seid;
  if (h.priority !== undefined) msg.priority = h.priority;
  return msg as PfcpMessage;
}

export function encodeMessage(msg: PfcpMessage): Buffer {
  const spec = messageFields[msg.type];
  if (!spec) throw new PfcpEncodeError(`unknown message type ${(msg as { type: number }).type}`);
  const session = isSessionMessage(msg.type);
  const body = new Writer();
  encodeIes(spec.fields, msg as unknown as Record<string, any>, '', body);
  const ies = body.done();
  const w = new Writer();
  const hasPriority = session && msg.priority !== undefined;
  w.u8((PFCP_VERSION << 5) | (hasPriority ? 0x02 : 0) | (session ? 0x01 : 0)).u8(msg.type);
  const headerLength = session ? 16 : 8;
  if (ies.length + headerLength - 4 > 0xffff) throw new PfcpEncodeError(`message of ${ies.length} bytes is too long`);
  w.u16(ies.length + headerLength - 4);
  if (session) w.u64((msg as SessionMessage).seid ?? 0n);
  w.u24(msg.sequence);
  if (hasPriority) {
    if (msg.priority! < 0 || msg.priority! > 15) throw new PfcpEncodeError(`message priority ${msg.priority} not in 0..15`);
    w.u8(msg.priority! << 4);
  } else w.u8(0);
  w.put(ies);
  return w.done();
}

/** Message type of a request's response (undefined for responses). */
export function responseType(requestType: number): number | undefined {
  const map: Record<number, number> = {
    [M.HeartbeatRequest]: M.HeartbeatResponse,
    [M.AssociationSetupRequest]: M.AssociationSetupResponse,
    [M.AssociationUpdateRequest]: M.AssociationUpdateResponse,
    [M.AssociationReleaseRequest]: M.AssociationReleaseResponse,
    [M.SessionEstablishmentRequest]: M.SessionEstablishmentResponse,
    [M.SessionModificationRequest]: M.SessionModificationResponse,
    [M.SessionDeletionRequest]: M.SessionDeletionResponse,
    [M.SessionReportRequest]: M.SessionReportResponse,
  };
  return map[requestType];
}
