// 2-function chain, second function: answers with a tiny body that names both hops.
import { defineFunction } from '@fastpath/spright-sdk';

export default defineFunction({
  name: 'second',
  handle(ctx) {
    ctx.respond(200, { 'content-type': 'text/plain', 'x-chain': 'first>second' }, `hello ${ctx.body.byteLength}\n`);
  },
});
