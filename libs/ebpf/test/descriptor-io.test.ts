// DescriptorIo: descriptors framed across reads that split them, and direct writes that fall
// back to the stream (in order) when the kernel's send buffer is full.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DescriptorIo } from '../src/index.ts';
import { connectLoopback } from '../src/libc.ts';
import { until } from './helpers.ts';

const open: (net.Socket | net.Server | DescriptorIo)[] = [];
afterEach(() => {
  for (const x of open.splice(0)) {
    if (x instanceof net.Server) x.close();
    else x.destroy();
  }
});

/** A DescriptorIo on a fresh fd connected to a server socket of this process. */
async function pair(): Promise<{ io: DescriptorIo; server: net.Socket }> {
  const srv = net.createServer();
  open.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
  const io = DescriptorIo.fromFd(connectLoopback((srv.address() as net.AddressInfo).port));
  const server = await accepted;
  server.setNoDelay(true);
  open.push(io, server);
  return { io, server };
}

const units = (from: number, n: number) => {
  const b = Buffer.alloc(16 * n);
  for (let i = 0; i < n; i++) b.writeUInt32LE(from + i, 16 * i);
  return b;
};

describe('DescriptorIo', () => {
  it('hands over whole descriptors only, also when reads split them anywhere', async () => {
    const { io, server } = await pair();
    const got: number[] = [];
    let calls = 0;
    io.onUnits((b, start, end) => {
      calls++;
      expect((end - start) % 16).toBe(0);
      for (let o = start; o < end; o += 16) got.push(b.readUInt32LE(o));
    });
    const all = units(0, 10);
    // Cut points inside descriptors: each piece arrives as its own read.
    const cuts = [0, 7, 9, 16 * 3 + 5, 16 * 3 + 6, 16 * 8 + 15, 160];
    for (let i = 1; i < cuts.length; i++) {
      const before = io.socket.bytesRead;
      server.write(all.subarray(cuts[i - 1], cuts[i]));
      await until(() => io.socket.bytesRead >= before + cuts[i] - cuts[i - 1], 10_000, 'the piece to arrive');
    }
    expect(got).toEqual([...Array(10).keys()]);
    expect(calls).toBeGreaterThan(1);
  });

  it('writes straight to the fd, and through the stream (copied, in order) once the send buffer is full', async () => {
    const { io, server } = await pair();
    server.pause(); // nobody reads: the kernel buffers fill up
    const n = 1 << 18; // 4 MiB of descriptors, more than loopback buffers hold
    // One buffer, refilled after every write: what went to the stream must have been copied.
    const chunk = Buffer.alloc(16 * 4096);
    for (let i = 0; i < n; i += 4096) {
      units(i, 4096).copy(chunk);
      io.write(chunk);
    }
    expect(io.stats.direct).toBeGreaterThan(0);
    expect(io.stats.streamed).toBeGreaterThan(0); // a short write or EAGAIN went to the stream
    const seen: number[] = [];
    let tail = Buffer.alloc(0);
    server.on('data', (b: Buffer) => {
      const all = Buffer.concat([tail, b]);
      const whole = all.length - (all.length % 16);
      for (let o = 0; o < whole; o += 16) seen.push(all.readUInt32LE(o));
      tail = all.subarray(whole);
    });
    server.resume();
    await until(() => seen.length === n, 30_000, 'all descriptors to arrive');
    expect(seen.every((v, i) => v === i)).toBe(true);
  });
});
