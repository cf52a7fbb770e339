// productcatalogservice: ListProducts, GetProduct, SearchProducts over the demo catalogue.
import { defineFunction } from '@fastpath/spright-sdk';
import { PRODUCTS } from '../data.ts';

export default defineFunction({
  name: 'productcatalog',
  handle(ctx) {
    const q = ctx.json<{ op: string; id?: string; ids?: string[]; query?: string }>();
    if (q.op === 'list') return ctx.respond(200, {}, { products: PRODUCTS });
    if (q.op === 'get') {
      const p = PRODUCTS.find((x) => x.id === q.id);
      return p ? ctx.respond(200, {}, p) : ctx.respond(404, {}, { error: `no product with ID ${q.id}` });
    }
    if (q.op === 'getMany') {
      const out = (q.ids ?? []).map((id) => PRODUCTS.find((x) => x.id === id));
      if (out.some((p) => !p)) return ctx.respond(404, {}, { error: 'unknown product id' });
      return ctx.respond(200, {}, { products: out });
    }
    if (q.op === 'search') {
      const s = (q.query ?? '').toLowerCase();
      return ctx.respond(200, {}, { products: PRODUCTS.filter((p) => p.name.toLowerCase().includes(s) || p.description.toLowerCase().includes(s)) });
    }
    return ctx.respond(400, {}, { error: `unknown op ${q.op}` });
  },
});
