// Entry of a chain's pod: `pod-main.ts function` (a function instance) or `pod-main.ts gateway`.
// Configuration comes from the environment the manifests set (see pod.ts, podOptionsFromEnv).
import { AdoptRefusedError } from '../agent/adopt-protocol.ts';
import { podOptionsFromEnv, runPod } from './pod.ts';

const role = process.argv[2];
if (role !== 'function' && role !== 'gateway') {
  process.stderr.write('usage: pod-main.ts function|gateway (environment: SPRIGHT_CHAIN, SPRIGHT_TOKEN, SPRIGHT_FUNCTION + SPRIGHT_MODULE or SPRIGHT_CHAIN_SPEC)\n');
  process.exit(64);
}
runPod(podOptionsFromEnv(role === 'gateway' ? 'gateway' : undefined)).catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  // EX_CONFIG for a wrong token: restarting the pod cannot fix it.
  process.exit(err instanceof AdoptRefusedError && err.code === 'bad-token' ? 78 : 1);
});
