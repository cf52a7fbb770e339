// The libbpf binding against this kernel: objects, maps (incl. per-CPU), pins, verifier errors,
// permissions, and XDP/tc attachments that must be gone after dispose or process exit.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceRoot } from '@fastpath/native';
import {
  BpfNotFoundError, BpfObject, BpfUsageError, BpfVerifierError, Eproxy, MapType, attachTc, attachXdp, eproxyObjectPath,
  ifindex, linkSupport, possibleCpus, sproxyObjectPath, structCodec, u32Codec, xdpProgramId, spIdentity,
} from '../src/index.ts';
import { bpftoolJson, isRoot, notRootReason, programsLeft, programsLoaded } from './helpers.ts';
import { prefix, sh } from './netns.ts';

const probeObj = join(workspaceRoot, 'dist', 'bpf', 'probe.bpf.o');
const tcFilters = (dev: string, dir: 'ingress' | 'egress') => {
  try {
    return sh('tc', ['filter', 'show', 'dev', dev, dir]);
  } catch {
    return '';
  }
};
const hasClsact = (dev: string) => sh('tc', ['qdisc', 'show', 'dev', dev]).includes('clsact');

describe('libbpf binding: input checks that need no kernel', () => {
  it('a missing object file is a BpfNotFoundError naming the build command', () => {
    expect(() => BpfObject.load('/nonexistent/x.bpf.o')).toThrow(BpfNotFoundError);
    expect(() => BpfObject.load('/nonexistent/x.bpf.o')).toThrow(/nx run bpf:build/);
  });
  it('links are the default where the kernel has them, the netlink ways the fallback before', () => {
    expect(linkSupport('6.18.44-fc-v782')).toEqual({ xdpLink: true, tcx: true });
    expect(linkSupport('6.6.0')).toEqual({ xdpLink: true, tcx: true });
    expect(linkSupport('6.1.0-27-amd64')).toEqual({ xdpLink: true, tcx: false }); // Debian 12: XDP link + clsact
    expect(linkSupport('5.4.0')).toEqual({ xdpLink: false, tcx: false });
  });
  it('a bad interface name is a usage error', () => {
    expect(() => ifindex('no such if!')).toThrow(BpfUsageError);
    expect(() => ifindex(`${prefix}none`)).toThrow(BpfNotFoundError);
  });
});

