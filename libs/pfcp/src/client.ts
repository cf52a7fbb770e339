// A small PFCP peer over UDP: sends requests and matches responses by sequence number, answers
// incoming Session Report Requests. The test SMF of apps/upf and e2e/upf-e2e is built on it.
import { createSocket, type Socket } from 'node:dgram';
import { Cause, MessageType as M } from './constants.ts';
import { decodeMessage, encodeMessage, type PfcpMessage, type SessionReportRequest } from './messages.ts';

export class PfcpTimeoutError extends Error {
  constructor(readonly sequence: number, ms: number) {
    super(`no PFCP response to sequence ${sequence} within ${ms} ms`);
    this.name = 'PfcpTimeoutError';
  }
}

type Req = PfcpMessage extends infer T ? (T extends PfcpMessage ? Omit<T, 'sequence'> & { sequence?: number } : never) : never;

export class PfcpClient {
  private sock: Socket;
  private seq = 1;
  private waiting = new Map<number, (m: PfcpMessage) => void>();
  /** Session Report Requests received (answered with Request accepted). */
  readonly reports: SessionReportRequest[] = [];
  private reportWaiters: ((r: SessionReportRequest) => void)[] = [];

  private constructor(sock: Socket, readonly remote: { address: string; port: number }) {
    this.sock = sock;
    sock.on('message', (buf) => {
      let m: PfcpMessage;
      try {
        m = decodeMessage(buf);
      } catch {
        return;
      }
      if (m.type === M.SessionReportRequest) {
        this.reports.push(m);
        this.sock.send(encodeMessage({ type: M.SessionReportResponse, seid: 0n, sequence: m.sequence, cause: Cause.RequestAccepted }), remote.port, remote.address);
        this.reportWaiters.splice(0).forEach((w) => w(m as SessionReportRequest));
        return;
      }
      this.waiting.get(m.sequence)?.(m);
    });
  }

  static async connect(remote: { address: string; port: number }, local = { address: '0.0.0.0', port: 0 }): Promise<PfcpClient> {
    const sock = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(local.port, local.address, () => resolve());
    });
    return new PfcpClient(sock, remote);
  }

  get localPort(): number {
    return this.sock.address().port;
  }

  /** Sends a request and resolves with the response carrying the same sequence number. */
  request<T extends PfcpMessage = PfcpMessage>(msg: Req, timeoutMs = 2000): Promise<T> {
    const sequence = msg.sequence ?? this.seq++;
    return this.raw(encodeMessage({ ...msg, sequence } as PfcpMessage), sequence, timeoutMs) as Promise<T>;
  }

  /** Sends arbitrary bytes and waits for a response with `sequence` (for malformed-input tests). */
  raw(buf: Buffer, sequence: number, timeoutMs = 2000): Promise<PfcpMessage> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(sequence);
        reject(new PfcpTimeoutError(sequence, timeoutMs));
      }, timeoutMs);
      this.waiting.set(sequence, (m) => {
        clearTimeout(t);
        this.waiting.delete(sequence);
        resolve(m);
      });
      this.sock.send(buf, this.remote.port, this.remote.address);
    });
  }

  /** Resolves with the next Session Report Request (or one already received and not yet taken). */
  nextReport(timeoutMs = 3000): Promise<SessionReportRequest> {
    const have = this.reports.shift();
    if (have) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no Session Report Request within ${timeoutMs} ms`)), timeoutMs);
      this.reportWaiters.push((r) => {
        clearTimeout(t);
        this.reports.splice(this.reports.indexOf(r), 1);
        resolve(r);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.sock.close(() => resolve()));
  }
}
