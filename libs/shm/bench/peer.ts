// Child process of the shm bench. Attaches the region from the environment and:
//   pong <strategy> <integration>  echoes every descriptor from ring "ping" to ring "pong"
//   idle <strategy>                listens on ring "idle" that nobody writes (idle CPU)
import { Region, type WaitStrategy, type WakeIntegration } from '../src/index.ts';

const [role, strategy, integration] = process.argv.slice(2) as [string, WaitStrategy, WakeIntegration];
const region = Region.attachFromEnv();
if (role === 'pong') {
  const ping = region.ring('ping');
  const pong = region.ring('pong');
  ping.on('burst', (buf, n) => {
    let sent = 0;
    while (sent < n) sent += pong.sendBurst(buf.subarray(sent * 16), n - sent);
  });
  ping.listen({ strategy, integration, burst: 32 });
} else if (role === 'idle') {
  region.ring('idle').listen({ strategy, integration: integration ?? 'pipe' });
} else {
  throw new Error(`unknown role ${role}`);
}
process.stdout.on('error', () => process.exit(0));
process.stdout.write('ready\n');
// the parent sends SIGTERM when done; if it dies first, the IPC channel closes
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
