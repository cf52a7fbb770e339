// checkoutservice: PlaceOrder — the demo's sequence: get cart, price items in the user's
// currency, quote and convert shipping, charge the card, ship, empty the cart, email.
import { randomUUID } from 'node:crypto';
import { defineFunction } from '@fastpath/spright-sdk';
import { fromNumber, multiply, sum, toNumber, type Money, type Product } from '../data.ts';

interface Req {
  userId: string;
  userCurrency: string;
  email: string;
  address: { streetAddress: string; city: string; state: string; country: string; zipCode: number };
  creditCard: { creditCardNumber: string; creditCardCvv: number; creditCardExpirationYear: number; creditCardExpirationMonth: number };
}

export default defineFunction({
  name: 'checkout',
  async handle(ctx) {
    const q = ctx.json<Req>();
    const cart = (await ctx.call('cart', { op: 'get', userId: q.userId })).json<{ items: { productId: string; quantity: number }[] }>();
    if (cart.items.length === 0) return ctx.respond(400, {}, { error: 'cart is empty' });
    const pr = await ctx.call('productcatalog', { op: 'getMany', ids: cart.items.map((i) => i.productId) });
    if (pr.status !== 200) return ctx.respond(502, {}, { error: `productcatalog: ${pr.text()}` });
    const products = pr.json<{ products: Product[] }>().products;
    const conv = (await ctx.call('currency', { op: 'convert', many: products.map((p) => p.priceUsd), to: q.userCurrency })).json<{ many: Money[] }>().many;
    const items = cart.items.map((it, k) => ({ item: it, cost: conv[k] }));
    const quote = (await ctx.call('shipping', { op: 'quote', address: q.address, items: cart.items })).json<{ costUsd: Money }>().costUsd;
    const shippingCost = (await ctx.call('currency', { op: 'convert', from: quote, to: q.userCurrency })).json<Money>();
    let total = fromNumber(q.userCurrency, toNumber(shippingCost));
    for (const i of items) total = sum(total, multiply(i.cost, i.item.quantity));
    const pay = await ctx.call('payment', { amount: total, creditCard: q.creditCard });
    if (pay.status !== 200) return ctx.respond(400, {}, { error: `failed to charge card: ${pay.json<{ error: string }>().error}` });
    const { transactionId } = pay.json<{ transactionId: string }>();
    const ship = (await ctx.call('shipping', { op: 'ship', address: q.address, items: cart.items })).json<{ trackingId: string }>();
    await ctx.call('cart', { op: 'empty', userId: q.userId });
    const order = { orderId: randomUUID(), shippingTrackingId: ship.trackingId, shippingCost, shippingAddress: q.address, items, total, transactionId };
    const mail = await ctx.call('email', { email: q.email, order });
    ctx.respond(200, {}, { order, emailSent: mail.status === 200 });
  },
});
