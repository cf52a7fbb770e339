// The SPRIGHT function the live replay deploys: it "executes" for EXEC_MS (Table 4.1: 500 ms) without
// holding the CPU, like a function waiting on I/O, and answers the gateway's client.
import { defineFunction } from '@fastpath/spright-sdk';

const execMs = Number(process.env.EXEC_MS ?? 500);

export default defineFunction({
  name: 'work',
  async handle(ctx) {
    await new Promise((r) => setTimeout(r, execMs));
    ctx.respond(200, { 'content-type': 'text/plain' }, 'ok');
  },
});
