// Child process of the shm bench. Attaches the region from the environment and:
//   pong <strategy> <integration>  answers every descriptor from ring "ping" on ring "pong": the
//                                  ping's object is the sender's CLOCK_MONOTONIC ns at send; the
//                                  pong carries the one-way latency measured here (instance, ns)
//                                  and its own send stamp (object)
//   idle <strategy>                listens on ring "idle" that nobody writes (idle CPU)
//   baseline                       attaches and does nothing: the Node runtime's own idle CPU
//                                  (V8's post-start-up memory-reducer GC, timers), measured beside
import { Region, type WaitStrategy, type WakeIntegration } from '../src/index.ts';

const [role, strategy, integration] = process.argv.slice(2) as [string, WaitStrategy, WakeIntegration];
const region = Region.attachFromEnv();
if (role === 'pong') {
  const ping = region.ring('ping');
  const pong = region.ring('pong');
  ping.on('burst', (buf, n) => {
    // process.hrtime is CLOCK_MONOTONIC: the same clock in both processes
    const now = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const o = i * 16;
      const oneWay = now - buf.readBigUInt64LE(o + 8);
      buf.writeUInt32LE(Number(oneWay > 0xffffffffn ? 0xffffffffn : oneWay), o);
      buf.writeBigUInt64LE(process.hrtime.bigint(), o + 8);
    }
    let sent = 0;
    while (sent < n) sent += pong.sendBurst(buf.subarray(sent * 16), n - sent);
  });
  ping.listen({ strategy, integration, burst: 32 });
} else if (role === 'idle') {
  region.ring('idle').listen({ strategy, integration: integration ?? 'fifo' });
} else if (role !== 'baseline') {
  throw new Error(`unknown role ${role}`);
}
process.stdout.on('error', () => process.exit(0));
process.stdout.write('ready\n');
// the parent sends SIGTERM when done; if it dies first, the IPC channel closes
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
