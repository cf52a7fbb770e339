// Totals the order and answers the client.
import { defineFunction } from '@fastpath/spright-sdk';

const currency = process.env.CURRENCY ?? 'USD';

export default defineFunction({
  name: 'checkout',
  async handle(ctx) {
    const o = ctx.json<{ user: string; lines?: { id: number; cents: number }[]; path: string[] }>();
    const lines = o.lines ?? [];
    const total = lines.reduce((s, l) => s + l.cents, 0);
    ctx.respond(lines.length ? 201 : 200, { 'content-type': 'application/json', 'x-order-path': [...o.path, 'checkout'].join('>') }, { user: o.user, total: total / 100, currency, lines: lines.length });
  },
});
