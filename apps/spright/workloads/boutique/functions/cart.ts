// cartservice: AddItem, GetCart, EmptyCart; state per user session, in this instance's memory
// (the demo keeps it in Redis; one cart instance per chain keeps the semantics exact).
import { defineFunction } from '@fastpath/spright-sdk';

const carts = new Map<string, Map<string, number>>();

export default defineFunction({
  name: 'cart',
  handle(ctx) {
    const q = ctx.json<{ op: string; userId: string; productId?: string; quantity?: number }>();
    if (!q.userId) return ctx.respond(400, {}, { error: 'userId is required' });
    const items = () => [...(carts.get(q.userId) ?? new Map<string, number>())].map(([productId, quantity]) => ({ productId, quantity }));
    if (q.op === 'add') {
      if (!q.productId || !Number.isInteger(q.quantity) || q.quantity! <= 0) return ctx.respond(400, {}, { error: 'productId and a positive quantity are required' });
      const c = carts.get(q.userId) ?? new Map<string, number>();
      c.set(q.productId, (c.get(q.productId) ?? 0) + q.quantity!);
      carts.set(q.userId, c);
      return ctx.respond(200, {}, { userId: q.userId, items: items() });
    }
    if (q.op === 'get') return ctx.respond(200, {}, { userId: q.userId, items: items() });
    if (q.op === 'empty') {
      carts.delete(q.userId);
      return ctx.respond(200, {}, { userId: q.userId, items: [] });
    }
    return ctx.respond(400, {}, { error: `unknown op ${q.op}` });
  },
});
