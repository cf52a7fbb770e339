// End to end in network namespaces: a gNB sends GTP-U-encapsulated UDP and ICMP through the UPF
// (real `upf run` process, C data path on veths) to a data network and gets the replies; the
// session is modified mid-flow (a PDR added) and then deleted. Defined once, run for each N3
// receive path (socket, AF_XDP) by the *.e2e.test.ts files.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApplyAction, Cause, Interface, MessageType as M, OuterHeaderCreationDesc, OuterHeaderRemovalDesc, PfcpClient,
  type SessionDeletionResponse, type SessionEstablishmentResponse, type SessionModificationResponse,
} from '@fastpath/pfcp';
import { workspaceRoot } from '@fastpath/native';
import { createTopology, type Topology } from './netns.ts';

const UE = '10.60.0.1';
const DN = '192.168.6.2';
const GNB = '192.168.3.2';
const DL_TEID = 0x77;
const tsx = ['--import', 'tsx'];

let topo: Topology;
let upf: ChildProcess;
let echo: ChildProcess;
let smf: PfcpClient;
let metricsUrl: string;
let dir: string;

function firstLine(p: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = '';
    p.stderr!.on('data', (d) => (err += d));
    const rl = createInterface({ input: p.stdout! });
    rl.once('line', resolve);
    p.once('exit', (code) => reject(new Error(`process exited ${code}: ${err}`)));
  });
}

/** Runs the gNB; `started` resolves (with the wall clock) when it begins sending. */
function gnbRun(teid: number, count: number, intervalMs: number, waitMs: number): { started: Promise<number>; result: Promise<{ sent: any[]; got: any[] }> } {
  const p = spawn('ip', ['netns', 'exec', topo.gnb, process.execPath, ...tsx, join(workspaceRoot, 'e2e/upf-e2e/test/fixtures/gnb.ts'), '192.168.3.1', String(teid), UE, DN, String(count), String(intervalMs), String(waitMs)], { cwd: workspaceRoot });
  let err = '';
  p.stderr!.on('data', (d) => (err += d));
  const lines = createInterface({ input: p.stdout! })[Symbol.asyncIterator]();
  const started = lines.next().then((l) => {
    if (l.value !== 'started') throw new Error(`gnb: ${l.value ?? ''} ${err}`);
    return Date.now();
  });
  const result = started.then(() => lines.next()).then((l) => {
    if (l.done) throw new Error(`gnb exited without a result: ${err}`);
    return JSON.parse(l.value);
  });
  return { started, result };
}
const gnb = (teid: number, count: number, intervalMs: number, waitMs: number) => gnbRun(teid, count, intervalMs, waitMs).result;

async function metric(re: RegExp): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const m = re.exec(text);
  return m ? Number(m[1]) : 0;
}

/**
 * io: 'socket' = UDP socket on N3, raw IPv4 socket on N6; 'xdp' = AF_XDP receive on N3 (io set
 * explicitly, N6 raw); 'xdp-tx' = the default for a config naming the N3 interface and the N6
 * next hop: AF_XDP in and out on N3, AF_XDP out on N6 (n6.io defaults to xdp).
 */
