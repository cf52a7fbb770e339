// nx run spright:bench [--scenario chain2|boutique|motion|parking|idle|startup]
import { Command } from 'commander';
import { Region } from '@fastpath/shm';
import { runChain2 } from './chain2.ts';
import { stopAllSystems, type SystemName } from './systems.ts';

// An interrupted run leaves nothing behind: the running system is stopped before exiting, and
// regions left by earlier runs that were killed outright (their creator is dead) are removed.
const swept = Region.sweepStale('sp');
if (swept > 0) console.log(`removed ${swept} shared-memory region(s) left by killed runs`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    process.stderr.write(`\n${sig}: stopping the running system...\n`);
    void stopAllSystems().finally(() => process.exit(130));
  });
}

const program = new Command('spright-bench')
  .description('SPRIGHT benchmarks against knative-like and grpc baselines (results in docs/results/spright/)')
  .option('--scenario <name>', 'chain2 | boutique | motion | parking | idle | startup | eproxy', 'chain2')
  .option('--systems <list>', 'comma-separated subset of s,d,h,knativeLike,grpc')
  .option('--duration <s>', 'seconds per load point (chain2)', '5')
  .option('--reps <n>', 'repetitions per point (chain2)', '3')
  .option('--idle <s>', 'idle window in seconds', '')
  .option('--concurrency <list>', 'chain2 concurrency levels', '1,32,128')
  .option('--gateway-netns', 'chain2: SPRIGHT gateway in its own netns + veth (default: host loopback like the baselines)')
  .action(async (o: { scenario: string; systems?: string; duration: string; reps: string; idle: string; concurrency: string; gatewayNetns?: boolean }) => {
    const systems = o.systems ? (o.systems.split(',') as SystemName[]) : undefined;
    const t0 = Date.now();
    switch (o.scenario) {
      case 'chain2': {
        const r = await runChain2({ systems, durationS: Number(o.duration), reps: Number(o.reps), idleS: Number(o.idle || 20), concurrency: o.concurrency.split(',').map(Number), gatewayNetns: o.gatewayNetns });
        console.log(`wrote ${r.file}`);
        break;
      }
      default: {
        const mod = await import('./scenarios.ts');
        await mod.runScenario(o.scenario, { systems, idleS: o.idle ? Number(o.idle) : undefined });
      }
    }
    console.log(`scenario ${o.scenario} took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  });

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
