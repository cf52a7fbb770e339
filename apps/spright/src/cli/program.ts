// The `spright` CLI commands: deploy, status, logs, invoke, delete (and demo for `nx run spright:deploy`).
// Built by a function so tests can run it in-process with their own output sinks.
import { Command } from 'commander';
import { loadavg } from 'node:os';
import { printTable, writeResult } from '@fastpath/bench';
import type { ChainStatus } from '../agent/chain.ts';
import { CLK_TCK, cpuShare } from '../agent/proc.ts';
import { agentAlive, agentJson, agentRequest, ensureAgent } from './client.ts';
import { demoCommand } from './demo.ts';
import { deployCommand, UnknownTargetError, type DeployOptions } from './deploy.ts';
import { k8sDeleteCommand, type K8sCommandOptions } from '../k8s/command.ts';

export interface ProgramIo {
  writeOut(s: string): void;
  writeErr(s: string): void;
}

/** With `io`, help/errors go there and commander throws instead of exiting (in-process use). */
export function buildProgram(io?: ProgramIo): Command {
  const program = new Command('spright').description('SPRIGHT: event-driven shared-memory serverless function chains').showHelpAfterError();
  if (io) program.configureOutput(io).exitOverride();

  program
    .command('deploy [chain.yaml]')
    .description('validate a chain spec and start the chain: on this node (region, gateway, function processes) or on Kubernetes (--target k8s)')
    .option('-f, --file <chain.yaml>', 'chain spec (YAML); same as the argument')
    .option('--target <target>', 'local | k8s', 'local')
    .option('--dry-run', 'validate and print the plan (k8s: the manifests); start nothing, contact no cluster')
    .option('-o, --output <format>', 'k8s dry run: yaml | json')
    .option('--namespace <ns>', 'k8s: namespace (default spright)')
    .option('--context <name>', 'k8s: kubeconfig context (default: the current one)')
    .option('--kubeconfig <file>', 'k8s: kubeconfig (default: $KUBECONFIG or ~/.kube/config)')
    .option('--image <image>', 'k8s: container image with this repository at /opt/fastpath')
    .option('--timeout <s>', 'k8s: seconds to wait until every workload is ready (default 300)')
    .option('--agent-hugepages <qty>', 'k8s: hugepages to reserve for the node agent at least, e.g. 512Mi')
    .action(async (arg: string | undefined, o: { file?: string; target: string } & Omit<DeployOptions, 'file' | 'target'>) => {
      const file = arg ?? o.file;
      if (!file) throw new Error('spright deploy: give the chain spec, as an argument or with -f (spright deploy chain.yaml)');
      if (arg && o.file && arg !== o.file) throw new Error(`spright deploy: two chain specs given (${arg} and -f ${o.file})`);
      await deployCommand({ ...o, file });
    });

  program
    .command('status')
    .description('chains on this node: processes, restarts, data-plane setup time, CPU, pool usage')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      if (!(await agentAlive())) {
        console.log(o.json ? '[]' : 'no spright agent running (no chains deployed)');
        return;
      }
      const chains = await agentJson<ChainStatus[]>('GET', '/chains');
      if (o.json) return void console.log(JSON.stringify(chains, null, 2));
      if (chains.length === 0) console.log('no chains deployed');
      for (const c of chains) {
        console.log(`${c.name}  ${c.state}  transport ${c.transport}  ${c.url}  pool ${c.pool.objects - c.pool.free}/${c.pool.objects} in use (${c.pool.objectSize} B)  reclaimed ${c.pool.reclaimed}`);
        printTable(
          c.instances.map((i) => ({ process: i.fn, instance: i.instance & 0xffff, pid: i.pid ?? '-', state: i.state, restarts: i.restarts, 'setup ms': i.setupMs.toFixed(2), 'cpu s': i.cpuTicks === undefined ? '-' : (i.cpuTicks / CLK_TCK).toFixed(2) })),
        );
      }
    });

  program
    .command('logs <fn>')
    .description("print a function's log (all its instances); fn may be 'gateway'")
    .option('-c, --chain <chain>', 'chain (default: the only chain with that function)')
    .option('-n, --lines <n>', 'last n lines', '100')
    .action(async (fn: string, o: { chain?: string; lines: string }) => {
      let chain = o.chain;
      if (!chain) {
        const chains = (await agentAlive()) ? await agentJson<ChainStatus[]>('GET', '/chains') : [];
        const having = chains.filter((c) => c.instances.some((i) => i.fn === fn));
        if (having.length !== 1) throw new Error(having.length === 0 ? `no deployed chain has a function "${fn}"` : `several chains have "${fn}" (${having.map((c) => c.name).join(', ')}); pass --chain`);
        chain = having[0].name;
      }
      const r = await agentRequest('GET', `/chains/${encodeURIComponent(chain)}/logs/${encodeURIComponent(fn)}?lines=${Number(o.lines) || 100}`);
      if (r.status !== 200) throw new Error(JSON.parse(r.body).error);
      process.stdout.write(r.body.endsWith('\n') ? r.body : `${r.body}\n`);
    });

  program
    .command('invoke <chain> [path]')
    .description('send one HTTP request to a chain through its gateway')
    .option('-d, --data <body>', 'request body (POST unless --method says otherwise)')
    .option('-X, --method <method>', 'HTTP method')
    .option('-H, --header <header...>', "extra header 'name: value'")
    .option('-i, --include', 'print status and headers')
    .action(async (chain: string, path: string | undefined, o: { data?: string; method?: string; header?: string[]; include?: boolean }) => {
      if (!(await agentAlive())) throw new Error('no spright agent running (no chains deployed)');
      const c = await agentJson<ChainStatus>('GET', `/chains/${encodeURIComponent(chain)}`);
      const headers: Record<string, string> = {};
      for (const h of o.header ?? []) {
        const i = h.indexOf(':');
        if (i <= 0) throw new Error(`header "${h}" must look like 'name: value'`);
        headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
      }
      const p = path ? (path.startsWith('/') ? path : `/${path}`) : '/';
      const r = await fetch(`${c.url}${p}`, { method: o.method ?? (o.data !== undefined ? 'POST' : 'GET'), headers, body: o.data });
      if (o.include) {
        console.log(`HTTP ${r.status} ${r.statusText}`);
        r.headers.forEach((v, k) => console.log(`${k}: ${v}`));
        console.log('');
      }
      const text = await r.text();
      process.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
      if (r.status >= 400) process.exitCode = 1;
    });

  program
    .command('delete <chain>')
    .description('stop a chain and remove its processes, region, netns and logs (k8s: its Deployments, Service and Secret)')
    .option('--target <target>', 'local | k8s', 'local')
    .option('--namespace <ns>', 'k8s: namespace (default spright)')
    .option('--context <name>', 'k8s: kubeconfig context')
    .option('--kubeconfig <file>', 'k8s: kubeconfig')
    .option('--timeout <s>', 'k8s: seconds to wait until the objects are gone (default 120)')
    .option('--with-agent', 'k8s: also delete the node agent DaemonSet (other chains in the namespace stop working)')
    .action(async (chain: string, o: { target: string; withAgent?: boolean } & K8sCommandOptions) => {
      if (o.target === 'k8s') return k8sDeleteCommand(chain, o);
      if (o.target !== 'local') throw new UnknownTargetError(o.target);
      if (!(await agentAlive())) throw new Error(`no spright agent running; chain "${chain}" is not deployed`);
      await agentJson('DELETE', `/chains/${encodeURIComponent(chain)}`);
      console.log(`deleted chain ${chain}`);
    });

  program
    .command('idle-cpu <chain>')
    .description("CPU each process of a warm chain uses with no traffic, from /proc (send nothing meanwhile)")
    .option('--seconds <s>', 'window', '60')
    .option('--json', 'machine-readable output')
    .option('--record <name>', 'also write docs/results/spright/<name>.json')
    .action(async (chain: string, o: { seconds: string; json?: boolean; record?: string }) => {
      const c = await agentJson<ChainStatus>('GET', `/chains/${encodeURIComponent(chain)}`);
      const procs = c.instances.filter((i) => i.pid !== undefined);
      const loadBefore = loadavg() as [number, number, number];
      const share = await cpuShare(procs.map((i) => i.pid!), Number(o.seconds) * 1000);
      const rows = procs.map((i) => ({ process: i.fn, pid: i.pid!, cpu: share[i.pid!] }));
      if (o.record) {
        const file = writeResult('spright', o.record, { chain, transport: c.transport, seconds: Number(o.seconds), maxCpuShare: Math.max(...rows.map((r) => r.cpu)), processes: rows }, { loadBefore });
        process.stderr.write(`wrote ${file}\n`);
      }
      if (o.json) return void console.log(JSON.stringify({ chain, transport: c.transport, seconds: Number(o.seconds), processes: rows }, null, 2));
      printTable(
        rows.map((r) => ({ process: r.process, pid: r.pid, 'cpu % of a core': (r.cpu * 100).toFixed(3) })),
        `${chain} (transport ${c.transport}) idle over ${o.seconds} s`,
      );
    });

  program
    .command('demo')
    .description('deploy the bundled example chain, send a burst, print a summary (nx run spright:deploy)')
    .option('-f, --file <chain.yaml>', 'another chain spec')
    .option('--duration <s>', 'burst length in seconds', '5')
    .option('--connections <n>', 'concurrent connections', '16')
    .option('--delete', 'delete the chain after the summary')
    .option('--record <name>', 'also write docs/results/spright/<name>.json')
    .action(async (o: { file?: string; duration: string; connections: string; delete?: boolean; record?: string }) => {
      await ensureAgent();
      await demoCommand({ file: o.file, durationS: Number(o.duration), connections: Number(o.connections), deleteAfter: o.delete, record: o.record });
    });
  return program;
}
