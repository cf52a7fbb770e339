// shippingservice: GetQuote (8.99 USD for a non-empty order, as the demo) and ShipOrder (tracking id).
import { createHash } from 'node:crypto';
import { defineFunction } from '@fastpath/spright-sdk';

export default defineFunction({
  name: 'shipping',
  handle(ctx) {
    const q = ctx.json<{ op: string; address?: { streetAddress: string; city: string; state: string; country: string; zipCode: number }; items?: { productId: string; quantity: number }[] }>();
    const count = (q.items ?? []).reduce((n, i) => n + i.quantity, 0);
    if (q.op === 'quote') return ctx.respond(200, {}, { costUsd: count === 0 ? { currencyCode: 'USD', units: 0, nanos: 0 } : { currencyCode: 'USD', units: 8, nanos: 990000000 } });
    if (q.op === 'ship') {
      if (!q.address?.streetAddress) return ctx.respond(400, {}, { error: 'address is required' });
      const h = createHash('sha1').update(`${JSON.stringify(q.address)}${Date.now()}${Math.random()}`).digest('hex').toUpperCase();
      return ctx.respond(200, {}, { trackingId: `${h.slice(0, 2)}-${h.slice(2, 12)}-${h.slice(12, 22)}` });
    }
    return ctx.respond(400, {}, { error: `unknown op ${q.op}` });
  },
});
