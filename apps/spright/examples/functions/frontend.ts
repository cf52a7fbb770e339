// Validates the order request; empty carts skip `cart` through the empty-cart topic (DFR).
import { defineFunction } from '@fastpath/spright-sdk';

interface Order {
  user?: string;
  items?: number[];
}

export default defineFunction({
  name: 'frontend',
  async handle(ctx) {
    let order: Order;
    try {
      order = ctx.body.length ? ctx.json<Order>() : {};
    } catch {
      return ctx.respond(400, { 'content-type': 'application/json' }, { error: 'body must be JSON: {"user": string, "items": number[]}' });
    }
    if (typeof order.user !== 'string') return ctx.respond(400, {}, { error: 'field "user" (string) is required' });
    const items = Array.isArray(order.items) ? order.items.filter((i) => Number.isInteger(i)) : [];
    ctx.setBody({ user: order.user, items, path: ['frontend'] });
    return items.length === 0 ? ctx.next('empty-cart') : ctx.next();
  },
});