export function defineUpfE2e(io: 'socket' | 'xdp' | 'xdp-tx'): void {
  beforeAll(async () => {
    topo = createTopology(io === 'socket' ? 'ue' : io === 'xdp' ? 'ux' : 'uy');
    dir = mkdtempSync(join(tmpdir(), 'upf-e2e-'));
    const cfg = join(dir, 'upf.yaml');
    const dnMac = JSON.parse(execFileSync('ip', ['-n', topo.dn, '-j', 'link', 'show', 'dev', `${topo.prefix}d0`], { encoding: 'utf8' }))[0].address;
    const n3 = io === 'socket' ? 'n3: { address: 192.168.3.1 }' : io === 'xdp' ? `n3: { address: 192.168.3.1, io: xdp, interface: ${topo.n3} }` : `n3: { address: 192.168.3.1, interface: ${topo.n3} }`;
    const n6 = io === 'xdp-tx' ? `n6: { interface: ${topo.n6}, nextHopMac: "${dnMac}" }` : `n6: { interface: ${topo.n6} }`;
    writeFileSync(cfg, [
      'nodeId: 127.0.0.1', 'pfcp: { address: 127.0.0.1, port: 0 }', n3, n6,
      `netns: ${topo.upf}`, 'classifier: ps', 'metrics: { port: 0 }', 'maxRules: 1024',
    ].join('\n'));
    upf = spawn(process.execPath, [...tsx, join(workspaceRoot, 'apps/upf/src/cli.ts'), 'run', '--config', cfg], { cwd: workspaceRoot });
    const ready = JSON.parse(await firstLine(upf));
    expect(ready.n3Io).toBe(io === 'socket' ? 'socket' : 'xdp-native');
    expect(ready.n6Io).toBe(io === 'xdp-tx' ? 'xdp' : 'raw');
    metricsUrl = ready.metrics;
    echo = spawn('ip', ['netns', 'exec', topo.dn, process.execPath, ...tsx, join(workspaceRoot, 'e2e/upf-e2e/test/fixtures/udp-echo.ts'), '7'], { cwd: workspaceRoot });
    await firstLine(echo);
    smf = await PfcpClient.connect({ address: '127.0.0.1', port: ready.pfcp.port }, { address: '127.0.0.1', port: 0 });
  }, 60_000);

  afterAll(async () => {
    await smf?.close();
    upf?.kill('SIGTERM');
    echo?.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    upf?.kill('SIGKILL');
    topo?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe(`UPF end to end in network namespaces (io: ${io})`, () => {
    let upSeid = 0n;
    let teid = 0;

    it('associates and establishes a session (uplink CHOOSE F-TEID, downlink GTP-U to the gNB)', async () => {
      expect((await smf.request({ type: M.AssociationSetupRequest, nodeId: { type: 'ipv4', value: '127.0.0.1' }, recoveryTimeStamp: new Date() }) as any).cause).toBe(Cause.RequestAccepted);
      const r = await smf.request<SessionEstablishmentResponse>({
        type: M.SessionEstablishmentRequest, seid: 0n, nodeId: { type: 'ipv4', value: '127.0.0.1' }, cpFSeid: { seid: 0xabcn, ipv4: '127.0.0.1' },
        createPdrs: [
          { pdrId: 1, precedence: 200, farId: 1, outerHeaderRemoval: { description: OuterHeaderRemovalDesc.GtpuUdpIpv4 },
            pdi: { sourceInterface: Interface.Access, localFTeid: { choose: { ipv4: true } }, ueIpAddress: { ipv4: UE } } },
          { pdrId: 2, precedence: 200, farId: 2, pdi: { sourceInterface: Interface.Core, ueIpAddress: { ipv4: UE, sd: 'destination' } } },
        ],
        createFars: [
          { farId: 1, applyAction: ApplyAction.FORW, forwardingParameters: { destinationInterface: Interface.Core } },
          { farId: 2, applyAction: ApplyAction.FORW, forwardingParameters: { destinationInterface: Interface.Access, outerHeaderCreation: { description: OuterHeaderCreationDesc.GtpuUdpIpv4, teid: DL_TEID, ipv4: GNB } } },
        ],
      });
      expect(r.cause).toBe(Cause.RequestAccepted);
      upSeid = r.upFSeid!.seid;
      teid = r.createdPdrs![0].localFTeid!.teid!;
    });

    it('UDP and ICMP from the UE reach the data network and the replies come back in GTP-U', async () => {
      const r = await gnb(teid, 10, 20, 5000); // returns as soon as all 10 replies are in
      expect(r.sent).toHaveLength(10);
      const udp = r.got.filter((g) => g.kind === 'udp').map((g) => g.seq).sort((a, b) => a - b);
      const icmp = r.got.filter((g) => g.kind === 'icmp').map((g) => g.seq).sort((a, b) => a - b);
      expect(udp).toEqual([0, 2, 4, 6, 8]);
      expect(icmp).toEqual([1, 3, 5, 7, 9]);
      expect(new Set(r.got.map((g) => g.teid))).toEqual(new Set([DL_TEID]));
      expect(await metric(/fastpath_upf_packets_total\{interface="n6",direction="tx"\} (\d+)/)).toBeGreaterThanOrEqual(10);
    });

    it('a PDR added mid-flow (drop UDP to port 7) takes effect while ICMP keeps flowing', async () => {
      const flow = gnbRun(teid, 100, 20, 700); // ~2 s of traffic
      const start = await flow.started;
      await new Promise((r) => setTimeout(r, 1000));
      const tMod = Date.now();
      const m = await smf.request<SessionModificationResponse>({
        type: M.SessionModificationRequest, seid: upSeid,
        createFars: [{ farId: 3, applyAction: ApplyAction.DROP }],
        createPdrs: [{ pdrId: 3, precedence: 10, farId: 3, outerHeaderRemoval: { description: 0 },
          pdi: { sourceInterface: Interface.Access, localFTeid: { choose: { ipv4: true } }, sdfFilters: [{ flowDescription: 'permit out 17 from any 7 to assigned' }] } }],
      });
      expect(m.cause).toBe(Cause.RequestAccepted);
      // The rule is installed before the response is sent. The gNB clock runs slightly ahead of
      // ours (its t=0 precedes our "started" stamp), hence the 300 ms margin after `applied`.
      const applied = Date.now() - start;
      const r = await flow.result;
      const requested = tMod - start; // the gNB's clock starts just before it prints "started"
      // Judge by when each packet was sent, not when its reply came (replies may lag under load).
      const replied = new Set(r.got.map((g) => `${g.kind}:${g.seq}`));
      const sentUdp = r.sent.filter((x) => x.kind === 'udp');
      const sentIcmp = r.sent.filter((x) => x.kind === 'icmp');
      const before = sentUdp.filter((x) => x.t < requested - 100);
      const after = sentUdp.filter((x) => x.t > applied + 300);
      expect(before.length).toBeGreaterThan(5);
      expect(before.filter((x) => replied.has(`udp:${x.seq}`)).length).toBeGreaterThan(before.length / 2); // before: echoed
      expect(after.length).toBeGreaterThan(5);
      expect(after.filter((x) => replied.has(`udp:${x.seq}`))).toEqual([]); // after: dropped by PDR 3
      const icmpAfter = sentIcmp.filter((x) => x.t > applied + 300);
      expect(icmpAfter.filter((x) => replied.has(`icmp:${x.seq}`)).length).toBeGreaterThan(icmpAfter.length / 2); // ICMP unaffected
      expect(await metric(/fastpath_upf_drops_total\{reason="far-drop"\} (\d+)/)).toBeGreaterThan(5);
    });

    it('after deletion nothing is forwarded and the packets count as no-session drops', async () => {
      const d = await smf.request<SessionDeletionResponse>({ type: M.SessionDeletionRequest, seid: upSeid });
      expect(d.cause).toBe(Cause.RequestAccepted);
      const before = await metric(/fastpath_upf_drops_total\{reason="no-session"\} (\d+)/);
      const r = await gnb(teid, 6, 20, 500);
      expect(r.got).toEqual([]);
      // the UPF may still be working through the last packets on a loaded machine
      const noSession = () => metric(/fastpath_upf_drops_total\{reason="no-session"\} (\d+)/);
      const until = Date.now() + 5000;
      while ((await noSession()) < before + 6 && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
      expect(await noSession()).toBeGreaterThanOrEqual(before + 6);
      expect(await metric(/fastpath_upf_sessions (\d+)/)).toBe(0);
    });
  });
}
