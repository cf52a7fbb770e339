#!/usr/bin/env -S node --import tsx
// upf: the fastpath User Plane Function. `upf run --config upf.yaml`.
import { Command } from 'commander';
import { loadConfig, UpfConfigError } from './config.ts';
import { startUpf } from './app.ts';

const program = new Command('upf').description('fastpath 5G User Plane Function: PFCP (N4) control plane in TypeScript, C data path on N3/N6');

program
  .command('run')
  .description('run the UPF until SIGINT/SIGTERM; prints one JSON line {"ready":...} when PFCP and the data path are up')
  .requiredOption('-c, --config <file>', 'upf.yaml (see apps/upf/upf.example.yaml)')
  .option('--no-data-plane', 'control plane only (no N3/N6 sockets); for PFCP testing')
  .action(async (o: { config: string; dataPlane: boolean }) => {
    const cfg = loadConfig(o.config);
    const upf = await startUpf(cfg, { dataPlane: o.dataPlane, log: (m) => process.stderr.write(`upf: ${m}\n`) });
    process.stdout.write(JSON.stringify({ ready: true, pfcp: upf.pfcp, n3Port: upf.n3Port, n3Io: upf.n3Port !== undefined ? upf.dp.ioMode() : null, n6Io: upf.n3Port !== undefined ? cfg.n6.io : null, metrics: upf.metricsUrl, classifier: cfg.classifier }) + '\n');
    const stop = async () => {
      await upf.close();
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`upf: ${e instanceof UpfConfigError ? e.message : (e as Error).stack ?? e}\n`);
  process.exit(e instanceof UpfConfigError ? 2 : 1);
});
