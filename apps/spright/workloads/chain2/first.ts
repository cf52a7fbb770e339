// 2-function chain (Fig. 5.7 / 5.8 analogue), first function: stamps itself and hands on.
import { defineFunction } from '@fastpath/spright-sdk';

export default defineFunction({
  name: 'first',
  handle(ctx) {
    ctx.next();
  },
});
