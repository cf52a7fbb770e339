// PFCP (N4) over UDP: decodes requests, answers them through UpfControl, answers bad input per
// TS 29.244 7.6, and sends Session Report Requests for data-path events (retransmitted until answered).
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import {
  Cause, decodeHeader, decodeMessage, encodeMessage, isSessionMessage, MessageType as M, PfcpDecodeError, responseType, verdictFor,
  type NodeId, type PfcpMessage, type SessionReportRequest,
} from '@fastpath/pfcp';
import type { Peer, UpfControl } from './sessions.ts';

export interface ServerHooks {
  /** Called for every message handled: its type name-ish number and what happened. */
  onMessage?(type: number, result: 'ok' | 'rejected' | 'discarded' | 'version-not-supported'): void;
  onReport?(reportType: number): void;
  log?(msg: string): void;
}

const T1_MS = 1000;
const N1 = 3;
const REQUESTS = new Set<number>([M.HeartbeatRequest, M.AssociationSetupRequest, M.AssociationUpdateRequest, M.AssociationReleaseRequest,
  M.SessionEstablishmentRequest, M.SessionModificationRequest, M.SessionDeletionRequest, M.SessionReportRequest]);

export class PfcpServer {
  private sock?: Socket;
  private seq = 1;
  private lastTick = 0;
  private pending = new Map<number, { buf: Buffer; peer: Peer; tries: number; timer: NodeJS.Timeout }>();
  private poller?: NodeJS.Timeout;
  readonly recovery = new Date();
  reportsAnswered = 0;

  constructor(readonly control: UpfControl, readonly nodeId: NodeId, readonly hooks: ServerHooks = {}) {}

