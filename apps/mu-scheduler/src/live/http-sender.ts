// Sends one request of workload f to a gateway over keep-alive HTTP/1.1 (POST /w<f+1>), resolving
// with the status; at most `maxSockets` connections, enough for every admitted in-flight request.
import { Agent, request } from 'node:http';

export function httpSender(url: string, maxSockets: number): { send: (f: number) => Promise<number>; close: () => void } {
  const base = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets });
  const send = (f: number) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: base.hostname, port: base.port || 80, path: `/w${f + 1}`, method: 'POST', agent, headers: { 'content-type': 'text/plain', 'content-length': 1 } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end('x');
    });
  return { send, close: () => agent.destroy() };
}