describe.skipIf(!isRoot)(`libbpf binding on this kernel (${isRoot ? 'root' : notRootReason})`, () => {
  const veth = [`${prefix}x0`, `${prefix}x1`];
  beforeAll(() => {
    sh('ip', ['link', 'add', veth[0], 'type', 'veth', 'peer', 'name', veth[1]]);
    sh('ip', ['link', 'set', veth[0], 'up']);
    sh('ip', ['link', 'set', veth[1], 'up']);
  });
  afterAll(() => {
    spawnSync('ip', ['link', 'del', veth[0]]);
    expect(sh('ip', ['-o', 'link']).includes(prefix)).toBe(false);
  });

  it('opens and loads an object, finds its programs and maps, and closes them', async () => {
    const o = BpfObject.load(sproxyObjectPath());
    const id = o.program('sproxy_msg').id;
    expect(o.programNames).toEqual(['sproxy_msg']);
    expect(o.mapNames.sort()).toEqual(['sp_instances', 'sp_metrics', 'sp_routes', 'sp_sender', 'sp_sockets']);
    expect(o.map('sp_sockets').type).toBe(MapType.SOCKHASH);
    expect(o.map('sp_instances')).toMatchObject({ keySize: 4, valueSize: 8, maxEntries: 8192 });
    expect(o.program('sproxy_msg').fd).toBeGreaterThan(0);
    expect(programsLoaded([id])).toEqual([id]);
    expect(o.map('sp_sockets').id).toBeGreaterThan(0);
    expect(() => o.program('nope')).toThrow(/it has: sproxy_msg/);
    expect(() => o.map('nope')).toThrow(BpfNotFoundError);
    o.dispose();
    o.dispose(); // idempotent
    expect(() => o.map('sp_instances')).toThrow(/already disposed/);
    expect(await programsLeft([id])).toEqual([]);
  });

  it('map update/lookup/delete/iterate with typed codecs, and key/value size checks', () => {
    using o = BpfObject.load(sproxyObjectPath());
    const m = o.map('sp_instances').typed(u32Codec, spIdentity);
    for (let i = 1; i <= 100; i++) m.set(i, { instance: i, chain: i % 7, function: i % 3 });
    expect(m.get(42)).toEqual({ instance: 42, chain: 0, function: 0 });
    expect(m.get(1000)).toBeUndefined();
    expect([...m.entries()].length).toBe(100);
    expect(m.delete(42)).toBe(true);
    expect(m.delete(42)).toBe(false);
    expect([...m.entries()].map(([k]) => k).sort((a, b) => a - b)).toEqual([...Array(100).keys()].map((i) => i + 1).filter((i) => i !== 42));
    expect(() => o.map('sp_instances').lookup(Buffer.alloc(3))).toThrow(BpfUsageError);
    expect(() => o.map('sp_instances').update(Buffer.alloc(4), Buffer.alloc(5))).toThrow(/wants 8/);
    expect(() => o.map('sp_instances').typed(structCodec<{ a: number }>(2, { a: [0, 16] }), spIdentity)).toThrow(/key codec/);
    // NOEXIST on an existing key is an EEXIST from the kernel.
    expect(() => m.set(1, { instance: 1, chain: 1, function: 1 }, 1n)).toThrow(/EEXIST/);
  });

  it('aggregates per-CPU values over every possible CPU', () => {
    using o = BpfObject.load(probeObj);
    const map = o.map('probe_counters');
    expect(map.perCpu).toBe(true);
    const codec = structCodec<{ packets: bigint; bytes: bigint }>(16, { packets: [0, 64], bytes: [8, 64] });
    const t = map.typed(u32Codec, codec);
    const n = possibleCpus();
    const all = Buffer.alloc(map.lookupSize);
    for (let c = 0; c < n; c++) codec.encode({ packets: BigInt(c + 1), bytes: BigInt(100 * (c + 1)) }, all.subarray(c * 16));
    map.update(u32Codec.encode(0), all);
    expect(t.perCpu(0)!.length).toBe(n);
    const sum = t.aggregate(0, (a, b) => ({ packets: a.packets + b.packets, bytes: a.bytes + b.bytes }))!;
    expect(sum.packets).toBe(BigInt((n * (n + 1)) / 2));
    expect(sum.bytes).toBe(BigInt((100 * n * (n + 1)) / 2));
  });

  it('pins maps and programs in bpffs and unpins them on dispose', () => {
    const dir = `/sys/fs/bpf/${prefix}-pins`;
    const o = BpfObject.load(probeObj);
    try {
      o.map('probe_counters').pin(`${dir}-map`);
      o.program('probe_count').pin(`${dir}-prog`);
      expect(existsSync(`${dir}-map`) && existsSync(`${dir}-prog`)).toBe(true);
      expect(execFileSync('bpftool', ['map', 'show', 'pinned', `${dir}-map`], { encoding: 'utf8' })).toContain('probe_counters');
      o.map('probe_counters').unpin(`${dir}-map`);
      expect(existsSync(`${dir}-map`)).toBe(false);
    } finally {
      o.dispose();
    }
    expect(existsSync(`${dir}-prog`)).toBe(false);
  });

  it('a program the verifier rejects raises BpfVerifierError carrying the verifier log', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fp-ebpf-'));
    try {
      const obj = join(dir, 'rejected.bpf.o');
      execFileSync('clang', ['-O2', '-g', '-target', 'bpf', `-I${join(workspaceRoot, 'dist', 'bpf')}`, '-c', join(workspaceRoot, 'bpf', 'test', 'fixtures', 'rejected.bpf.c'), '-o', obj]);
      let err: unknown;
      try {
        BpfObject.load(obj);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BpfVerifierError);
      const v = err as BpfVerifierError;
      expect(v.program).toBe('unchecked_read');
      expect(v.verifierLog).toMatch(/invalid access to packet|R\d+ .*pkt/);
      expect(v.message).toContain('--- verifier log ---');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without root, loading fails with BpfPermissionError telling what is needed', () => {
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', process.execPath, '--import', 'tsx', join(import.meta.dirname, 'fixtures', 'unprivileged.ts')], {
      cwd: workspaceRoot, encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: '/tmp' },
    });
    expect(r.stdout, r.stderr).toMatch(/^permission-error: .*(EPERM|EACCES).*needs root, or CAP_BPF/m);
  });

  it('attaches XDP (link, generic and native) and tc (clsact, tcx), and detaches everything on dispose', async () => {
    const dev = veth[0];
    const i = ifindex(dev);
    const e = Eproxy.load(eproxyObjectPath());
    const ids = [e.object.program('eproxy_xdp').id, e.object.program('eproxy_tc_ingress').id];
    try {
      const x = e.attachXdp(dev, { mode: 'generic' });
      expect(xdpProgramId(i, 'generic')).toBeGreaterThan(0);
      x.detach();
      expect(xdpProgramId(i, 'generic')).toBe(0);
      e.attachXdp(veth[1], { mode: 'native' }); // veth has native XDP
      expect(xdpProgramId(ifindex(veth[1]), 'native')).toBeGreaterThan(0);
      const nl = attachXdp(e.object, e.object.program('eproxy_xdp'), i, { mode: 'generic', via: 'netlink' });
      expect(xdpProgramId(i, 'generic')).toBeGreaterThan(0);
      nl.detach();
      expect(xdpProgramId(i, 'generic')).toBe(0);
      expect(e.attachTc(veth[1]).via).toBe('tcx'); // the default on this kernel: a link
      e.attachTc(dev, { via: 'clsact' });
      expect(tcFilters(dev, 'ingress')).toContain('eproxy_tc_ingre'); // kernel names stop at 15 chars
      expect(hasClsact(dev)).toBe(true);
      const eg = attachTc(e.object, e.object.program('eproxy_tc_ingress'), i, { direction: 'egress', via: 'tcx' });
      expect(eg.kind).toBe('tc');
      // A second clsact filter on the same device: detaching it keeps the qdisc for the first.
      const second = attachTc(e.object, e.object.program('eproxy_tc_ingress'), i, { direction: 'egress', via: 'clsact' });
      expect(tcFilters(dev, 'egress')).toContain('eproxy_tc_ingre');
      second.detach();
      expect(tcFilters(dev, 'egress')).not.toContain('eproxy');
      expect(hasClsact(dev)).toBe(true);
      expect(tcFilters(dev, 'ingress')).toContain('eproxy_tc_ingre');
    } finally {
      e.dispose();
    }
    expect(xdpProgramId(ifindex(veth[1]), 'native')).toBe(0);
    expect((bpftoolJson<{ prog_id: number }[]>('link', 'show') ?? []).filter((l) => ids.includes(l.prog_id))).toEqual([]);
    expect(tcFilters(dev, 'ingress')).not.toContain('eproxy');
    expect(hasClsact(dev)).toBe(false);
    expect(await programsLeft(ids)).toEqual([]);
  });

  let childIds: number[] = [];
  let childVia = '';
  const attachChild = (how: 'exit' | 'wait', via: 'clsact' | 'tcx' | 'default') =>
    new Promise<ReturnType<typeof spawn>>((resolve, reject) => {
      const c = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'attach.ts'), veth[0], how, via], { cwd: workspaceRoot, stdio: ['ignore', 'pipe', 'inherit'] });
      c.stdout!.on('data', (d) => {
        const m = /attached (\d+) (\d+) (\d+) (\w+)/.exec(String(d));
        if (m) {
          childIds = [Number(m[1]), Number(m[2]), Number(m[3])];
          childVia = m[4];
          if (how === 'wait') resolve(c);
        }
      });
      c.once('exit', (code) => (how === 'exit' ? resolve(c) : reject(new Error(`attach child exited early (${code})`))));
    });
  const exited = (c: ReturnType<typeof spawn>) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode ? r() : c.once('exit', () => r())));
  /** What bpftool and ip report as attached to veth[0] (XDP, clsact filters, links of our programs). */
  const attachedToDev = () => {
    const net = bpftoolJson<{ xdp: unknown[]; tc: unknown[] }[]>('net', 'show', 'dev', veth[0])?.[0];
    const links = (bpftoolJson<{ prog_id: number }[]>('link', 'show') ?? []).filter((l) => childIds.includes(l.prog_id));
    return { xdp: net?.xdp ?? [], tc: net?.tc ?? [], links, ipLinkXdp: /\bxdp/.test(sh('ip', ['link', 'show', 'dev', veth[0]])) };
  };
  const clean = async () => {
    expect(childIds.length).toBe(3);
    expect(await programsLeft(childIds)).toEqual([]);
    expect(xdpProgramId(ifindex(veth[0]), 'generic')).toBe(0);
    expect(tcFilters(veth[0], 'ingress')).not.toContain('eproxy');
    expect(attachedToDev()).toEqual({ xdp: [], tc: [], links: [], ipLinkXdp: false });
  };

  it('nothing stays attached when the process exits normally (clsact filters too)', async () => {
    await exited(await attachChild('exit', 'clsact'));
    await clean();
    expect(hasClsact(veth[0])).toBe(false);
  });

  it('nothing stays attached after SIGTERM (clsact detached by the signal hook)', async () => {
    const c = await attachChild('wait', 'clsact');
    expect(tcFilters(veth[0], 'ingress')).toContain('eproxy');
    c.kill('SIGTERM');
    await exited(c);
    await clean();
  });

  it('a SIGKILLed manager leaves nothing attached with the default attachments (XDP link + tcx)', async () => {
    const c = await attachChild('wait', 'default');
    expect(childVia).toBe(linkSupport().tcx ? 'tcx' : 'clsact');
    const before = attachedToDev();
    expect(before.ipLinkXdp).toBe(true);
    expect(before.links.length).toBe(2); // the XDP link and the tcx link
    c.kill('SIGKILL');
    await exited(c);
    // Link teardown happens when the kernel releases the dead process's files.
    await clean();
  });
});
