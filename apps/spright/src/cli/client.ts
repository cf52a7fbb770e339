// Talks to the node agent over its Unix socket; starts the agent on demand.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { agentEntry, agentSocket, stateDir, workspaceRoot } from '../paths.ts';

export class AgentError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

export interface RawResponse {
  status: number;
  body: string;
}

export function agentRequest(method: string, path: string, body?: unknown, onLine?: (line: string) => void): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { socketPath: agentSocket(), method, path, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} },
      (res) => {
        let text = '';
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (onLine) {
            pending += chunk;
            let nl: number;
            while ((nl = pending.indexOf('\n')) >= 0) {
              onLine(pending.slice(0, nl));
              pending = pending.slice(nl + 1);
            }
          }
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

export async function agentJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await agentRequest(method, path, body);
  let parsed: unknown = r.body;
  try {
    parsed = JSON.parse(r.body);
  } catch {
    // plain text
  }
  if (r.status >= 400) throw new AgentError((parsed as { error?: string })?.error ?? r.body, r.status, parsed);
  return parsed as T;
}

export async function agentAlive(): Promise<boolean> {
  if (!existsSync(agentSocket())) return false;
  try {
    return (await agentRequest('GET', '/healthz')).status === 200;
  } catch {
    return false;
  }
}

/** Starts a detached agent (exit-when-idle) if none answers; waits for its socket. */
export async function ensureAgent(timeoutMs = 20_000): Promise<void> {
  if (await agentAlive()) return;
  mkdirSync(stateDir(), { recursive: true, mode: 0o700 });
  const log = openSync(join(stateDir(), 'agent.log'), 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', agentEntry], { cwd: workspaceRoot, detached: true, stdio: ['ignore', log, log], env: process.env });
  closeSync(log);
  child.unref();
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await agentAlive()) return;
    if (child.exitCode !== null) throw new AgentError(`the spright agent exited with code ${child.exitCode}; see ${join(stateDir(), 'agent.log')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new AgentError(`the spright agent did not come up within ${timeoutMs} ms; see ${join(stateDir(), 'agent.log')}`);
}
