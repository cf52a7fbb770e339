#!/usr/bin/env -S node --import tsx
// `infra:doctor`: prints what this host offers fastpath (✓/✗ with the consequence of each gap).
import { Command } from 'commander';
import { probeCapabilities, renderCapabilities } from './capabilities.ts';

const program = new Command('doctor')
  .description('Report the kernel and host capabilities fastpath uses (eBPF, hugepages, namespaces, tunnels, perf).')
  .option('--json', 'print JSON instead of a table')
  .option('--strict', 'exit 1 when a capability the core systems need (root, BTF, bpffs, sk_msg, netns) is missing')
  .action((opts: { json?: boolean; strict?: boolean }) => {
    const caps = probeCapabilities();
    process.stdout.write(opts.json ? JSON.stringify(caps, null, 2) + '\n' : renderCapabilities(caps));
    const core = ['root', 'BTF', 'bpffs', 'BPF sk_msg + sockmap', 'network namespaces'];
    if (opts.strict && caps.some((c) => core.includes(c.name) && !c.ok)) process.exitCode = 1;
  });
program.parse();
