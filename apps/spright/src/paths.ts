// Where the agent keeps its socket, logs and per-host identity. SPRIGHT_STATE_DIR lets tests and
// several agents coexist; names of kernel objects (regions, netns, veths) carry a short hash of
// the state dir so two agents never touch each other's objects.
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { workspaceRoot } from '@fastpath/native';

export function stateDir(): string {
  return resolve(process.env.SPRIGHT_STATE_DIR ?? '/run/fastpath/spright');
}

export function agentSocket(dir = stateDir()): string {
  return join(dir, 'agent.sock');
}

export function logsDir(chain: string, dir = stateDir()): string {
  return join(dir, 'logs', chain);
}

/** 6 hex chars identifying this agent's state dir in kernel object names. */
export function agentTag(dir = stateDir()): string {
  return createHash('sha1').update(dir).digest('hex').slice(0, 6);
}

export function regionName(chain: string, tag = agentTag()): string {
  return `sp${tag}-${chain}`;
}

export function netnsName(chain: string, tag = agentTag()): string {
  return `sp${tag}-${chain}`;
}

export const appRoot = join(workspaceRoot, 'apps', 'spright');
export const gatewayEntry = join(appRoot, 'src', 'gateway', 'main.ts');
export const agentEntry = join(appRoot, 'src', 'agent', 'main.ts');
export const cliEntry = join(appRoot, 'src', 'cli', 'main.ts');
export const exampleSpec = join(appRoot, 'examples', 'chain.yaml');
export { workspaceRoot };
