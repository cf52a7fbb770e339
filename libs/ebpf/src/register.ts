// Function side of registration for functions in another process or network namespace: build
// an established TCP loopback pair in the function's own namespace, let the manager take both
// ends with pidfd_getfd (it learns the pid from SO_PEERCRED), keep the sockmap end.
import net from 'node:net';
import { BpfUsageError } from './errors.ts';
import type { FunctionIdentity } from './transport.ts';

export interface RegisteredSocket {
  /** The function's socket, in the manager's sockhash; wrap it in a CreditTransport. */
  socket: net.Socket;
}

/** Registers this process's new function socket with the SPROXY manager at `registrationPath`. */
export async function registerFunctionSocket(registrationPath: string, identity: FunctionIdentity): Promise<RegisteredSocket> {
  const server = net.createServer({ pauseOnConnect: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect({ port, host: '127.0.0.1' });
  client.pause(); // no reads until registered: SPROXY delivers into this socket from then on
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  const peer = await accepted;
  server.close();
  const fd = (client as any)._handle?.fd as number | undefined;
  const peerFd = (peer as any)._handle?.fd as number | undefined;
  if (fd === undefined || fd < 0 || peerFd === undefined || peerFd < 0) throw new BpfUsageError('cannot read socket fds from node handles');
  const reply = await new Promise<string>((resolve, reject) => {
    const c = net.connect(registrationPath);
    let buf = '';
    c.on('connect', () => c.write(JSON.stringify({ fd, peerFd, ...identity }) + '\n'));
    c.on('data', (b) => (buf += b.toString('utf8')));
    c.on('end', () => resolve(buf));
    c.on('error', reject);
  });
  const msg = JSON.parse(reply || '{"error":"manager closed the connection"}');
  if (!msg.ok) {
    client.destroy();
    peer.destroy();
    throw new BpfUsageError(`SPROXY registration of instance ${identity.instance} failed: ${msg.error}`);
  }
  peer.destroy(); // the manager holds its own copy of the peer now
  return { socket: client }; // still paused: CreditTransport resumes it once it listens
}
