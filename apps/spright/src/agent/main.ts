// Entry of the node agent process. `spright` starts it on demand (exit-when-idle);
// `tsx apps/spright/src/agent/main.ts --persistent` runs it as a host daemon.
import { Agent } from './agent.ts';

const persistent = process.argv.includes('--persistent');
const agent = new Agent({ exitWhenIdle: !persistent });
const swept = agent.sweep();
if (swept.length) agent.log(`removed leftovers of a previous agent: ${swept.join(', ')}`);
const sock = await agent.listen();
agent.log(`spright agent ${process.pid} listening on ${sock}`);
const bye = () => void agent.close().then(() => process.exit(0));
process.on('SIGTERM', bye);
process.on('SIGINT', bye);
