// The other Node process of the benchmarks.
//   echo  fd=3 | tcp=<port> | unix=<path> : writes every chunk straight back (same code for all
//         three transports; over SPROXY the echoed descriptor already names the sender).
//   sink  fd=3 n=<count> window=<w>       : counts descriptors with flow control; after every
//         n of them it sends one RESPONSE descriptor back to the sender as "done".
import net from 'node:net';
import { CreditTransport, DescFlag } from '../src/index.ts';

const args = Object.fromEntries(process.argv.slice(3).map((a) => a.split('=')));
const mode = process.argv[2];

function echo(s: net.Socket) {
  s.setNoDelay(true);
  s.on('data', (b) => s.write(b));
  s.on('error', () => process.exit(0));
  s.on('close', () => process.exit(0));
}

if (mode === 'echo') {
  if (args.fd) echo(new net.Socket({ fd: Number(args.fd), readable: true, writable: true }));
  else {
    const server = net.createServer((s) => echo(s));
    server.listen(args.unix ? { path: args.unix } : { port: 0, host: '127.0.0.1' }, () => {
      const a = server.address();
      process.stdout.write(`listening ${typeof a === 'string' ? a : a!.port}\n`);
    });
  }
} else if (mode === 'sink') {
  const n = Number(args.n);
  const t = CreditTransport.fromFd(Number(args.fd), { identity: { instance: Number(args.instance), chain: Number(args.chain), function: 2 }, window: Number(args.window) });
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
