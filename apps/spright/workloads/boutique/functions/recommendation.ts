// recommendationservice: up to 5 catalogue products the user does not already have, shuffled.
import { defineFunction } from '@fastpath/spright-sdk';
import type { Product } from '../data.ts';

export default defineFunction({
  name: 'recommendation',
  async handle(ctx) {
    const q = ctx.json<{ userId: string; productIds: string[] }>();
    const r = await ctx.call('productcatalog', { op: 'list' });
    const { products } = r.json<{ products: Product[] }>();
    const have = new Set(q.productIds ?? []);
    const ids = products.map((p) => p.id).filter((id) => !have.has(id));
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [ids[i], ids[j]] = [ids[j], ids[i]];
    }
    ctx.respond(200, {}, { productIds: ids.slice(0, 5) });
  },
});