  async listen(address: string, port: number): Promise<{ address: string; port: number }> {
    const sock = createSocket('udp4');
    this.sock = sock;
    sock.on('message', (buf, rinfo) => this.onDatagram(buf, rinfo));
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(port, address, () => resolve());
    });
    // Data-path events (buffered downlink, usage thresholds) become Session Reports.
    this.poller = setInterval(() => this.pollEvents(), 5);
    const a = sock.address();
    return { address: a.address, port: a.port };
  }

  async close(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    const s = this.sock;
    this.sock = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  pollEvents(): void {
    // URR time thresholds/quotas also fire without a data-path thread (socket-less runs); the
    // thread ticks on its own as well, a second tick finds nothing new.
    if (Date.now() - this.lastTick >= 100) {
      this.lastTick = Date.now();
      this.control.dp.urrTick();
    }
    const events = this.control.dp.pollEvents();
    for (const { peer, msg } of this.control.reports(events)) {
      this.request({ ...msg, sequence: this.nextSeq() } as SessionReportRequest, peer);
      this.hooks.onReport?.(msg.reportType);
    }
  }

  private nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq % 0xffffff) + 1;
    return s;
  }

  private request(msg: PfcpMessage, peer: Peer): void {
    const buf = encodeMessage(msg);
    const send = () => this.sock?.send(buf, peer.port, peer.address);
    const entry = {
      buf, peer, tries: 1,
      timer: setTimeout(function retry(this: PfcpServer) {
        const e = this.pending.get(msg.sequence);
        if (!e) return;
        if (e.tries >= N1) {
          this.pending.delete(msg.sequence);
          this.hooks.log?.(`no answer to report seq ${msg.sequence} from ${peer.address}:${peer.port}`);
          return;
        }
        e.tries++;
        send();
        e.timer = setTimeout(retry.bind(this), T1_MS);
      }.bind(this), T1_MS),
    };
    this.pending.set(msg.sequence, entry);
    send();
  }

  private reply(msg: PfcpMessage, r: RemoteInfo): void {
    this.sock?.send(encodeMessage(msg), r.port, r.address);
  }

  private onDatagram(buf: Buffer, r: RemoteInfo): void {
    let msg: PfcpMessage;
    try {
      msg = decodeMessage(buf);
    } catch (e) {
      if (!(e instanceof PfcpDecodeError)) throw e;
      this.onBadInput(buf, e, r);
      return;
    }
    const peer = { address: r.address, port: r.port };
    const c = this.control;
    let out: PfcpMessage | undefined;
    switch (msg.type) {
      case M.HeartbeatRequest:
        out = { type: M.HeartbeatResponse, sequence: msg.sequence, recoveryTimeStamp: this.recovery };
        break;
      case M.AssociationSetupRequest:
        c.associate(msg.nodeId, peer);
        out = { type: M.AssociationSetupResponse, sequence: msg.sequence, nodeId: this.nodeId, cause: Cause.RequestAccepted, recoveryTimeStamp: this.recovery, upFunctionFeatures: Buffer.of(0, 0) };
        break;
      case M.AssociationUpdateRequest: {
        const known = c.associations.has(`${msg.nodeId.type}:${msg.nodeId.value}`);
        out = { type: M.AssociationUpdateResponse, sequence: msg.sequence, nodeId: this.nodeId, cause: known ? Cause.RequestAccepted : Cause.NoEstablishedPfcpAssociation };
        break;
      }
      case M.AssociationReleaseRequest: {
        const known = c.release(msg.nodeId);
        out = { type: M.AssociationReleaseResponse, sequence: msg.sequence, nodeId: this.nodeId, cause: known ? Cause.RequestAccepted : Cause.NoEstablishedPfcpAssociation };
        break;
      }
      case M.SessionEstablishmentRequest:
        out = c.establish(msg, peer);
        break;
      case M.SessionModificationRequest:
        out = c.modify(msg);
        break;
      case M.SessionDeletionRequest:
        out = c.delete(msg.seid, msg.sequence);
        break;
      case M.SessionReportResponse:
      case M.HeartbeatResponse: {
        const p = this.pending.get(msg.sequence);
        if (p) {
          clearTimeout(p.timer);
          this.pending.delete(msg.sequence);
          this.reportsAnswered++;
        }
        this.hooks.onMessage?.(msg.type, 'ok');
        return;
      }
      default:
        // A response or a request only a CP function sends: nothing to answer.
        this.hooks.onMessage?.(msg.type, 'discarded');
        return;
    }
    this.reply(out, r);
    const cause = (out as { cause?: number }).cause;
    this.hooks.onMessage?.(msg.type, cause === undefined || cause === Cause.RequestAccepted ? 'ok' : 'rejected');
  }

  private onBadInput(buf: Buffer, e: PfcpDecodeError, r: RemoteInfo): void {
    const v = verdictFor(e);
    const type = buf.length > 1 ? buf[1] : -1;
    if (v.action === 'version-not-supported') {
      const seq = buf.length >= 8 ? buf.readUIntBE((buf[0] & 1) && buf.length >= 16 ? 12 : 4, 3) : 0;
      this.reply({ type: M.VersionNotSupportedResponse, sequence: seq }, r);
      this.hooks.onMessage?.(type, 'version-not-supported');
      return;
    }
    const rt = responseType(type);
    if (v.action === 'discard' || rt === undefined || !REQUESTS.has(type)) {
      this.hooks.log?.(`discarded PFCP datagram from ${r.address}: ${e.message}`);
      this.hooks.onMessage?.(type, 'discarded');
      return;
    }
    const h = decodeHeader(buf); // the header decoded fine, or verdict would be "discard"
    const base = { sequence: h.sequence, cause: v.cause, ...(v.offendingIe !== undefined ? { offendingIe: v.offendingIe } : {}) };
    let out: PfcpMessage;
    if (isSessionMessage(rt)) {
      // We cannot trust the request's body, so the CP SEID is unknown: SEID 0 (29.244 7.2.2.4.2).
      const cpSeid = 0n;
      if (rt === M.SessionEstablishmentResponse) out = { type: rt, seid: cpSeid, nodeId: this.nodeId, ...base };
      else out = { type: rt as typeof M.SessionModificationResponse, seid: cpSeid, ...base };
    } else if (rt === M.HeartbeatResponse) {
      out = { type: rt, sequence: h.sequence, recoveryTimeStamp: this.recovery };
    } else if (rt === M.AssociationSetupResponse) {
      out = { type: rt, nodeId: this.nodeId, recoveryTimeStamp: this.recovery, ...base };
    } else {
      out = { type: rt as typeof M.AssociationReleaseResponse, nodeId: this.nodeId, ...base };
    }
    this.reply(out, r);
    this.hooks.onMessage?.(type, 'rejected');
    this.hooks.log?.(`rejected PFCP ${type} from ${r.address}: ${e.message}`);
  }
}
