// PfcpClient against a real UDP peer: sequence matching, timeouts, answering Session Reports.
import { createSocket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { Cause, decodeMessage, encodeMessage, MessageType as M, PfcpClient, PfcpTimeoutError, ReportType } from '../src/index.ts';

const peer = createSocket('udp4');
const seen: number[] = [];
await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
peer.on('message', (buf, r) => {
  const m = decodeMessage(buf);
  seen.push(m.type);
  if (m.type === M.HeartbeatRequest && m.sequence !== 99) {
    // A report first (the client must answer it), then the heartbeat response.
    peer.send(encodeMessage({ type: M.SessionReportRequest, seid: 5n, sequence: 7000, reportType: ReportType.DLDR, downlinkDataReport: { pdrIds: [2] } }), r.port, r.address);
    peer.send(encodeMessage({ type: M.HeartbeatResponse, sequence: m.sequence, recoveryTimeStamp: new Date(0) }), r.port, r.address);
  }
});
afterAll(() => peer.close());

describe('PfcpClient', () => {
  it('matches responses by sequence, answers Session Report Requests, times out typed', async () => {
    const c = await PfcpClient.connect({ address: '127.0.0.1', port: peer.address().port }, { address: '127.0.0.1', port: 0 });
    try {
      const r = await c.request({ type: M.HeartbeatRequest, recoveryTimeStamp: new Date() });
      expect(r).toMatchObject({ type: M.HeartbeatResponse, sequence: 1 });
      const rep = await c.nextReport();
      expect(rep).toMatchObject({ seid: 5n, sequence: 7000, downlinkDataReport: { pdrIds: [2] } });
      await new Promise((res) => setTimeout(res, 50));
      expect(seen).toContain(M.SessionReportResponse);
      await expect(c.request({ type: M.HeartbeatRequest, sequence: 99, recoveryTimeStamp: new Date() }, 200)).rejects.toThrow(PfcpTimeoutError);
      expect(c.localPort).toBeGreaterThan(0);
      expect(Cause.RequestAccepted).toBe(1);
    } finally {
      await c.close();
    }
  });
});
