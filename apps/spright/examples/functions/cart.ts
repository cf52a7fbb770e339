// Prices the items (a fixed catalogue) and hands the order on.
import { defineFunction } from '@fastpath/spright-sdk';

const PRICES: Record<number, number> = { 1: 1999, 2: 499, 3: 12900, 4: 250 };

export default defineFunction({
  name: 'cart',
  async handle(ctx) {
    const o = ctx.json<{ user: string; items: number[]; path: string[] }>();
    const lines = o.items.map((id) => ({ id, cents: PRICES[id] ?? 100 }));
    ctx.setBody({ ...o, lines, path: [...o.path, 'cart'] });
    ctx.next();
  },
});
