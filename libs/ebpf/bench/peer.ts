// The Node processes of the benchmarks (one per side; the bench hands each its socket as fd 3).
//   echo  fd=3 io=fast|stream            : writes every descriptor straight back
//   ping  fd=3 n=<iters> warmup=<w> target=<instance> chain=<c> io=fast|stream
//         : ping-pongs one descriptor n times, prints {"n","p50us","p99us","meanUs"} like the
//           C tool (dist/ebpf/pingpong), and exits
//   sink  fd=3 n=<count> window=<w> instance=<i> chain=<c>
//         : counts descriptors with flow control; after every n it answers one RESPONSE
// io=fast is the library's DescriptorIo (static read buffer, direct write(2)); io=stream is
// plain net.Socket 'data' + write(), kept to show what the fast path buys in the same run.
import net from 'node:net';
import { summarize } from '@fastpath/bench';
import { CreditTransport, DescFlag, DescriptorIo, encodeDescriptor } from '../src/index.ts';

const args = Object.fromEntries(process.argv.slice(3).map((a) => a.split('=')));
const mode = process.argv[2];
const fd = Number(args.fd ?? 3);

/** The socket as "write these bytes" + "call me per read with whole descriptors". */
function channel(onUnits: (b: Buffer, start: number, end: number) => void): { write: (b: Buffer) => void; close: () => void } {
  if (args.io === 'stream') {
    const s = new net.Socket({ fd, readable: true, writable: true });
    s.setNoDelay(true);
    let have = 0;
    s.on('data', (b: Buffer) => {
      have += b.length;
      const whole = have - (have % 16);
      have -= whole;
      if (whole) onUnits(b, 0, whole);
    });
    s.on('error', () => process.exit(0));
    s.on('close', () => process.exit(0));
    return { write: (b) => s.write(b), close: () => s.destroy() };
  }
  const io = DescriptorIo.fromFd(fd).onUnits(onUnits);
  io.socket.on('error', () => process.exit(0));
  io.socket.on('close', () => process.exit(0));
  return { write: (b) => io.write(b), close: () => io.destroy() };
}

if (mode === 'echo') {
  // Echo each read's descriptors as they are (DescriptorIo copies only what it cannot write now).
  const ch = channel((b, start, end) => ch.write(b.subarray(start, end)));
} else if (mode === 'ping') {
  const n = Number(args.n);
  const warmup = Number(args.warmup ?? 2000);
  const out = new Float64Array(n);
  const desc = encodeDescriptor({ instance: Number(args.target ?? 0), chain: Number(args.chain ?? 0), flags: 0, object: 0n });
  let i = -warmup;
  let t0 = 0n;
  const send = () => {
    t0 = process.hrtime.bigint();
    ch.write(desc);
  };
  const ch = channel((_b, start, end) => {
    for (let u = start; u < end; u += 16) {
      if (i >= 0) out[i] = Number(process.hrtime.bigint() - t0) / 1000;
      if (++i === n) {
        const s = summarize(out);
        process.stdout.write(`${JSON.stringify({ n, p50us: s.p50, p99us: s.p99, meanUs: s.mean })}\n`, () => process.exit(0));
        return;
      }
      send();
    }
  });
  send();
} else if (mode === 'sink') {
  const n = Number(args.n);
  const t = CreditTransport.fromFd(fd, { identity: { instance: Number(args.instance), chain: Number(args.chain), function: 2 }, window: Number(args.window) });
  let count = 0;
  t.on('descriptor', (d) => {
    if (++count === n) {
      count = 0;
      t.send(d.from, BigInt(n), DescFlag.RESPONSE);
    }
  });
  t.on('close', () => process.exit(0));
  process.stdout.write('ready\n');
} else {
  throw new Error(`peer: unknown mode ${mode}`);
}
